package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.NativeKernels;
import org.neox.kernel.ReferenceKernels;

/**
 * DeepSpeed's block layouts as GPT-NeoX configures them (unidirectional), against layouts worked
 * out by hand from sparsity_config.py's rules, and the attention core of a sparse layer against
 * a double-precision attention that only sees the kept, causal keys: every backend, full square
 * and triangle blocks, within 2e-6.
 */
class SparseAttentionTest {
    private static SparsityConfig cfg(Integer block, Boolean perHead, Integer local, Integer sliding, Integer global,
                                      Integer patterns, Integer random, List<Integer> windows, List<Integer> globals,
                                      List<Integer> globalEnds) {
        return new SparsityConfig(block, perHead, local, sliding, global, patterns, random, windows, globals, globalEnds);
    }

    /** Rows of the layout of head h as strings of 0/1, one per query block. */
    private static List<String> rows(BlockLayout l, int h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.numBlocks(); i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < l.numBlocks(); j++) {
                sb.append(l.keeps(h, i * l.block, j * l.block) ? '1' : '0');
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static BlockLayout make(AttentionKind kind, SparsityConfig c, int heads, int seq) {
        return SparseLayouts.make(kind, c, heads, seq, 7, 0);
    }

    @Test
    void localKeepsTheDiagonalBlockAndHalfTheWindowBefore() {
        // num_local_blocks 3: w = 3 // 2 = 1 block back (DeepSpeed's LocalSlidingWindow, unidirectional)
        BlockLayout l = make(AttentionKind.LOCAL, cfg(4, null, 3, null, null, null, null, null, null, null), 2, 16);
        assertEquals(List.of("1000", "1100", "0110", "0011"), rows(l, 0));
        assertEquals(rows(l, 0), rows(l, 1));
        // num_sliding_window_blocks is the fallback key; the default is 4 (w = 2)
        assertEquals(List.of("1000", "1100", "1110", "0111"),
                rows(make(AttentionKind.LOCAL, cfg(4, null, null, null, null, null, null, null, null, null), 1, 16), 0));
        assertEquals(List.of("1000", "1100", "0110", "0011"),
                rows(make(AttentionKind.LOCAL, cfg(4, null, 3, 4, null, null, null, null, null, null), 1, 16), 0));
    }

    @Test
    void fixedHasLocalWindowsAndTheLastBlockOfEachWindowGlobal() {
        // defaults: 4-block windows, 1 global block; 10 blocks: windows [0,4) [4,8) [8,10); global columns
        // 3 and 7 from their own row down, and for the short last window column min(8 + 3, 9) = 9
        BlockLayout l = make(AttentionKind.SPARSE_FIXED, SparsityConfig.DEFAULTS, 1, 160);
        assertEquals(List.of(
                "1000000000",
                "1100000000",
                "1110000000",
                "1111000000",
                "0001100000",
                "0001110000",
                "0001111000",
                "0001111100",
                "0001000110",
                "0001000111"), rows(l, 0));
        // two global patterns over per-head layouts: head 1 uses the third block of each window
        BlockLayout p = make(AttentionKind.SPARSE_FIXED, cfg(16, true, 4, null, 1, 2, null, null, null, null), 2, 128);
        assertEquals(List.of(
                "10000000",
                "11000000",
                "11100000",
                "11110000",
                "00101000",
                "00101100",
                "00101110",
                "00101111"), rows(p, 1));
        assertEquals("00011110", rows(p, 0).get(6));
    }

    @Test
    void variableHasGrowingWindowsThenTheLastSizeRepeatedAndGlobalColumns() {
        // windows [1, 2] then 2-block windows: [0,1) [1,3) [3,5) [5,6); global indices 0 and 4
        BlockLayout l = make(AttentionKind.SPARSE_VARIABLE,
                cfg(2, null, null, null, null, null, null, List.of(1, 2), List.of(0, 4), null), 1, 12);
        assertEquals(List.of(
                "100000",
                "110000",
                "111000",
                "100100",
                "100110",
                "100011"), rows(l, 0));
        // global ranges with end indices: columns [1, 3) from row 1 down (row 1's column 2 lies
        // above the diagonal: kept in the layout, removed by the causal mask)
        BlockLayout r = make(AttentionKind.SPARSE_VARIABLE,
                cfg(2, null, null, null, null, null, null, List.of(2), List.of(1), List.of(3)), 1, 12);
        assertEquals(List.of(
                "100000",
                "111000",
                "011000",
                "011100",
                "011010",
                "011011"), rows(r, 0));
    }

    @Test
    void bigBirdAndLongformerKeepAWindowAndGlobalBlocksBelowTheDiagonal() {
        BlockLayout b = make(AttentionKind.BIGBIRD, cfg(4, null, null, null, null, null, 0, null, null, null), 1, 20);
        assertEquals(List.of("10000", "11000", "11100", "10110", "10011"), rows(b, 0));
        BlockLayout l = make(AttentionKind.BSLONGFORMER, SparsityConfig.DEFAULTS, 1, 80);
        assertEquals(rows(b, 0), rows(l, 0));
        BlockLayout g = make(AttentionKind.BSLONGFORMER,
                cfg(4, null, null, null, null, null, null, null, List.of(2), List.of(4)), 1, 20);
        assertEquals(List.of("10000", "11000", "11100", "11110", "00111"), rows(g, 0));
    }

    @Test
    void randomBlocksAreDistinctSeededAndDifferPerLayer() {
        SparsityConfig c = cfg(2, null, null, null, null, null, 2, List.of(1), List.of(), null);
        BlockLayout a = SparseLayouts.make(AttentionKind.SPARSE_VARIABLE, c, 1, 40, 3, 0);
        for (String row : rows(a, 0)) {
            long kept = row.chars().filter(ch -> ch == '1').count();
            assertTrue(kept == 2 || kept == 3, row); // the diagonal plus two distinct random blocks
        }
        assertEquals(rows(a, 0), rows(SparseLayouts.make(AttentionKind.SPARSE_VARIABLE, c, 1, 40, 3, 0), 0));
        assertNotEquals(rows(a, 0), rows(SparseLayouts.make(AttentionKind.SPARSE_VARIABLE, c, 1, 40, 3, 1), 0));
        // bigbird samples at or below the diagonal only
        BlockLayout b = SparseLayouts.make(AttentionKind.BIGBIRD, cfg(2, true, null, 1, 0, null, 1, null, null, null),
                3, 40, 3, 0);
        for (int h = 0; h < 3; h++) {
            List<String> r = rows(b, h);
            for (int i = 0; i < r.size(); i++) {
                assertEquals(-1, r.get(i).indexOf('1', i + 1), "head " + h + " row " + i + ": " + r.get(i));
            }
        }
    }

    @Test
    void badSettingsNameTheKey() {
        assertMessage("sparsity_config.block 16 must be positive and divide seq_length 40",
                AttentionKind.LOCAL, SparsityConfig.DEFAULTS, 40);
        assertMessage("sparsity_config.num_local_blocks 6 must be divisible by num_global_blocks 4",
                AttentionKind.SPARSE_FIXED, cfg(2, null, 6, null, 4, null, null, null, null, null), 40);
        assertMessage("sparsity_config.num_different_global_patterns 2 needs different_layout_per_head: true",
                AttentionKind.SPARSE_FIXED, cfg(2, null, 4, null, 1, 2, null, null, null, null), 40);
        assertMessage("sparsity_config.num_sliding_window_blocks 30 must be between 1 and the 20 blocks of a sequence",
                AttentionKind.BSLONGFORMER, cfg(2, null, null, 30, null, null, null, null, null, null), 40);
        assertMessage("sparsity_config.num_random_blocks 2 exceeds the 1 block the first block row of unidirectional"
                + " bigbird can attend to; expected 0 or 1",
                AttentionKind.BIGBIRD, cfg(2, null, null, null, null, null, 2, null, null, null), 40);
        assertMessage("sparsity_config.global_block_end_indices [3] must have as many entries as global_block_indices"
                + " [0, 1]", AttentionKind.SPARSE_VARIABLE,
                cfg(2, null, null, null, null, null, null, null, List.of(0, 1), List.of(3)), 40);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionKind.of("gmlp"));
        assertTrue(e.getMessage().startsWith("attention_config: attention type 'gmlp' is not implemented by neox"),
                e.getMessage());
    }

