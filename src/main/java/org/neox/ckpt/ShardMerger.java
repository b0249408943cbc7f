package org.neox.ckpt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;

/**
 * Merges a checkpoint's (pipe, tensor) model shards into full tensors with GPT-NeoX's
 * sequential names. Pipeline stages hold disjoint layers and are united by name (a name held
 * by two stages, like a tied embedding, is taken from the lower stage). Tensor-parallel
 * shards follow spec §6.2/§9.1:
 * <ul>
 *   <li>vocab-parallel embedding, column-parallel QKV / h-to-4h weights and biases, column
 *       output layer: concatenated along dim 0;</li>
 *   <li>geglu's h-to-4h weight and bias: GPT-NeoX chunks each rank's LOCAL output into
 *       {@code [x | gate]}, so the shards' x halves are concatenated, then their gate halves
 *       (the full tensor is the single-rank {@code [x | gate]}, which computes the same model;
 *       GPT-NeoX's own merge scripts concatenate whole shards instead);</li>
 *   <li>row-parallel weights ({@code attention.dense}, {@code dense_4h_to_h}, row output
 *       layer) and the relative position bias {@code attention.rpe.weight [buckets, heads]}
 *       (split by heads): concatenated along dim 1;</li>
 *   <li>norms and learned position embeddings (replicated): averaged, which is exact when the
 *       copies agree;</li>
 *   <li>row-parallel biases ({@code attention.dense.bias}, {@code dense_4h_to_h.bias}):
 *       replicated copies added once after the all-reduce in a sequential-residual model, so
 *       ONE copy is taken (shard 0; the fix of GPT-NeoX #1072); in a parallel-residual model
 *       every rank adds its own copy before the all-reduce (spec §5.5), so the effective bias
 *       is their SUM. neox's model must keep those semantics for mp > 1.</li>
 * </ul>
 */
final class ShardMerger {
    enum Rule { CONCAT0, GATED0, CONCAT1, MEAN, FIRST, SUM }

    private ShardMerger() {
    }

