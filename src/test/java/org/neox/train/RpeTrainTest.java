package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.ckpt.CheckpointStore;
import org.neox.ckpt.LoadedCheckpoint;
import org.neox.ckpt.SafetensorsFile;
import org.neox.config.NeoXArgs;
import org.neox.data.Tokenizer;
import org.neox.kernel.CpuKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.InferenceSession;
import org.neox.model.TokenSampler;
import org.neox.util.Clock;
import org.neox.util.UserError;

/**
 * {@code pos-emb: rpe} through the trainer: it trains (loss falling, not the loss of
 * {@code pos-emb: none}); tensor, pipeline and 3D ZeRO-1 layouts give the single-rank losses
 * within 1e-4 (the stages' tied copies of the bias stay one model), also with
 * {@code apply_query_key_layer_scaling}; a pp=2 × mp=2 × dp=2 checkpoint holds bitwise equal stage
 * copies of the bias (the loss tolerance alone would not see untied copies under Adam), resumes exactly in its
 * own layout and re-sharded at 1×1×1; bad bucket settings are one config error line.
 */
class RpeTrainTest {
    /** 8 buckets over seq 32: the log-spaced buckets are in use. */
    private static final String RPE = "\"pos-emb\": \"rpe\", \"rpe-num-buckets\": 8, \"rpe-max-distance\": 24,";

    @TempDir
    Path dir;

    private NeoXArgs layout(String name, int world, int pp, int mp, int gas, int zero, String extra,
                            Map<String, String> overrides) throws IOException {
        return ParallelLayoutsTrainTest.layoutConfig(dir, name, 3, world, pp, mp, gas, zero, RPE + extra, overrides);
    }

    @Test
    void rpeTrainsWithFallingLoss() throws IOException {
        List<Double> losses = TinyRuns.train(TinyRuns.quickConfig(dir, "rpe", Map.of("pos_emb", "rpe"))).losses();
        assertEquals(8, losses.size());
        assertTrue(losses.stream().allMatch(Double::isFinite), losses.toString());
        assertTrue(losses.get(7) < losses.get(0) - 0.3, "loss should fall: " + losses);
        List<Double> none = TinyRuns.train(TinyRuns.quickConfig(dir, "none", Map.of("pos_emb", "none"))).losses();
        assertNotEquals(none.get(1), losses.get(1), "rpe must change the model's output");
    }

