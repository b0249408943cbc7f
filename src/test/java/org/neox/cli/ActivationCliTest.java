package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.data.EmbeddedCorpus;
import picocli.CommandLine;

/** {@code neox train} with a non-gelu MLP activation, and the one-line error for an unknown one. */
class ActivationCliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    private void writeConfig(String name, String activation) throws IOException {
        Path prefix = dir.resolve("data/tiny_text_document");
        Files.createDirectories(prefix.getParent());
        EmbeddedCorpus.ensure(prefix);
        Files.writeString(dir.resolve(name), """
                {
                  "num-layers": 1, "hidden-size": 24, "num-attention-heads": 2, "activation": "%s",
                  "seq-length": 16, "max-position-embeddings": 16, "no-weight-tying": true,
                  "tokenizer-type": "CharLevelTokenizer", "data-path": "%s",
                  "train_micro_batch_size_per_gpu": 2,
                  "optimizer": {"type": "Adam", "params": {"lr": 1.0e-3}},
                  "train-iters": 3, "eval-interval": 100, "eval-iters": 1, "log-interval": 1,
                  "log-dir": "%s"
                }
                """.formatted(activation, prefix, dir.resolve("logs")));
    }

    @Test
    void trainsWithGegluFromTheCommandLine() throws IOException {
        writeConfig("g.yml", "geglu");
        assertEquals(0, cli.run("train", "-d", dir.toString(), "g.yml"), err.toString());
        List<String> lines = Files.readAllLines(dir.resolve("logs/metrics.jsonl"));
        assertEquals(3, lines.stream().filter(l -> l.contains("\"lm_loss\"") && !l.contains("\"split\"")).count(),
                String.join("\n", lines));
    }

    @Test
    void unknownActivationIsOneErrorLineListingTheChoices() throws IOException {
        writeConfig("bad.yml", "gelu_new");
        assertEquals(2, cli.run("train", "-d", dir.toString(), "bad.yml"), err.toString());
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("neox: error: ") && e.contains("activation") && e.contains("gelu_new")
                && e.contains("geglu, relu, softsign, swish, mish"), e);
    }
}
