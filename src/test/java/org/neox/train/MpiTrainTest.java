package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.cli.Main;
import org.neox.comm.FreePort;

/**
 * {@code neox train} with {@code launcher: openmpi}: two data-parallel workers started by the
 * real mpirun train the tiny config to the same per-iteration losses as the local runner's two
 * workers on the same data.
 */
@Tag("integration")
class MpiTrainTest {
    @TempDir
    Path dir;

    private List<Double> train(String name, String launcher) throws IOException {
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
                  "log-dir": "%s", "launcher": "%s", "master_port": %d,
                }
                """.formatted(prefix, dir.resolve("logs-" + name), launcher, FreePort.find());
        Files.writeString(dir.resolve(name + ".yml"), yml);
        int code = Main.run("train", "-d", dir.toString(), name + ".yml", "--num-gpus", "2");
        assertEquals(0, code, "neox train with launcher " + launcher + " failed");
        return TinyRuns.loggedLosses(dir.resolve("logs-" + name));
    }

    @Test
    void mpirunWorkersTrainToTheLocalRunnersLosses() throws IOException {
        assumeTrue(Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "mpirun"))), "mpirun not installed (apt-get install"
                + " openmpi-bin); skipping");
        List<Double> local = train("local", "pdsh");
        List<Double> mpi = train("mpi", "openmpi");
        assertEquals(8, mpi.size());
        assertEquals(local, mpi, "losses under mpirun vs the local runner");
    }
}