    /** Full tensors of the model in {@code cfg}'s order, checked against {@code cfg.fullShapes()}. */
    static Map<String, NamedTensor> merge(LoadedCheckpoint ckpt, NeoxModelConfig cfg) {
        Topology t = ckpt.topology();
        Map<String, List<NamedTensor>> byName = new LinkedHashMap<>();
        for (int pipe = 0; pipe < t.pp(); pipe++) {
            Map<String, List<NamedTensor>> stage = new LinkedHashMap<>();
            for (int model = 0; model < t.mp(); model++) {
                try (SafetensorsFile f = ckpt.openModelShard(pipe, model)) {
                    for (String name : f.names()) {
                        stage.computeIfAbsent(name, k -> new ArrayList<>()).add(f.readTensor(name));
                    }
                }
            }
            stage.forEach(byName::putIfAbsent);
        }
        Map<String, long[]> expected = cfg.fullShapes();
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            List<NamedTensor> shards = byName.remove(e.getKey());
            if (shards == null) {
                throw new UserError("checkpoint " + ckpt.directory() + " has no tensor " + e.getKey()
                        + " " + Arrays.toString(e.getValue()) + " that its config describes");
            }
            if (shards.size() != t.mp()) {
                throw new UserError("checkpoint " + ckpt.directory() + ": tensor " + e.getKey() + " is in "
                        + shards.size() + " tensor-parallel shards, expected " + t.mp());
            }
            NamedTensor full = combine(e.getKey(), shards, rule(e.getKey(), cfg));
            if (!Arrays.equals(full.shape(), e.getValue())) {
                throw new UserError("tensor " + e.getKey() + " in checkpoint " + ckpt.directory() + " merges to shape "
                        + Arrays.toString(full.shape()) + " but the config expects " + Arrays.toString(e.getValue()));
            }
            out.put(e.getKey(), full);
        }
        if (!byName.isEmpty()) {
            throw new UserError("checkpoint " + ckpt.directory() + " holds tensors its config does not describe: "
                    + byName.keySet());
        }
        return out;
    }

    private static Rule rule(String name, NeoxModelConfig cfg) {
        if (cfg.geglu() && (name.endsWith("dense_h_to_4h.weight") || name.endsWith("dense_h_to_4h.bias"))) {
            return Rule.GATED0;
        }
        if (name.endsWith("word_embeddings.weight") || name.endsWith("query_key_value.weight")
                || name.endsWith("query_key_value.bias") || name.endsWith("dense_h_to_4h.weight")
                || name.endsWith("dense_h_to_4h.bias")) {
            return Rule.CONCAT0;
        }
        if (name.endsWith("attention.dense.weight") || name.endsWith("dense_4h_to_h.weight")
                || name.endsWith("attention.rpe.weight")) {
            return Rule.CONCAT1;
        }
        if (name.endsWith("attention.dense.bias") || name.endsWith("dense_4h_to_h.bias")) {
            return cfg.gptJResidual() ? Rule.SUM : Rule.FIRST;
        }
        if (name.endsWith("final_linear.weight")) {
            // neox's untied output is always column-parallel (vocab slices, like the vocab-parallel
            // loss), whatever output_layer_parallelism says: GPT-NeoX's "row" default gives a wrong
            // loss with model_parallel_size > 1 (spec 5.6), so neox never writes row shards
            return Rule.CONCAT0;
        }
        return Rule.MEAN; // norms, position embeddings: replicated
    }

    static NamedTensor combine(String name, List<NamedTensor> shards, Rule rule) {
        if (shards.size() == 1) {
            return shards.get(0);
        }
        return switch (rule) {
            case CONCAT0 -> concat(name, shards, 0);
            case GATED0 -> gate(concat(name, shards, 0), shards.size(), true);
            case CONCAT1 -> concat(name, shards, 1);
            case FIRST -> shards.get(0);
            case MEAN, SUM -> reduce(name, shards, rule == Rule.MEAN);
        };
    }

    private static NamedTensor reduce(String name, List<NamedTensor> shards, boolean mean) {
        long[] shape = shards.get(0).shape();
        double[] acc = new double[shards.get(0).numel()];
        for (NamedTensor s : shards) {
            requireShape(name, s, shape);
            float[] d = s.data();
            for (int i = 0; i < acc.length; i++) {
                acc[i] += d[s.offset() + i];
            }
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            out[i] = (float) (mean ? acc[i] / shards.size() : acc[i]);
        }
        return NamedTensor.of(name, shape, out);
    }

    /** Concatenates 1-D or 2-D shards along {@code dim} (dim 1 needs 2-D row-major shards). */
    private static NamedTensor concat(String name, List<NamedTensor> shards, int dim) {
        long[] first = shards.get(0).shape();
        if (first.length < dim + 1 || first.length > 2) {
            throw new UserError("tensor " + name + " has shape " + Arrays.toString(first)
                    + ", cannot concatenate shards along dim " + dim);
        }
        long rows = first[0];
        long total = 0;
        for (NamedTensor s : shards) {
            long[] sh = s.shape();
            if (sh.length != first.length || (dim == 1 ? sh[0] != rows : first.length == 2 && sh[1] != first[1])) {
                throw new UserError("tensor " + name + " has shards of shapes " + Arrays.toString(first) + " and "
                        + Arrays.toString(sh) + ", which do not concatenate along dim " + dim);
            }
            total += sh[dim];
        }
        long[] shape = first.clone();
        shape[dim] = total;
        float[] out = new float[Math.toIntExact(NamedTensor.numel(shape))];
        if (dim == 0) {
            int at = 0;
            for (NamedTensor s : shards) {
                System.arraycopy(s.data(), s.offset(), out, at, s.numel());
                at += s.numel();
            }
        } else {
            int col = 0;
            for (NamedTensor s : shards) {
                int w = (int) s.shape()[1];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(s.data(), s.offset() + r * w, out, (int) (r * total + col), w);
                }
                col += w;
            }
        }
        return NamedTensor.of(name, shape, out);
    }

    /**
     * The slice of {@code full} that tensor-parallel rank {@code rank} of {@code mp} holds: the
     * inverse of {@link #combine}. Replicated tensors are copied; a parallel-residual row bias is
     * split as {@code full / mp} per rank so that the ranks' sum is the full bias again.
     */
    static NamedTensor slice(NamedTensor full, int rank, int mp, NeoxModelConfig cfg) {
        return slice(full, rank, mp, rule(full.name(), cfg));
    }

    /**
     * The rule for an optimizer moment of {@code name}: that of the parameter, except that the
     * per-rank copies of a parallel-residual row bias see the same gradient and so hold the
     * same moments (MEAN, copied on slicing) rather than adding up.
     */
    static Rule momentRule(String name, NeoxModelConfig cfg) {
        Rule r = rule(name, cfg);
        return r == Rule.SUM ? Rule.MEAN : r;
    }

    static NamedTensor slice(NamedTensor full, int rank, int mp, Rule r) {
        if (mp == 1) {
            return full;
        }
        long[] s = full.shape();
        float[] d = full.toArray();
        int dim = r == Rule.CONCAT0 || r == Rule.GATED0 ? 0 : r == Rule.CONCAT1 ? 1 : -1;
        if (dim >= 0 && (s.length <= dim || s[dim] % mp != 0)) {
            throw new UserError("tensor " + full.name() + " " + Arrays.toString(s) + " cannot be split "
                    + mp + " ways along dim " + dim);
        }
        if (r == Rule.GATED0 && s[0] % (2L * mp) != 0) {
            throw new UserError("geglu tensor " + full.name() + " " + Arrays.toString(s) + " cannot be split "
                    + mp + " ways into [x | gate] halves");
        }
        if (r == Rule.CONCAT0 || r == Rule.GATED0) {
            if (r == Rule.GATED0) {
                d = gate(full, mp, false).toArray();
            }
            int n = d.length / mp;
            long[] shape = s.clone();
            shape[0] /= mp;
            return NamedTensor.of(full.name(), shape, Arrays.copyOfRange(d, rank * n, (rank + 1) * n));
        }
        if (r == Rule.CONCAT1) {
            int rows = (int) s[0];
            int cols = (int) (s[1] / mp);
            float[] out = new float[rows * cols];
            for (int row = 0; row < rows; row++) {
                System.arraycopy(d, (int) (row * s[1]) + rank * cols, out, row * cols, cols);
            }
            return NamedTensor.of(full.name(), new long[] {rows, cols}, out);
        }
        if (r == Rule.SUM) {
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] / mp;
            }
        }
        return NamedTensor.of(full.name(), s, d);
    }

    /**
     * Reorders the rows of a dim-0 tensor between rank order {@code [x_0 | g_0 | x_1 | g_1 ...]}
     * (merged shards) and half order {@code [x_0 | x_1 ... | g_0 | g_1 ...]} ({@code toHalves}),
     * or back; {@code p} blocks per half.
     */
    private static NamedTensor gate(NamedTensor t, int p, boolean toHalves) {
        float[] d = t.toArray();
        float[] out = new float[d.length];
        int block = d.length / (2 * p);
        for (int r = 0; r < p; r++) {
            for (int half = 0; half < 2; half++) {
                int rankOrder = (2 * r + half) * block;
                int halfOrder = (half * p + r) * block;
                System.arraycopy(d, toHalves ? rankOrder : halfOrder, out, toHalves ? halfOrder : rankOrder, block);
            }
        }
        return NamedTensor.of(t.name(), t.shape(), out);
    }

    private static void requireShape(String name, NamedTensor s, long[] shape) {
        if (!Arrays.equals(s.shape(), shape)) {
            throw new UserError("tensor " + name + " has replicated shards of shapes " + Arrays.toString(shape)
                    + " and " + Arrays.toString(s.shape()));
        }
    }
}
