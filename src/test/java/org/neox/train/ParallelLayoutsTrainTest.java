package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.comm.ParallelGroups;
import org.neox.comm.Topology;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.kernel.KernelsFactory;
import org.neox.util.Clock;

/**
 * Tensor, pipeline and 3D layouts of the trainer in one JVM (ranks are threads over
 * {@link LocalCommunicator}) against the single-rank run on the same global batches: every
 * layout starts from the single-rank weights, so the per-iteration losses agree within 1e-4
 * relative. Tied embeddings, learned positions, hidden dropout and clipping are on, so the tied
 * gradient sync, the dropout counters and the replica-aware gradient norm are exercised.
 */
class ParallelLayoutsTrainTest {
    private static final int ITERS = 10;

    @TempDir
    Path dir;

    private NeoXArgs config(String name, int world, int pp, int mp, int gas, int zero, String extra) throws IOException {
        return config(name, 3, world, pp, mp, gas, zero, extra, Map.of());
    }

    private NeoXArgs config(String name, int layers, int world, int pp, int mp, int gas, int zero, String extra)
            throws IOException {
        return config(name, layers, world, pp, mp, gas, zero, extra, Map.of());
    }

    private NeoXArgs config(String name, int layers, int world, int pp, int mp, int gas, int zero, String extra,
                            Map<String, String> overrides) throws IOException {
        return layoutConfig(dir, name, layers, world, pp, mp, gas, zero, extra, overrides);
    }

    /**
     * {@code dir/NAME.yml}: a {@code layers}-layer char-level model on {@code world} ranks as pp x mp
     * (x data), {@value #ITERS} iterations of {@code gas} micro-batches, ZeRO stage {@code zero},
     * tied embeddings, learned positions, hidden dropout and clipping on; {@code extra} adds keys.
     */
    static NeoXArgs layoutConfig(Path dir, String name, int layers, int world, int pp, int mp, int gas, int zero,
                                 String extra, Map<String, String> overrides) throws IOException {
        return layoutConfig(dir, name, layers, world, pp, mp, gas, zero, false, extra, overrides);
    }

    /** {@link #layoutConfig} with {@code zero_optimization.overlap_comm} set to {@code overlap}. */
    static NeoXArgs layoutConfig(Path dir, String name, int layers, int world, int pp, int mp, int gas, int zero,
                                 boolean overlap, String extra, Map<String, String> overrides) throws IOException {
        Path prefix = TinyRuns.corpus(dir);
        String yml = """
                {
                  "num-layers": %d, "hidden-size": 32, "num-attention-heads": 4,
                  "seq-length": 32, "max-position-embeddings": 32, "pos-emb": "learned",
                  "no-weight-tying": false, "tokenizer-type": "CharLevelTokenizer",
                  "data-path": "%s", "split": "949,50,1",
                  "pipe-parallel-size": %d, "model-parallel-size": %d,
                  "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": %d,
                  "optimizer": {"type": "Adam", "params": {"lr": 3.0e-3}},
                  "zero_optimization": {"stage": %d, "reduce_bucket_size": 1000, "allgather_bucket_size": 700,
                                        "overlap_comm": %b},
                  "train-iters": %d, "hidden-dropout": 0.1, "attention-dropout": 0.0, "gradient_clipping": 0.5,
                  "eval-interval": 5, "eval-iters": 1, "log-interval": 1, %s
                }
                """.formatted(layers, prefix, pp, mp, gas, zero, overlap, ITERS, extra);
        Files.writeString(dir.resolve(name + ".yml"), yml);
        return ConfigLoader.standard().load(new ConfigLoader.Request(dir, List.of(name + ".yml"),
                new ResourceOptions(null, null, null, null, world), OptionalInt.empty(), overrides));
    }

    /** Runs every rank of {@code args}' grid on its own thread; returns rank 0's result. */
    static TrainResult runRanks(NeoXArgs args) throws Exception {
        return runRanks(args, "cpu");
    }

    /** {@link #runRanks(NeoXArgs)} with each rank on its own kernels of {@code kernels} (a factory name). */
    static TrainResult runRanks(NeoXArgs args, String kernels) throws Exception {
        int n = args.worldSize();
        Topology topo = new Topology(args.pipeParallelSize(), args.dataParallelSize(), args.modelParallelSize());
        List<Communicator> world = LocalCommunicator.create(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<TrainResult>> fs = new ArrayList<>();
            for (Communicator c : world) {
                fs.add(pool.submit(() -> {
                    try (ParallelGroups g = ParallelGroups.create(topo, c)) {
                        return new Trainer(args, WorkerMain.context(g), KernelsFactory.create(kernels, 1), Clock.SYSTEM,
                                new PrintWriter(new StringWriter())).run();
                    }
                }));
            }
            List<TrainResult> rs = new ArrayList<>();
            for (Future<TrainResult> f : fs) {
                rs.add(f.get());
            }
            return rs.get(0);
        } finally {
            pool.shutdownNow();
        }
    }

