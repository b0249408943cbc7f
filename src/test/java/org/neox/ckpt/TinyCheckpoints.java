package org.neox.ckpt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny random GPT-NeoX models in sequential names, split into (pipe, tensor) shards, for tests. */
public final class TinyCheckpoints {
    static final ObjectMapper JSON = new ObjectMapper();

    private TinyCheckpoints() {
    }

    /**
     * A resolved-config subset: L layers, hidden h, 2 heads, vocab v, rotary (pct 0.5);
     * output_layer_parallelism left at GPT-NeoX's "row" default (neox's output is column-parallel anyway).
     */
    static ObjectNode config(int layers, int h, int vocab, boolean parallelResidual, boolean untied) {
        ObjectNode c = JSON.createObjectNode();
        c.put("num_layers", layers).put("hidden_size", h).put("num_attention_heads", 2)
                .put("padded_vocab_size", vocab).put("max_position_embeddings", 16)
                .put("rotary_pct", 0.5).put("rotary_emb_base", 10000).put("layernorm_epsilon", 1e-5)
                .put("gpt_j_residual", parallelResidual).put("no_weight_tying", untied)
                .put("init_method_std", 0.02).put("activation", "gelu").put("pos_emb", "rotary")
                .put("norm", "layernorm")
                .put("tokenizer_type", "GPT2BPETokenizer");
        return c;
    }

    /** Random full tensors (norm weights near 1) in the model's order. */
    static Map<String, NamedTensor> randomFull(ObjectNode config, long seed) {
        NeoxModelConfig cfg = NeoxModelConfig.fromResolved(config, "test");
        Random rnd = new Random(seed);
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        cfg.fullShapes().forEach((name, shape) -> {
            float[] d = new float[(int) NamedTensor.numel(shape)];
            boolean normWeight = name.endsWith("norm.weight");
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((normWeight ? 1 : 0) + 0.2 * rnd.nextGaussian());
            }
            out.put(name, NamedTensor.of(name, shape, d));
        });
        return out;
    }

    /**
     * The shard of tensor-parallel rank {@code j} of {@code p}: the inverse of ShardMerger, with
     * row-parallel biases of a parallel-residual model split as {@code full/p} so they sum back.
     */
    public static NamedTensor shard(NamedTensor full, int j, int p, boolean parallelResidual) {
        String n = full.name();
        long[] s = full.shape();
        float[] d = full.toArray();
        if (n.endsWith("word_embeddings.weight") || n.contains("query_key_value") || n.contains("dense_h_to_4h")
                || n.endsWith("final_linear.weight")) {
            int rows = (int) (s[0] / p);
            int width = s.length == 2 ? (int) s[1] : 1;
            long[] shape = s.clone();
            shape[0] = rows;
            float[] out = new float[rows * width];
            System.arraycopy(d, j * rows * width, out, 0, out.length);
            return NamedTensor.of(n, shape, out);
        }
        if (n.endsWith("attention.dense.weight") || n.endsWith("dense_4h_to_h.weight")) {
            int rows = (int) s[0];
            int cols = (int) (s[1] / p);
            float[] out = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(d, (int) (r * s[1] + j * cols), out, r * cols, cols);
            }
            return NamedTensor.of(n, new long[] {rows, cols}, out);
        }
        if (parallelResidual && (n.endsWith("attention.dense.bias") || n.endsWith("dense_4h_to_h.bias"))) {
            float[] out = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                out[i] = d[i] / p;
            }
            return NamedTensor.of(n, s, out);
        }
        return NamedTensor.of(n, s, d);
    }

    /** Layer indices (sequential) owned by pipeline stage {@code stage} of 2: embedding + first half, rest. */
    static boolean onStage(String name, int stage, int layers) {
        int idx = Integer.parseInt(name.split("\\.")[1]);
        boolean first = idx < 2 + (layers + 1) / 2;
        return stage == 0 ? first : !first;
    }

    /** Saves {@code full} as iteration {@code iteration} with pp x mp shards and returns the store. */
    static CheckpointStore save(Path root, ObjectNode config, Map<String, NamedTensor> full, Topology t, long iteration) {
        CheckpointStore store = new CheckpointStore(root, 0);
        PendingCheckpoint p = store.begin(iteration, t);
        boolean par = config.get("gpt_j_residual").booleanValue();
        int layers = config.get("num_layers").intValue();
        for (int pipe = 0; pipe < t.pp(); pipe++) {
            for (int model = 0; model < t.mp(); model++) {
                List<NamedTensor> shard = new ArrayList<>();
                for (NamedTensor f : full.values()) {
                    if (t.pp() == 1 || onStage(f.name(), pipe, layers)) {
                        shard.add(shard(f, model, t.mp(), par));
                    }
                }
                p.writeModelShard(pipe, model, shard);
            }
        }
        p.commit(new CheckpointMeta(iteration, iteration * 8, t, config, null, null, null, null, null));
        return store;
    }
}
