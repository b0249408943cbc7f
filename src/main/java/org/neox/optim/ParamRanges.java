package org.neox.optim;

/**
 * Builds a {@link ParamRange} from a GPT-NeoX sequential parameter name (spec §5.1): the decay
 * flag from {@link WeightDecayGroups}, and whether Megatron marks the tensor as split across
 * tensor-parallel ranks ({@code model_parallel} attribute): vocab-parallel embeddings,
 * column-parallel weights and biases, row-parallel weights, the relative position bias
 * ({@code attention.rpe.weight [buckets, heads/p]}, split by heads). Row-parallel biases
 * ({@code attention.dense.bias}, {@code mlp.dense_4h_to_h.bias}), norms and learned position
 * embeddings are replicated.
 */
public final class ParamRanges {
    private ParamRanges() {
    }

    public static ParamRange of(String name, int offset, int length) {
        return new ParamRange(offset, length, WeightDecayGroups.decays(name), splitAcrossTensorRanks(name));
    }

    static boolean splitAcrossTensorRanks(String name) {
        if (name.endsWith("word_embeddings.weight") || name.endsWith("final_linear.weight")) {
            return true;
        }
        if (name.contains(".query_key_value.") || name.contains(".dense_h_to_4h.")) {
            return true;
        }
        return name.endsWith("attention.dense.weight") || name.endsWith("dense_4h_to_h.weight")
                || name.endsWith("attention.rpe.weight");
    }
}