    static void assertSameLosses(TrainResult expected, TrainResult actual, String what) {
        assertEquals(expected.losses().size(), actual.losses().size(), what);
        for (int i = 0; i < expected.losses().size(); i++) {
            double e = expected.losses().get(i);
            double a = actual.losses().get(i);
            assertTrue(Math.abs(e - a) <= 1e-4 * Math.abs(e), what + " iteration " + (i + 1) + ": single " + e + " vs " + a);
        }
        assertEquals(expected.evals().size(), actual.evals().size(), what + " evaluations");
        for (int i = 0; i < expected.evals().size(); i++) {
            double e = expected.evals().get(i).lmLoss();
            double a = actual.evals().get(i).lmLoss();
            assertTrue(Math.abs(e - a) <= 1e-4 * Math.abs(e), what + " " + expected.evals().get(i) + " vs " + a);
        }
    }

    @Test
    void tensorPipelineAnd3dLayoutsMatchTheSingleRankRun() throws Exception {
        TrainResult single = runRanks(config("single", 1, 1, 1, 4, 0, ""));
        assertTrue(single.losses().get(ITERS - 1) < single.losses().get(0), "loss falls: " + single.losses());
        assertSameLosses(single, runRanks(config("mp2", 2, 1, 2, 4, 0, "")), "mp=2");
        assertSameLosses(single, runRanks(config("pp2", 2, 2, 1, 4, 0, "")), "pp=2");
        assertSameLosses(single, runRanks(config("pp2mp2dp2", 8, 2, 2, 2, 1, "")), "pp=2 x mp=2 x dp=2 ZeRO-1");
        // activation checkpointing recomputes each in-flight micro-batch's layers from its own slot
        assertSameLosses(single, runRanks(config("pp2ckpt", 2, 2, 1, 4, 0,
                "\"checkpoint-activations\": true, \"checkpoint-num-layers\": 1,")), "pp=2 with activation checkpointing");
    }

    @Test
    void threeDWithoutZeroAndFourMicroBatchesInFlightMatchesTheSingleRankRun() throws Exception {
        TrainResult single = runRanks(config("single8", 1, 1, 1, 8, 0, ""));
        assertSameLosses(single, runRanks(config("3d-gas4", 8, 2, 2, 4, 0, "")), "pp=2 x mp=2 x dp=2, gas 4, no ZeRO");
    }

    @Test
    void fourUnevenStagesAndFourTensorRanksMatchTheSingleRankRun() throws Exception {
        TrainResult single = runRanks(config("single5", 5, 1, 1, 1, 4, 0, ""));
        assertSameLosses(single, runRanks(config("mp4", 5, 4, 1, 4, 4, 0, "")), "mp=4");
        assertSameLosses(single, runRanks(config("pp4", 5, 4, 4, 1, 4, 0, "\"pipe-partition-method\": \"parameters\",")),
                "pp=4 by parameters (5 layers)");
    }

    /**
     * A checkpoint saved at pp=2 × mp=2 × dp=2 (ZeRO-1) resumes in the same layout exactly like
     * the uninterrupted run, and re-sharded (weights and Adam moments) into 1×1×1 and into
     * pp=1 × mp=2 × dp=4 it continues with the uninterrupted run's losses within 1e-4.
     */
    @Test
    void checkpointOf3dLayoutResumesInOtherLayouts() throws Exception {
        String save = "'" + dir.resolve("ckpt") + "'";
        Map<String, String> first = Map.of("save", save, "checkpoint_factor", "6", "train_iters", "9", "exit_interval", "6");
        runRanks(config("save3d", 3, 8, 2, 2, 2, 1, "", first));
        assertTrue(Files.isRegularFile(dir.resolve("ckpt/global_step6/manifest.json")));
        Map<String, String> resume = Map.of("load", save, "train_iters", "9");
        TrainResult whole = runRanks(config("whole3d", 3, 8, 2, 2, 2, 1, "", Map.of("train_iters", "9")));
        TrainResult same = runRanks(config("resume3d", 3, 8, 2, 2, 2, 1, "", resume));
        assertEquals(6, same.startIteration());
        assertEquals(whole.losses().subList(6, 9), same.losses(), "2x2x2 resume vs uninterrupted");
        TrainResult rest = new TrainResult(6, 9, whole.losses().subList(6, 9), same.evals());
        TrainResult single = runRanks(config("resume111", 3, 1, 1, 1, 4, 0, "", resume));
        assertEquals(6, single.startIteration());
        assertSameLosses(rest, single, "resumed at 1x1x1");
        TrainResult wide = runRanks(config("resume124", 3, 8, 1, 2, 1, 0, "", resume));
        assertSameLosses(rest, wide, "resumed at pp=1 x mp=2 x dp=4");
    }
}
