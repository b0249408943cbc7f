package org.neox.model;

import java.util.Arrays;

/**
 * A block-sparse attention layout as DeepSpeed's sparsity configs make it: {@code keep[h][i][j]}
 * says whether query block i of head h attends to key block j ({@code block} positions each).
 * All heads share {@code keep[0]} unless the layout differs per head. The causal mask applies on
 * top: query i sees key j only if {@code j <= i} and the blocks are kept.
 */
final class BlockLayout {
    /**
     * What masked-out scores get before the softmax (the kernels apply their scale to it): far
     * below any score, so {@code exp} gives exactly 0 as DeepSpeed's kernels, which never
     * compute the missing blocks; finite, so that no kernel meets {@code inf − inf}.
     */
    static final float MASKED = -1e30f;

    final int block;
    /** [heads][numBlocks][numBlocks] */
    private final boolean[][][] keep;
    /** the last {@link #additiveMask} and its length, shared by the layers using this layout */
    private float[] mask;
    private int maskSeq = -1;

    BlockLayout(int block, boolean[][][] keep) {
        this.block = block;
        this.keep = keep;
    }

    /** Same block size and the same kept blocks for every head. */
    boolean sameAs(BlockLayout o) {
        return block == o.block && Arrays.deepEquals(keep, o.keep);
    }

    /** The layouts of heads {@code [from, from + count)} (one tensor rank's heads), as heads 0.. of a new layout. */
    BlockLayout heads(int from, int count) {
        return new BlockLayout(block, Arrays.copyOfRange(keep, from, from + count));
    }

    /**
     * The first key position any head keeps for query rows {@code [i0, i1)}: keys before it are
     * masked for all those rows, so their scores, probabilities and gradients need no work.
     */
    int firstKeptKey(int i0, int i1) {
        int first = Integer.MAX_VALUE;
        for (boolean[][] h : keep) {
            for (int r = i0 / block; r <= (i1 - 1) / block; r++) {
                for (int c = 0; c <= r && c * block < first; c++) {
                    if (h[r][c]) {
                        first = c * block;
                        break;
                    }
                }
            }
        }
        return first;
    }

    int numBlocks() {
        return keep[0].length;
    }

    int heads() {
        return keep.length;
    }

    boolean sameForAllHeads() {
        for (boolean[][] h : keep) {
            if (!Arrays.deepEquals(h, keep[0])) {
                return false;
            }
        }
        return true;
    }

    /** Whether query position i of head h may attend to key position j (blocks only; causality is separate). */
    boolean keeps(int h, int i, int j) {
        return keep[h][i / block][j / block];
    }

    /**
     * The additive score mask {@code [maskHeads, s, s]} for sequences of {@code s <= numBlocks·block}
     * positions (the layout's top-left corner, as DeepSpeed slices its master layout): 0 where
     * kept, {@link #MASKED} elsewhere. One matrix serves all heads when they share the layout.
     * The array is kept for the next call with the same {@code s}; callers only read it.
     */
    float[] additiveMask(int s) {
        if (s != maskSeq) {
            mask = buildMask(s);
            maskSeq = s;
        }
        return mask;
    }

    private float[] buildMask(int s) {
        if (s > numBlocks() * block) {
            throw new IllegalArgumentException("sequence of " + s + " exceeds the sparse layout's "
                    + numBlocks() * block + " positions");
        }
        int maskHeads = sameForAllHeads() ? 1 : heads();
        float[] m = new float[maskHeads * s * s];
        for (int h = 0; h < maskHeads; h++) {
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < s; j++) {
                    if (!keeps(h, i, j)) {
                        m[(h * s + i) * s + j] = MASKED;
                    }
                }
            }
        }
        return m;
    }
}
