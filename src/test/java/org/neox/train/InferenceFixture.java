package org.neox.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.data.EmbeddedCorpus;
import org.neox.kernel.KernelsFactory;
import org.neox.util.Clock;

/**
 * A tiny character-level model (2 layers, h32, seq 32) trained for a few iterations on the
 * embedded corpus and saved in {@code dir/ckpt}; {@link #args} resolves {@code dir/t.yml} with
 * {@code load} pointing there, for the generate and eval tests.
 */
final class InferenceFixture {
    final Path dir;
    final Path dataPrefix;
    /** keys set in training and in every {@link #args} (e.g. another pos_emb) */
    private final Map<String, String> base;

    InferenceFixture(Path dir) throws IOException {
        this(dir, Map.of());
    }

    InferenceFixture(Path dir, Map<String, String> base) throws IOException {
        this.dir = dir;
        this.base = base;
        this.dataPrefix = dir.resolve("data/tiny_text_document");
        Files.createDirectories(dataPrefix.getParent());
        EmbeddedCorpus.ensure(dataPrefix);
        String yml = """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "rotary",
                  "no-weight-tying": true, "output_layer_parallelism": "column",
                  "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "train_micro_batch_size_per_gpu": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3, "betas": [0.9, 0.95], "eps": 1.0e-8}},
                  "lr-decay-style": "constant", "train-iters": 8,
                  "eval-interval": 1000, "eval-iters": 1, "log-interval": 100,
                  "save": "%s", "load": "%s", "checkpoint-factor": 4,
                }
                """.formatted(dataPrefix, dir.resolve("ckpt"), dir.resolve("ckpt"));
        Files.writeString(dir.resolve("t.yml"), yml);
        NeoXArgs train = args(Map.of());
        new Trainer(train, RankContext.single(), KernelsFactory.create("cpu", 2), Clock.SYSTEM,
                new PrintWriter(new StringWriter())).run();
    }

    NeoXArgs args(Map<String, String> overrides) {
        return ConfigLoader.standard().load(new ConfigLoader.Request(dir, List.of("t.yml"), ResourceOptions.NONE,
                OptionalInt.empty(), merged(overrides)));
    }

    private Map<String, String> merged(Map<String, String> overrides) {
        Map<String, String> m = new LinkedHashMap<>(base);
        m.putAll(overrides);
        return m;
    }
}
