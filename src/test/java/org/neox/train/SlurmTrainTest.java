package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.cli.Main;
import org.neox.comm.FreePort;
import org.neox.launch.SlurmCluster;

/**
 * {@code neox train} with {@code launcher: slurm}: two data-parallel workers started by the real
 * srun of a private one-node Slurm train the tiny config to the same per-iteration losses as the
 * local runner's two workers on the same data, and leave no job step behind.
 */
@Tag("integration")
class SlurmTrainTest {
    @TempDir
    Path dir;

    private Path config(String name, String launcher) throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        String yml = """
                {
                  "num-layers": 2, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 2,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}},
                  "zero_optimization": {"stage": 1},
                  "train-iters": 8, "hidden-dropout": 0.0, "attention-dropout": 0.0, "gradient_clipping": 1.0,
                  "eval-interval": 100, "eval-iters": 1, "log-interval": 1,
                  "log-dir": "%s", "launcher": "%s", "comment": "neox slurm test", "master_port": %d,
                }
                """.formatted(prefix, dir.resolve("logs-" + name), launcher, FreePort.find());
        Files.writeString(dir.resolve(name + ".yml"), yml);
        return dir.resolve(name + ".yml");
    }

    private List<Double> losses(String name) throws IOException {
        return TinyRuns.loggedLosses(dir.resolve("logs-" + name));
    }

    @Test
    void srunWorkersTrainToTheLocalRunnersLosses() throws Exception {
        String why = SlurmCluster.unavailable();
        assumeTrue(why == null, why);
        config("local", "pdsh");
        assertEquals(0, Main.run("train", "-d", dir.toString(), "local.yml", "--num-gpus", "2"));
        config("slurm", "slurm");
        try (SlurmCluster slurm = SlurmCluster.start(Files.createDirectories(dir.resolve("slurm")))) {
            // srun finds the cluster through SLURM_CONF, which only a launcher process of its own can get
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", "-d", dir.toString(),
                    "slurm.yml", "--num-gpus", "2").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("slurm.out").toFile());
            pb.environment().putAll(slurm.env());
            Process launcher = pb.start();
            try {
                assertTrue(launcher.waitFor(120, TimeUnit.SECONDS), "neox train under srun did not end");
            } finally {
                launcher.destroyForcibly();
            }
            String out = Files.readString(dir.resolve("slurm.out"));
            assertEquals(0, launcher.exitValue(), out + slurm.logs());
            assertEquals("", slurm.stepsLeft(), "job steps left running");
        }
        List<Double> local = losses("local");
        assertEquals(8, local.size());
        assertEquals(local, losses("slurm"), "losses under srun vs the local runner");
    }
}
