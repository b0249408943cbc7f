package org.neox.model;

/**
 * How each GPT-NeoX parameter is laid out over the tensor-parallel ranks (spec §6.2); the same
 * rules as the checkpoint merger ({@code ckpt.ShardMerger}), seen from the model side so that a
 * rank can cut its shard out of a full tensor (initialisation from the single-rank weights) and
 * tests can reassemble full tensors from shards.
 */
final class TensorShards {
    enum Layout {
        /** split along dim 0: vocab-parallel tables, column-parallel weights and biases */
        ROWS,
        /**
         * geglu's {@code dense_h_to_4h} (spec §5.4): GPT-NeoX chunks each rank's LOCAL output into
         * {@code [x | gate]}, so rank j holds block j of the full tensor's x half followed by block
         * j of its gate half (the full tensor being the single-rank layout {@code [x | gate]}).
         */
        GATED_ROWS,
        /** split along dim 1: row-parallel weights, the relative position bias (by heads) */
        COLUMNS,
        /** the same full tensor on every rank: norms, position table, sequential row biases */
        REPLICATED,
        /** every rank adds its own copy before the all-reduce: parallel-residual row biases (full / p each) */
        SUMMED
    }

    private TensorShards() {
    }

    static Layout layout(String name, boolean parallelResidual, boolean geglu) {
        if (geglu && name.contains(".dense_h_to_4h.")) {
            return Layout.GATED_ROWS;
        }
        if (name.endsWith("word_embeddings.weight") || name.endsWith("final_linear.weight")
                || name.contains(".query_key_value.") || name.contains(".dense_h_to_4h.")) {
            return Layout.ROWS;
        }
        if (name.endsWith("attention.dense.weight") || name.endsWith("dense_4h_to_h.weight")
                || name.endsWith("attention.rpe.weight")) {
            return Layout.COLUMNS;
        }
        if (name.endsWith("attention.dense.bias") || name.endsWith("dense_4h_to_h.bias")) {
            return parallelResidual ? Layout.SUMMED : Layout.REPLICATED;
        }
        return Layout.REPLICATED;
    }

    /** The full shape of a tensor whose rank-local shard has {@code local} (1-D or 2-D). */
    static int[] fullShape(int[] local, Layout l, int p) {
        int[] s = local.clone();
        if (l == Layout.ROWS || l == Layout.GATED_ROWS) {
            s[0] *= p;
        } else if (l == Layout.COLUMNS) {
            s[1] *= p;
        }
        return s;
    }

    /**
     * Copies rank {@code rank}'s shard of {@code full} (row-major, shape {@code fullShape}) to
     * {@code dst[dstOff ..]}; a summed tensor contributes {@code full / p}.
     */
    static void slice(float[] full, int[] fullShape, Layout l, int rank, int p, float[] dst, int dstOff) {
        switch (l) {
            case ROWS -> {
                int n = full.length / p;
                System.arraycopy(full, rank * n, dst, dstOff, n);
            }
            case GATED_ROWS -> {
                int n = full.length / p / 2;
                System.arraycopy(full, rank * n, dst, dstOff, n);
                System.arraycopy(full, full.length / 2 + rank * n, dst, dstOff + n, n);
            }
            case COLUMNS -> {
                int rows = fullShape[0];
                int cols = fullShape[1] / p;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(full, r * fullShape[1] + rank * cols, dst, dstOff + r * cols, cols);
                }
            }
            case REPLICATED -> System.arraycopy(full, 0, dst, dstOff, full.length);
            case SUMMED -> {
                for (int i = 0; i < full.length; i++) {
                    dst[dstOff + i] = full[i] / p;
                }
            }
        }
    }
}
