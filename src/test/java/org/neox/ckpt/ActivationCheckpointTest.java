package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neox.util.UserError;

/**
 * Checkpoint shapes and HF export for the MLP activations besides gelu: geglu's dense_h_to_4h
 * is {@code [int(8h/3)·2, h]}, its tensor shards are {@code [x_j | gate_j]} (merged to the
 * single-rank {@code [x | gate]} and sliced back), and HF export maps relu/swish/mish and refuses
 * geglu and softsign naming the key.
 */
class ActivationCheckpointTest {
    private static ObjectNode config(String activation) {
        return TinyCheckpoints.config(1, 12, 16, false, true).put("activation", activation);
    }

    @Test
    void gegluShapesFollowGptNeox() {
        Map<String, long[]> shapes = NeoxModelConfig.fromResolved(config("geglu"), "t").fullShapes();
        assertArrayEquals(new long[] {64, 12}, shapes.get("sequential.2.mlp.dense_h_to_4h.weight"));
        assertArrayEquals(new long[] {64}, shapes.get("sequential.2.mlp.dense_h_to_4h.bias"));
        assertArrayEquals(new long[] {12, 32}, shapes.get("sequential.2.mlp.dense_4h_to_h.weight"));
        assertArrayEquals(new long[] {48, 12},
                NeoxModelConfig.fromResolved(config("relu"), "t").fullShapes().get("sequential.2.mlp.dense_h_to_4h.weight"));
    }

    @Test
    void gegluShardsHoldTheirBlockOfBothHalves() {
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(config("geglu"), "t");
        float[] d = new float[8];
        for (int i = 0; i < d.length; i++) {
            d[i] = i; // x = 0..3, gate = 4..7
        }
        NamedTensor full = NamedTensor.of("sequential.2.mlp.dense_h_to_4h.bias", new long[] {8}, d);
        NamedTensor r0 = ShardMerger.slice(full, 0, 2, cfg);
        NamedTensor r1 = ShardMerger.slice(full, 1, 2, cfg);
        assertArrayEquals(new float[] {0, 1, 4, 5}, r0.toArray());
        assertArrayEquals(new float[] {2, 3, 6, 7}, r1.toArray());
        NamedTensor merged = ShardMerger.combine(full.name(), List.of(r0, r1), ShardMerger.Rule.GATED0);
        assertArrayEquals(d, merged.toArray());
        NamedTensor odd = NamedTensor.of(full.name(), new long[] {6}, new float[6]); // halves of 3
        UserError e = assertThrows(UserError.class, () -> ShardMerger.slice(odd, 0, 2, cfg));
        assertTrue(e.getMessage().contains("[x | gate]"), e.getMessage());
    }

    @Test
    void hfExportMapsOrRefusesEachActivation() {
        Map<String, String> hf = Map.of("gelu", "gelu", "relu", "relu", "swish", "silu", "mish", "mish");
        hf.forEach((neox, name) -> assertEquals(name, HfConfig.toHf(NeoxModelConfig.fromResolved(config(neox), "t"),
                0, DType.F32).get("hidden_act").asText(), neox));
        for (String refused : List.of("geglu", "softsign")) {
            UserError e = assertThrows(UserError.class,
                    () -> HfConfig.toHf(NeoxModelConfig.fromResolved(config(refused), "t"), 0, DType.F32));
            assertEquals(1, e.getMessage().lines().count());
            assertTrue(e.getMessage().contains("activation is " + refused), e.getMessage());
        }
        assertEquals(48, HfConfig.toHf(NeoxModelConfig.fromResolved(config("relu"), "t"), 0, DType.F32)
                .get("intermediate_size").asInt());
    }
}
