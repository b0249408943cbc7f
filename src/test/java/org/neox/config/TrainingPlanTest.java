package org.neox.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;

class TrainingPlanTest {
    @TempDir
    Path dir;

    private static double[] typeWeights(int layers) {
        double[] w = new double[layers + 5];
        for (int i = 1; i <= layers + 2; i++) {
            w[i] = 1;
        }
        return w;
    }

    @Test
    void deepSpeedBalancedPartitionSpecExamples() {
        assertArrayEquals(new int[] {0, 13, 25, 37, 49}, PipelinePartition.balanced(typeWeights(44), 4));
        assertArrayEquals(new int[] {0, 8, 17}, PipelinePartition.balanced(typeWeights(12), 2));
        assertArrayEquals(new int[] {0, 1, 2, 2}, PipelinePartition.uniform(2, 3));
        assertArrayEquals(new int[] {0, 3, 6, 10}, PipelinePartition.uniform(10, 3));
    }

    /** The published GPT-NeoX-20B count, from our configs/20B.yml and the shared 20B tokenizer. */
    @Test
    void twentyBillionParameters() {
        Path tokenizer = SharedAssets.require("tokenizer/20B_tokenizer.json");
        assertEquals(50277, VocabSize.hfTokenizerSize(tokenizer));
        NeoXArgs a = new ConfigLoader(List.of(Path.of(""))).load(new ConfigLoader.Request(
                Path.of("configs"), List.of("20B"), ResourceOptions.NONE, OptionalInt.empty(),
                Map.of("vocab_file", tokenizer.toString())));
        assertEquals(50432, a.tokenizer().paddedVocabSize());
        TrainingPlan p = TrainingPlan.of(a, 50432);
        assertEquals(20_554_567_680L, p.specs().total());
        assertEquals(List.of(0, 13, 25, 37, 49), p.boundaries());
        assertEquals(List.of(11, 12, 12, 9),
                p.stages().stream().map(TrainingPlan.Stage::transformerLayers).toList());
        long perLayer = 12L * 6144 * 6144 + 13L * 6144;
        assertEquals(50432L * 6144 + 11 * perLayer, p.stages().get(0).params());
        // per tensor rank: vocab and the 12h² matrices are halved, norms and two biases are not
        long perLayerRank = 6L * 6144 * 6144 + 19L * 6144 / 2;
        assertEquals(25216L * 6144 + 11 * perLayerRank, p.stages().get(0).paramsPerRank());
        assertEquals(128L * 2048, p.tokensPerIteration());
        double flops = 128.0 * 2048 * (6.0 * 20_554_567_680L + 60.0 * 2048 * 6144 * 44);
        assertEquals(flops, p.flopsPerIteration(), flops * 1e-12);
        assertTrue(PlanText.render(a, p).contains("20,554,567,680"));
    }

    @Test
    void memoryOfASmallFp32Model() {
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\n");
        TrainingPlan p = TrainingPlan.of(a, 512);
        long perLayer = 12L * 64 * 64 + 13 * 64;
        long total = 512L * 64 + 64L * 64 + 2 * perLayer + 2 * 64; // tied; learned positions
        assertEquals(total, p.specs().total());
        TrainingPlan.Stage s = p.stages().get(0);
        assertEquals(4 * total, s.weightBytes());
        assertEquals(8 * total, s.optimizerBytes());
        double act = 64.0 * 2 * 64 * (10 + 24 + 5 * 4 * 64 / 64.0) * 2;
        assertEquals((long) (2 * act + 4.0 * 64 * 2 * 512), s.activationBytes());
        assertEquals((long) (2 * 4.0 * 64 * 2 * 64 + act + 4.0 * 64 * 2 * 512), s.checkpointedActivationBytes());
    }

    @Test
    void planListsTheLayersOfEachAttentionType() {
        NeoXArgs dense = Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\n");
        assertTrue(!PlanText.render(dense, TrainingPlan.of(dense, 512)).contains("Attention layers"));
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\nattention_config: [[[local, flash], all]]\n"
                + "sparsity_config: {block: 16, num_local_blocks: 2}\n");
        assertTrue(PlanText.render(a, TrainingPlan.of(a, 512)).contains(
                "Attention layers: local [0], flash [1]; sparsity_config {block=16, num_local_blocks=2}"));
    }

    @Test
    void rpeBuffersAndSparseMasksCountOnTop() {
        NeoXArgs dense = Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\n");
        NeoXArgs a = Yamls.model(dir, "train_micro_batch_size_per_gpu: 2\npos_emb: rpe\n"
                + "attention_config: [[[local, global], all]]\nsparsity_config: {block: 16}\n");
        TrainingPlan.Stage d = TrainingPlan.of(dense, 512).stages().get(0);
        TrainingPlan.Stage s = TrainingPlan.of(a, 512).stages().get(0);
        long ss = 64L * 64;
        long extra = 4 * ss * (2 * 4 + 1) + 4 * ss; // bias + gradient over 4 heads, index; one local layer's mask
        assertEquals(d.activationBytes() + extra, s.activationBytes());
        assertEquals(d.checkpointedActivationBytes() + extra, s.checkpointedActivationBytes());
    }
}
