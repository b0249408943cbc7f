package org.neox.model;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The block layouts of DeepSpeed's sparsity configs (ops/sparse_attention/sparsity_config.py) as
 * GPT-NeoX v2.0's {@code configure_sparse_attention} builds them: attention unidirectional, the
 * per-type defaults of that function, layouts made for seq_length. Invalid settings throw
 * {@link IllegalArgumentException} with the key and what was expected.
 *
 * <p>Layouts are made for all heads of the model and each tensor rank takes its heads' slice.
 * GPT-NeoX passes a rank's head count as {@code num_heads}, so with {@code different_layout_per_head}
 * its heads are numbered from 0 on every rank and the model changes with model_parallel_size;
 * here it does not (the same model for every tensor-parallel size, and checkpoints that move
 * between them keep their attention pattern).
 *
 * <p>Random blocks ({@code sparse_variable}, {@code bigbird}) are drawn uniformly without
 * replacement per block row like Python's {@code random.sample}, but from a generator seeded by
 * the run's seed and the layer index, so every rank and every parallel layout gets the same
 * layout (DeepSpeed draws from Python's global generator, whose state differs per pipeline stage).
 */
final class SparseLayouts {
    private SparseLayouts() {
    }

    static BlockLayout make(AttentionKind kind, SparsityConfig c, int heads, int seqLength, long seed, int layer) {
        int block = c.blockSize();
        if (block < 1 || seqLength % block != 0) {
            throw new IllegalArgumentException("sparsity_config.block " + block + " must be positive and divide seq_length "
                    + seqLength);
        }
        int nb = seqLength / block;
        boolean perHead = kind != AttentionKind.LOCAL && c.perHead();
        boolean[][][] keep = new boolean[heads][nb][nb];
        SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (layer + 1)));
        for (int h = 0; h < (perHead ? heads : 1); h++) {
            boolean[][] l = keep[h];
            switch (kind) {
                case LOCAL -> slidingWindow(l, SparsityConfig.or(c.numLocalBlocks(),
                        SparsityConfig.or(c.numSlidingWindowBlocks(), 4)), "num_local_blocks");
                case SPARSE_FIXED -> fixed(l, h, c);
                case SPARSE_VARIABLE -> variable(l, c, rnd);
                case BIGBIRD -> bigBird(l, c, rnd);
                case BSLONGFORMER -> longformer(l, c);
                default -> throw new IllegalArgumentException(kind.wire() + " attention has no block layout");
            }
        }
        for (int h = perHead ? heads : 1; h < heads; h++) {
            keep[h] = keep[0];
        }
        return new BlockLayout(block, keep);
    }

    /** Row r keeps blocks {@code [r − w/2, r]} (LocalSlidingWindow and BigBird, unidirectional). */
    private static void slidingWindow(boolean[][] l, int w, String key) {
        int nb = l.length;
        if (w < 1 || w > nb) {
            throw new IllegalArgumentException("sparsity_config." + key + " " + w + " must be between 1 and the "
                    + nb + " blocks of a sequence");
        }
        for (int r = 0; r < nb; r++) {
            fill(l, r, r + 1, Math.max(0, r - w / 2), r + 1);
        }
    }

    /** FixedSparsityConfig: local windows of num_local_blocks, the last num_global_blocks of each window global. */
    private static void fixed(boolean[][] l, int h, SparsityConfig c) {
        int nb = l.length;
        int local = SparsityConfig.or(c.numLocalBlocks(), 4);
        int global = SparsityConfig.or(c.numGlobalBlocks(), 1);
        int patterns = SparsityConfig.or(c.numDifferentGlobalPatterns(), 1);
        if (local < 1 || global < 0 || global > nb) {
            throw new IllegalArgumentException("sparsity_config.num_local_blocks " + local + " must be positive and"
                    + " num_global_blocks " + global + " between 0 and the " + nb + " blocks of a sequence");
        }
        if (global > 0 && local % global != 0) {
            throw new IllegalArgumentException("sparsity_config.num_local_blocks " + local
                    + " must be divisible by num_global_blocks " + global);
        }
        if (patterns > 1 && !c.perHead()) {
            throw new IllegalArgumentException("sparsity_config.num_different_global_patterns " + patterns
                    + " needs different_layout_per_head: true");
        }
        if (patterns < 1 || (global > 0 && patterns > local / global)) {
            throw new IllegalArgumentException("sparsity_config.num_different_global_patterns " + patterns
                    + " must be between 1 and num_local_blocks / num_global_blocks = " + (global > 0 ? local / global : 1));
        }
        for (int i = 0; i < nb; i += local) {
            int end = Math.min(i + local, nb);
            for (int r = i; r < end; r++) {
                fill(l, r, r + 1, i, r + 1);
            }
        }
        if (global == 0) {
            return;
        }
        int first = local - (1 + h % patterns) * global;
        int end = nb - nb % local;
        for (int i = first; i < end; i += local) {
            fill(l, i, nb, i, Math.min(nb, i + global));
        }
        if (end < nb) {
            int start = Math.min(end + first, nb - global);
            fill(l, start, nb, start, Math.min(nb, start + global));
        }
    }

    /** VariableSparsityConfig: random blocks, local windows of varying size, global columns. */
    private static void variable(boolean[][] l, SparsityConfig c, SplittableRandom rnd) {
        int nb = l.length;
        int random = SparsityConfig.or(c.numRandomBlocks(), 0);
        checkRandom(random, nb);
        for (int r = 0; r < nb; r++) {
            sample(l[r], nb, random, rnd);
        }
        List<Integer> windows = SparsityConfig.or(c.localWindowBlocks(), List.of(4));
        if (windows.isEmpty() || windows.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("sparsity_config.local_window_blocks " + windows
                    + " must be a non-empty list of positive block counts");
        }
        int start = 0;
        for (int w : windows) {
            int end = Math.min(start + w, nb);
            for (int r = start; r < end; r++) {
                fill(l, r, r + 1, start, r + 1);
            }
            start += w;
        }
        int last = windows.get(windows.size() - 1);
        for (int i = start; i < nb; i += last) {
            int end = Math.min(i + last, nb);
            for (int r = i; r < end; r++) {
                fill(l, r, r + 1, i, r + 1);
            }
        }
        globalColumns(l, c, false);
    }

    /** BigBirdSparsityConfig: random blocks at or below the diagonal, a sliding window, global first blocks. */
    private static void bigBird(boolean[][] l, SparsityConfig c, SplittableRandom rnd) {
        int nb = l.length;
        int random = SparsityConfig.or(c.numRandomBlocks(), 1);
        checkRandom(random, nb);
        if (random > 1) {
            // Python's random.sample(range(row + 1), k) raises for the first rows when k > row + 1
            throw new IllegalArgumentException("sparsity_config.num_random_blocks " + random
                    + " exceeds the 1 block the first block row of unidirectional bigbird can attend to; expected 0 or 1");
        }
        for (int r = 0; r < nb; r++) {
            sample(l[r], r + 1, random, rnd);
        }
        slidingWindow(l, SparsityConfig.or(c.numSlidingWindowBlocks(), 3), "num_sliding_window_blocks");
        int global = SparsityConfig.or(c.numGlobalBlocks(), 1);
        if (global < 0 || global > nb) {
            throw new IllegalArgumentException("sparsity_config.num_global_blocks " + global
                    + " must be between 0 and the " + nb + " blocks of a sequence");
        }
        fill(l, 0, global, 0, nb);
        fill(l, 0, nb, 0, global);
        lowerTriangle(l);
    }

    /** BSLongformerSparsityConfig: a symmetric sliding window and global rows and columns, then tril. */
    private static void longformer(boolean[][] l, SparsityConfig c) {
        int nb = l.length;
        int w = SparsityConfig.or(c.numSlidingWindowBlocks(), 3);
        if (w < 1 || w > nb) {
            throw new IllegalArgumentException("sparsity_config.num_sliding_window_blocks " + w
                    + " must be between 1 and the " + nb + " blocks of a sequence");
        }
        for (int r = 0; r < nb; r++) {
            fill(l, r, r + 1, Math.max(0, r - w / 2), Math.min(nb, r + w / 2 + 1));
        }
        globalColumns(l, c, true);
        lowerTriangle(l);
    }

    /**
     * global_block_indices (or [start, end) ranges with global_block_end_indices) within the
     * sequence: key columns from their own row down; with {@code rows} also the whole rows.
     */
    private static void globalColumns(boolean[][] l, SparsityConfig c, boolean rows) {
        int nb = l.length;
        List<Integer> starts = SparsityConfig.or(c.globalBlockIndices(), List.of(0));
        List<Integer> ends = c.globalBlockEndIndices();
        if (ends != null && ends.size() != starts.size()) {
            throw new IllegalArgumentException("sparsity_config.global_block_end_indices " + ends
                    + " must have as many entries as global_block_indices " + starts);
        }
        for (int g = 0; g < starts.size(); g++) {
            int s = starts.get(g);
            int e = ends != null ? ends.get(g) : s + 1;
            if (s < 0 || s >= e) {
                throw new IllegalArgumentException("sparsity_config.global_block_indices " + starts
                        + " must be non-negative and below their global_block_end_indices " + ends);
            }
            if (s < nb) {
                e = Math.min(e, nb);
                fill(l, rows ? 0 : s, nb, s, e);
                if (rows) {
                    fill(l, s, e, 0, nb);
                }
            }
        }
    }

    private static void checkRandom(int random, int nb) {
        if (random < 0 || random > nb) {
            throw new IllegalArgumentException("sparsity_config.num_random_blocks " + random
                    + " must be between 0 and the " + nb + " blocks of a sequence");
        }
    }

    /** Keeps {@code k} distinct blocks of {@code [0, n)} in {@code row}, uniformly (partial Fisher-Yates). */
    private static void sample(boolean[] row, int n, int k, SplittableRandom rnd) {
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) {
            pool[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
            row[pool[i]] = true;
        }
    }

    private static void fill(boolean[][] l, int r0, int r1, int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                l[r][c] = true;
            }
        }
    }

    private static void lowerTriangle(boolean[][] l) {
        for (int r = 0; r < l.length; r++) {
            for (int c = r + 1; c < l.length; c++) {
                l[r][c] = false;
            }
        }
    }
}
