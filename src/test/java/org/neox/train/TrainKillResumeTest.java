package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;

/**
 * SIGKILL a training process while it checkpoints every other iteration: {@code latest} still
 * names a complete checkpoint, and resuming from it reproduces the uninterrupted run's losses
 * bit for bit.
 */
@Tag("integration")
class TrainKillResumeTest {
    private static final int ITERS = 60;

    @TempDir
    Path dir;

    private void writeConfig() throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        Files.writeString(dir.resolve("t.yml"), """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "train_micro_batch_size_per_gpu": 4,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}},
                  "train-iters": %d, "hidden-dropout": 0.1, "attention-dropout": 0.1,
                  "eval-interval": 1000, "eval-iters": 1, "save": "%s", "checkpoint-factor": 2,
                }
                """.formatted(prefix, ITERS, dir.resolve("killed")));
    }

    private NeoXArgs args(Map<String, String> overrides) {
        return TinyRuns.load(dir, "t.yml", overrides);
    }

    @Test
    void killedRunResumesExactly() throws IOException, InterruptedException {
        writeConfig();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.neox.cli.Main", "train", "-d", dir.toString(),
                "t.yml", "--kernels", "cpu") // the in-process runs' kernels: bitwise comparable
                .redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile()).start();
        Path latest = dir.resolve("killed/latest");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (latestStep(latest) < 10 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("killed.log")));
        Thread.sleep(37); // land somewhere inside a later step or save
        p.destroyForcibly().waitFor();
        long step = latestStep(latest);
        assertTrue(step >= 10 && step < ITERS, "latest = " + step);
        assertTrue(Files.isRegularFile(dir.resolve("killed/global_step" + step + "/manifest.json")));

        TrainResult resumed = TinyRuns.train(args(Map.of("load", "'" + dir.resolve("killed") + "'")));
        assertEquals(step, resumed.startIteration());
        TrainResult whole = TinyRuns.train(args(Map.of("save", "'" + dir.resolve("whole") + "'")));
        assertEquals(whole.losses().subList((int) step, ITERS), resumed.losses());
    }

    private static long latestStep(Path latest) throws IOException {
        if (!Files.exists(latest)) {
            return -1;
        }
        String tag = Files.readString(latest).trim();
        return tag.isEmpty() ? -1 : Long.parseLong(tag.substring("global_step".length()));
    }
}
