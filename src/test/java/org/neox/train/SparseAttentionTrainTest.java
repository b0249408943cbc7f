package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.neox.train.ParallelLayoutsTrainTest.assertSameLosses;
import static org.neox.train.ParallelLayoutsTrainTest.layoutConfig;
import static org.neox.train.ParallelLayoutsTrainTest.runRanks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;
import org.neox.config.ConfigLoader;
import org.neox.config.NeoXArgs;
import org.neox.config.ResourceOptions;
import org.neox.model.AttentionKind;
import org.neox.model.ModelSpec;
import org.neox.util.UserError;

/**
 * Sparse attention layers in the trainer: a local / sparse_fixed / bigbird model (4 blocks of 8
 * per sequence, a layout per head: three global patterns, random bigbird blocks) gives the single-rank losses in tensor, pipeline and 3D
 * ZeRO-1 layouts (within 1e-4 relative) and differs from the dense model; GPT-NeoX's own
 * sparse.yml resolves to alternating local/global layers; bad settings are one config error line.
 */
class SparseAttentionTrainTest {
    private static final String SPARSE = """
            "attention_config": [[["local", "sparse_fixed", "bigbird"], "all"]],
            "sparsity_config": {"block": 8, "num_local_blocks": 3, "num_random_blocks": 1,
                                "different_layout_per_head": true, "num_different_global_patterns": 3},
            """;

    @TempDir
    Path dir;

    private NeoXArgs config(String name, int world, int pp, int mp, int gas, int zero, String extra) throws IOException {
        return layoutConfig(dir, name, 3, world, pp, mp, gas, zero, extra, Map.of());
    }

    @Test
    void sparseLayersGiveTheSingleRankLossesInEveryLayout() throws Exception {
        TrainResult single = runRanks(config("single", 1, 1, 1, 4, 0, SPARSE));
        TrainResult dense = runRanks(config("dense", 1, 1, 1, 4, 0, ""));
        assertNotEquals(dense.losses().get(1), single.losses().get(1), "the layouts must change the model");
        assertTrue(single.losses().get(single.losses().size() - 1) < single.losses().get(0), single.losses().toString());
        assertSameLosses(single, runRanks(config("mp2", 2, 1, 2, 4, 0, SPARSE)), "mp=2");
        assertSameLosses(single, runRanks(config("pp2", 2, 2, 1, 4, 0, SPARSE)), "pp=2");
        assertSameLosses(single, runRanks(config("pp2mp2dp2", 8, 2, 2, 2, 1, SPARSE)), "pp=2 x mp=2 x dp=2 ZeRO-1");
    }

    @Test
    void gptNeoXSparseConfigAlternatesLocalAndGlobalLayers() {
        Path refs = SharedAssets.require("reference/configs");
        NeoXArgs a = new ConfigLoader(List.of(refs)).load(new ConfigLoader.Request(refs, List.of("125M.yml", "sparse.yml"),
                ResourceOptions.NONE, OptionalInt.of(50257), Map.of("global_num_gpus", "1")));
        ModelSpec spec = ModelSpecs.from(a);
        assertEquals(12, spec.attentionConfig().size());
        for (int i = 0; i < 12; i++) {
            assertEquals(i % 2 == 0 ? AttentionKind.LOCAL : AttentionKind.GLOBAL, spec.attentionConfig().get(i));
        }
        assertEquals(16, spec.sparsityConfig().block());
        assertEquals(32, spec.sparsityConfig().numLocalBlocks());
    }

    @Test
    void badSparseSettingsAreOneConfigErrorLine() throws IOException {
        assertConfigError("sparsity_config: unknown key 'num_local_block'",
                "\"attention_config\": [[[\"local\"], \"all\"]], \"sparsity_config\": {\"num_local_block\": 2},");
        assertConfigError("sparsity_config.block 5 must be positive and divide seq_length 32",
                "\"attention_config\": [[[\"local\"], \"all\"]], \"sparsity_config\": {\"block\": 5},");
        assertConfigError("sparsity_config.num_random_blocks: expected an integer, got two",
                "\"attention_config\": [[[\"bigbird\"], \"all\"]], \"sparsity_config\": {\"num_random_blocks\": \"two\"},");
        assertConfigError("attention_config: attention type 'gmlp' is not implemented by neox",
                "\"attention_config\": [[[\"gmlp\"], \"all\"]],");
    }

    private void assertConfigError(String start, String extra) throws IOException {
        NeoXArgs args = config("bad", 1, 1, 1, 1, 0, extra);
        UserError e = assertThrows(UserError.class, () -> ModelSpecs.from(args));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
