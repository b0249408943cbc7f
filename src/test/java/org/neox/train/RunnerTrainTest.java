package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.cli.Main;
import org.neox.comm.FreePort;
import org.neox.launch.SlurmCluster;

/**
 * {@code neox train} with {@code launcher: openmpi} (Debian's real mpirun) and {@code launcher:
 * slurm} (the real srun of a private one-node Slurm): two data-parallel workers train the tiny
 * config to the same per-iteration losses as the local runner's two workers on the same data.
 */
@Tag("integration")
class RunnerTrainTest {
    @TempDir
    Path dir;

    private void config(String name, String launcher) throws IOException {
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
                  "log-dir": "%s", "launcher": "%s", "comment": "neox runner test", "master_port": %d,
                }
                """.formatted(prefix, dir.resolve("logs-" + name), launcher, FreePort.find());
        Files.writeString(dir.resolve(name + ".yml"), yml);
    }

    /** The local runner's losses: the reference both runners must reproduce. */
    private List<Double> localLosses() throws IOException {
        config("local", "pdsh");
        assertEquals(0, Main.run("train", "-d", dir.toString(), "local.yml", "--num-gpus", "2"));
        List<Double> local = TinyRuns.loggedLosses(dir.resolve("logs-local"));
        assertEquals(8, local.size());
        return local;
    }

    @Test
    void mpirunWorkersTrainToTheLocalRunnersLosses() throws IOException {
        assumeTrue(Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "mpirun"))), "mpirun not installed (apt-get install"
                + " openmpi-bin); skipping");
        List<Double> local = localLosses();
        config("mpi", "openmpi");
        assertEquals(0, Main.run("train", "-d", dir.toString(), "mpi.yml", "--num-gpus", "2"),
                "neox train with launcher openmpi failed");
        assertEquals(local, TinyRuns.loggedLosses(dir.resolve("logs-mpi")), "losses under mpirun vs the local runner");
    }

    @Test
    void srunWorkersTrainToTheLocalRunnersLossesAndLeaveNoStep() throws Exception {
        try (SlurmCluster slurm = SlurmCluster.startOrSkip(Files.createDirectories(dir.resolve("slurm")))) {
            List<Double> local = localLosses();
            config("slurm", "slurm");
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
            assertEquals(local, TinyRuns.loggedLosses(dir.resolve("logs-slurm")), "losses under srun vs the local runner");
        }
    }
}
