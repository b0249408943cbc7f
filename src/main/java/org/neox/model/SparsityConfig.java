package org.neox.model;

import java.util.List;

/**
 * The {@code sparsity_config} keys GPT-NeoX v2.0's {@code configure_sparse_attention} reads for the
 * sparse layer types; {@code null} means unset, so that each type applies its own default
 * ({@link SparseLayouts}). GPT-NeoX fixes {@code attention: unidirectional} and
 * {@code horizontal_global_attention: false} itself.
 *
 * @param block block size (default 16); seq_length must be a multiple
 * @param differentLayoutPerHead different_layout_per_head (default false; the local type ignores it)
 * @param numLocalBlocks num_local_blocks (sparse_fixed 4; local: falls back to num_sliding_window_blocks)
 * @param numSlidingWindowBlocks num_sliding_window_blocks (local 4 via num_local_blocks, bigbird and bslongformer 3)
 * @param numGlobalBlocks num_global_blocks (sparse_fixed and bigbird 1)
 * @param numDifferentGlobalPatterns num_different_global_patterns (sparse_fixed 1)
 * @param numRandomBlocks num_random_blocks (sparse_variable 0, bigbird 1)
 * @param localWindowBlocks local_window_blocks (sparse_variable [4])
 * @param globalBlockIndices global_block_indices (sparse_variable and bslongformer [0])
 * @param globalBlockEndIndices global_block_end_indices (default none)
 */
public record SparsityConfig(Integer block, Boolean differentLayoutPerHead, Integer numLocalBlocks,
                             Integer numSlidingWindowBlocks, Integer numGlobalBlocks,
                             Integer numDifferentGlobalPatterns, Integer numRandomBlocks,
                             List<Integer> localWindowBlocks, List<Integer> globalBlockIndices,
                             List<Integer> globalBlockEndIndices) {
    /** Nothing set: every type's defaults. */
    public static final SparsityConfig DEFAULTS =
            new SparsityConfig(null, null, null, null, null, null, null, null, null, null);

    int blockSize() {
        return block != null ? block : 16;
    }

    boolean perHead() {
        return differentLayoutPerHead != null && differentLayoutPerHead;
    }

    static int or(Integer v, int dflt) {
        return v != null ? v : dflt;
    }

    static List<Integer> or(List<Integer> v, List<Integer> dflt) {
        return v != null ? v : dflt;
    }
}
