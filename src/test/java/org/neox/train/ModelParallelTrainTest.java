package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.cli.Main;

/**
 * Tensor, pipeline and 3D parallelism in real worker processes ({@code neox train --num-gpus N})
 * against the single-rank run on the same global batches (8 sequences per iteration): the
 * per-iteration losses of mp=2, pp=2 and pp=2 × mp=2 × dp=2 (8 worker JVMs, ZeRO-1) agree
 * within 1e-4 relative; so do those of pp=4 over 5 layers (an uneven split).
 */
@Tag("integration")
class ModelParallelTrainTest {
    @TempDir
    Path dir;

    private Path writeConfig(String name, int pp, int mp, int gas, int zeroStage) throws IOException {
        return writeConfig(name, 2, pp, mp, gas, zeroStage, "");
    }

    private Path writeConfig(String name, int layers, int pp, int mp, int gas, int zeroStage, String extra)
            throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        String yml = """
                {
                  "num-layers": %d, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "rotary",
                  "no-weight-tying": true, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "pipe-parallel-size": %d, "model-parallel-size": %d,
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": %d,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}},
                  "zero_optimization": {"stage": %d, "reduce_bucket_size": 1000, "allgather_bucket_size": 700},
                  "train-iters": 12, "hidden-dropout": 0.0, "attention-dropout": 0.0, "gradient_clipping": 1.0,
                  "eval-interval": 100, "eval-iters": 1, "log-interval": 1,
                  "log-dir": "%s", %s
                }
                """.formatted(layers, prefix, pp, mp, gas, zeroStage, dir.resolve("logs-" + name), extra);
        Path f = dir.resolve(name + ".yml");
        Files.writeString(f, yml);
        return f;
    }

    private List<Double> singleRank(int layers) throws IOException {
        writeConfig("single", layers, 1, 1, 4, 0, "");
        return TinyRuns.train(TinyRuns.load(dir, "single.yml", Map.of())).losses();
    }

    private List<Double> workers(String name, int pp, int mp, int dp, int zeroStage) throws IOException {
        writeConfig(name, pp, mp, 4 / dp, zeroStage);
        return run(name, pp * mp * dp);
    }

    private List<Double> run(String name, int n) throws IOException {
        int code = Main.run("train", "-d", dir.toString(), name + ".yml", "--num-gpus", String.valueOf(n));
        assertEquals(0, code, "neox train --num-gpus " + n + " (" + name + ") failed");
        return TinyRuns.loggedLosses(dir.resolve("logs-" + name));
    }

    private static void assertSame(List<Double> single, List<Double> other, String what) {
        assertEquals(single.size(), other.size(), what);
        for (int i = 0; i < single.size(); i++) {
            double rel = Math.abs(single.get(i) - other.get(i)) / Math.abs(single.get(i));
            assertTrue(rel < 1e-4, what + " iteration " + (i + 1) + ": single " + single.get(i) + " vs " + other.get(i));
        }
    }

    @Test
    void tensorPipelineAnd3dWorkersMatchTheSingleRankRun() throws IOException {
        List<Double> single = singleRank(2);
        assertSame(single, workers("mp2", 1, 2, 1, 0), "mp=2");
        assertSame(single, workers("pp2", 2, 1, 1, 0), "pp=2");
        assertSame(single, workers("pp2mp2dp2", 2, 2, 2, 1), "pp=2 x mp=2 x dp=2 ZeRO-1");
        assertSame(single, workers("mp4", 1, 4, 1, 0), "mp=4");
    }

    @Test
    void fourUnevenStagesMatchTheSingleRankRun() throws IOException {
        List<Double> single = singleRank(5);
        writeConfig("pp4", 5, 4, 1, 4, 0, "\"pipe-partition-method\": \"parameters\",");
        assertSame(single, run("pp4", 4), "pp=4, 5 layers by parameters");
    }
}