    private static void assertMessage(String expected, AttentionKind kind, SparsityConfig c, int seq) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> make(kind, c, 1, seq));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void sparseAttentionMatchesDoubleReferenceOnEveryBackend() {
        int seq = 12;
        int heads = 3;
        Dims d = ReferenceAttention.dims(2, seq, heads);
        Random rnd = new Random(5);
        float[] qkv = ReferenceAttention.randomQkv(d, rnd);
        // a per-head fixed layout (global columns: every block starts at key 0) and a sliding window
        // (later row blocks skip their first keys: the skipped scores hold garbage, set below)
        for (BlockLayout layout : List.of(
                make(AttentionKind.SPARSE_FIXED, cfg(2, true, 3, null, 1, 3, null, null, null, null), heads, seq),
                make(AttentionKind.LOCAL, cfg(2, null, 2, null, null, null, null, null, null, null), heads, seq))) {
            double[] expected = ReferenceAttention.context(qkv, d,
                    (h, i, j) -> layout.keeps(h, i, j) ? 0 : Double.NEGATIVE_INFINITY);
            List<Kernels> backends = new ArrayList<>(List.of(new ReferenceKernels(), new CpuKernels(2)));
            if (NativeKernels.unavailableReason() == null) {
                backends.add(NativeKernels.cpu(2));
            }
            for (Kernels k : backends) {
                for (boolean triangle : new boolean[] {false, true}) {
                    LayerCache c = new LayerCache(d, false, true);
                    for (int i = 0; i < c.probs.length; i++) {
                        c.probs[i] = (float) (1e6 * rnd.nextGaussian());
                    }
                    new AttentionCore(k, d, null, null, layout, triangle, 0f, null, 1)
                            .forward(qkv, c, new float[d.rows() * d.hLocal()], false, 1, 0);
                    k.toHost(c.ctx);
                    String what = k.name() + " triangle " + triangle + " " + rowsOf(layout);
                    for (int i = 0; i < expected.length; i++) {
                        assertTrue(Math.abs(expected[i] - c.ctx[i]) <= 2e-6 * (1 + Math.abs(expected[i])),
                                what + " ctx " + i + ": " + expected[i] + " vs " + c.ctx[i]);
                    }
                    k.toHost(c.probs);
                    for (int m = 0; m < d.count(); m++) {
                        for (int i = 0; i < seq; i++) {
                            for (int j = 0; j <= i; j++) {
                                if (!layout.keeps(m % heads, i, j)) {
                                    assertEquals(0f, c.probs[(m * seq + i) * seq + j], what + " masked probability");
                                }
                            }
                        }
                    }
                }
                close(k);
            }
        }
    }

    private static List<String> rowsOf(BlockLayout l) {
        return rows(l, 0);
    }

    private static void close(Kernels k) {
        if (k instanceof AutoCloseable a) {
            try {
                a.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aRowBlockSkipsTheKeysBeforeItsFirstKeptBlock() {
        BlockLayout local = make(AttentionKind.LOCAL, cfg(2, null, 2, null, null, null, null, null, null, null), 1, 12);
        assertEquals(0, local.firstKeptKey(0, 3));
        assertEquals(0, local.firstKeptKey(3, 6)); // row blocks 1 and 2 keep blocks [0, 1] and [1, 2]
        assertEquals(4, local.firstKeptKey(6, 9)); // row blocks 3 and 4 keep blocks [2, 3] and [3, 4]
        assertEquals(6, local.firstKeptKey(9, 12));
        BlockLayout fixed = make(AttentionKind.SPARSE_FIXED, SparsityConfig.DEFAULTS, 1, 160);
        assertEquals(48, fixed.firstKeptKey(80, 96)); // block 5 keeps the global column 3 first
    }
}
