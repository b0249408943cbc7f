package org.neox.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.data.EmbeddedCorpus;
import org.neox.kernel.KernelsFactory;
import org.neox.util.Clock;

/** Test fixture: tiny char-level configs over the embedded corpus in a temporary directory. */
final class TinyRuns {
    private TinyRuns() {
    }

    /** Generates the embedded corpus under {@code dir/data} once; returns its prefix. */
    static Path corpus(Path dir) throws IOException {
        Path prefix = dir.resolve("data/tiny_text_document");
        Files.createDirectories(prefix.getParent());
        return EmbeddedCorpus.ensure(prefix);
    }

    /** Resolves {@code dir/file} as {@code neox train -d dir file --set k=v ...} would. */
    static NeoXArgs load(Path dir, String file, Map<String, String> overrides) {
        return ConfigLoader.standard().load(new ConfigLoader.Request(dir, List.of(file), ResourceOptions.NONE,
                OptionalInt.empty(), overrides));
    }

    /**
     * A one-layer, 8-iteration char-level config written as {@code dir/NAME.yml} (logs in
     * {@code dir/logs-NAME}) and resolved with {@code overrides} as {@code --set} would: for
     * checking that a model option trains at all.
     */
    static NeoXArgs quickConfig(Path dir, String name, Map<String, String> overrides) throws IOException {
        Path prefix = corpus(dir);
        String yml = """
                {
                  "num-layers": 1, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 16, "max-position-embeddings": 16, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 1,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-2}},
                  "train-iters": 8, "hidden-dropout": 0.0, "attention-dropout": 0.0,
                  "eval-interval": 100, "eval-iters": 1, "log-interval": 1,
                  "log-dir": "%s"
                }
                """.formatted(prefix, dir.resolve("logs-" + name));
        Files.writeString(dir.resolve(name + ".yml"), yml);
        return load(dir, name + ".yml", overrides);
    }

    /** A single-rank run in this JVM on the pure-Java CPU kernels, console output discarded. */
    static TrainResult train(NeoXArgs args) {
        return trainer(args).run();
    }

    /** The training losses (one per iteration, eval lines left out) that a run wrote to {@code logDir}. */
    static List<Double> loggedLosses(Path logDir) throws IOException {
        List<Double> losses = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(logDir.resolve(MetricsLog.FILE_NAME))) {
            JsonNode n = json.readTree(line);
            if (!n.has("split")) {
                losses.add(n.get("lm_loss").asDouble());
            }
        }
        return losses;
    }

    static Trainer trainer(NeoXArgs args) {
        return new Trainer(args, RankContext.single(), KernelsFactory.create("cpu", 2), Clock.SYSTEM,
                new PrintWriter(new StringWriter()));
    }
}