    @Test
    void badBucketSettingsAreOneConfigErrorLine() throws IOException {
        NeoXArgs args = TinyRuns.quickConfig(dir, "bad", Map.of("pos_emb", "rpe", "rpe_num_buckets", "32",
                "rpe_max_distance", "16"));
        UserError e = assertThrows(UserError.class, () -> TinyRuns.train(args));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("rpe_max_distance 16"), e.getMessage());
    }

    @Test
    void layoutsMatchTheSingleRankRun() throws Exception {
        TrainResult single = ParallelLayoutsTrainTest.runRanks(layout("single", 1, 1, 1, 4, 0, "", Map.of()));
        assertTrue(single.losses().get(single.losses().size() - 1) < single.losses().get(0), single.losses().toString());
        ParallelLayoutsTrainTest.assertSameLosses(single,
                ParallelLayoutsTrainTest.runRanks(layout("mp2", 2, 1, 2, 4, 0, "", Map.of())), "mp=2");
        ParallelLayoutsTrainTest.assertSameLosses(single,
                ParallelLayoutsTrainTest.runRanks(layout("pp2", 2, 2, 1, 4, 0, "", Map.of())), "pp=2");
        ParallelLayoutsTrainTest.assertSameLosses(single,
                ParallelLayoutsTrainTest.runRanks(layout("pp2mp2dp2", 8, 2, 2, 2, 1, "", Map.of())),
                "pp=2 x mp=2 x dp=2 ZeRO-1");
        // overlap_comm: the bias gradient is final (and reduced) only after the first layer's backward
        ParallelLayoutsTrainTest.assertSameLosses(single, ParallelLayoutsTrainTest.runRanks(
                ParallelLayoutsTrainTest.layoutConfig(dir, "dp2-overlap", 3, 2, 1, 1, 2, 1, true, RPE, Map.of())),
                "dp=2 ZeRO-1 overlap_comm");
    }

    /** rpe in sparse layers (local, flash, global): tensor ranks split both the bias and the per-head layouts. */
    @Test
    void sparseAndFlashLayersWithRpeMatchTheSingleRankRun() throws Exception {
        String sparse = """
                "attention_config": [[["local", "flash", "global"], "all"]],
                "sparsity_config": {"block": 8, "num_local_blocks": 2}, "apply-query-key-layer-scaling": true,
                """;
        TrainResult single = ParallelLayoutsTrainTest.runRanks(layout("single-sp", 1, 1, 1, 4, 0, sparse, Map.of()));
        ParallelLayoutsTrainTest.assertSameLosses(single,
                ParallelLayoutsTrainTest.runRanks(layout("pp2mp2-sp", 4, 2, 2, 4, 0, sparse, Map.of())), "pp=2 x mp=2");
    }

    @Test
    void layerScalingLayoutsMatchTheSingleRankRun() throws Exception {
        String scaled = "\"apply-query-key-layer-scaling\": true,";
        TrainResult single = ParallelLayoutsTrainTest.runRanks(layout("single-s", 1, 1, 1, 4, 0, scaled, Map.of()));
        TrainResult unscaled = ParallelLayoutsTrainTest.runRanks(layout("single-u", 1, 1, 1, 4, 0, "", Map.of()));
        assertNotEquals(unscaled.losses().get(1), single.losses().get(1), "layer scaling multiplies the bias");
        ParallelLayoutsTrainTest.assertSameLosses(single,
                ParallelLayoutsTrainTest.runRanks(layout("pp2mp2-s", 4, 2, 2, 4, 0, scaled, Map.of())), "pp=2 x mp=2");
    }

    /** Greedy generation from a saved rpe model: each token is the argmax of the full forward's last logits. */
    @Test
    void generatesFromItsCheckpointLikeTheFullForward() throws IOException {
        InferenceFixture fx = new InferenceFixture(dir, Map.of("pos_emb", "rpe", "rpe_num_buckets", "8",
                "rpe_max_distance", "24"));
        try (CpuKernels k = new CpuKernels(2)) {
            NeoXArgs args = fx.args(Map.of());
            GPTNeoXModel model = InferenceModels.load(args, k).model();
            try (Tokenizer tok = InferenceModels.tokenizer(args)) {
                int[] prompt = tok.encode("Once upon ");
                int[] gen = new TextGenerator(new InferenceSession(model, k), tok, new TokenSampler(0, 0, 0, 1), 20,
                        false, Clock.SYSTEM).generateTokens(prompt);
                int v = model.spec().paddedVocabSize();
                int[] seq = Arrays.copyOf(prompt, prompt.length + gen.length);
                System.arraycopy(gen, 0, seq, prompt.length, gen.length);
                for (int g = 0; g < gen.length; g++) {
                    int n = prompt.length + g;
                    float[] logits = new float[n * v];
                    model.logits(Arrays.copyOf(seq, n), 1, n, logits);
                    int best = 0;
                    for (int j = 1; j < v; j++) {
                        best = logits[(n - 1) * v + j] > logits[(n - 1) * v + best] ? j : best;
                    }
                    assertEquals(best, gen[g], "generated token " + g);
                }
            }
        }
    }

    @Test
    void checkpointOf3dLayoutResumesHereAndAtOneRank() throws Exception {
        String save = "'" + dir.resolve("ckpt") + "'";
        Map<String, String> first = Map.of("save", save, "checkpoint_factor", "6", "train_iters", "9", "exit_interval", "6");
        ParallelLayoutsTrainTest.runRanks(layout("save3d", 8, 2, 2, 2, 1, "", first));
        assertTrue(Files.isRegularFile(dir.resolve("ckpt/global_step6/manifest.json")));
        // the stages' tied copies got the same summed gradients: bitwise equal after 6 Adam steps
        LoadedCheckpoint ckpt = new CheckpointStore(dir.resolve("ckpt"), 0).openLatest().orElseThrow();
        for (int mp = 0; mp < 2; mp++) {
            try (SafetensorsFile s0 = ckpt.openModelShard(0, mp); SafetensorsFile s1 = ckpt.openModelShard(1, mp)) {
                float[] a = s0.readTensor("sequential.2.attention.rpe.weight").toArray();
                assertEquals(8 * 2, a.length, "[buckets, heads / mp]");
                assertArrayEquals(a, s1.readTensor("sequential.2.attention.rpe.weight").toArray(), "tensor rank " + mp);
            }
        }
        Map<String, String> resume = Map.of("load", save, "train_iters", "9");
        TrainResult whole = ParallelLayoutsTrainTest.runRanks(layout("whole3d", 8, 2, 2, 2, 1, "",
                Map.of("train_iters", "9")));
        TrainResult same = ParallelLayoutsTrainTest.runRanks(layout("resume3d", 8, 2, 2, 2, 1, "", resume));
        assertEquals(6, same.startIteration());
        assertEquals(whole.losses().subList(6, 9), same.losses(), "2x2x2 resume vs uninterrupted");
        TrainResult rest = new TrainResult(6, 9, whole.losses().subList(6, 9), same.evals());
        TrainResult single = ParallelLayoutsTrainTest.runRanks(layout("resume111", 1, 1, 1, 4, 0, "", resume));
        assertEquals(6, single.startIteration());
        ParallelLayoutsTrainTest.assertSameLosses(rest, single, "resumed at 1x1x1");
    }
}
