package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.ReferenceKernels;

/**
 * ALiBi (GPT-NeoX {@code AliBi}): the slopes against the closed form {@code 2^(−8(i+1)/n)} (and
 * its every-other-of-2p completion for n not a power of two) in double (within 1e-14 relative:
 * the recipe multiplies powers of an inexact start), the bias sign and shape,
 * and the attention core's context with ALiBi against a double-precision attention written out
 * here ({@code softmax(q·kᵀ/√hd − slope·(i−j), causal)·v}), full square and triangle blocks,
 * within 2e-6 (float GEMMs over head size 4).
 */
class AlibiTest {

    /** Independent closed form: power-of-two p slopes 2^(−8(i+1)/p); the rest 2^(−4(2m+1)/p). */
    private static double expectedSlope(int n, int head) {
        int p = Integer.highestOneBit(n);
        if (head < p) {
            return Math.pow(2, -8.0 * (head + 1) / p);
        }
        int m = head - p;
        return Math.pow(2, -4.0 * (2 * m + 1) / p);
    }

    @Test
    void slopesFollowTheGeometricRecipeForOneToSixteenHeads() {
        for (int n = 1; n <= 16; n++) {
            double[] s = Alibi.slopes(n);
            assertEquals(n, s.length);
            for (int i = 0; i < n; i++) {
                double e = expectedSlope(n, i);
                assertEquals(e, s[i], 1e-14 * e, "n " + n + " head " + i);
            }
        }
        assertArrayEquals(new double[] {0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625},
                Alibi.slopes(8), 0);
        // not powers of two: the closest power's slopes, then every other slope of twice that
        assertArrayEquals(new double[] {0.0625, 0.00390625, 0.25}, Alibi.slopes(3), 0);
        assertArrayEquals(new double[] {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125}, Alibi.slopes(6), 0);
    }

    @Test
    void eachTensorRankTakesTheSlopesOfItsHeads() {
        double[] all = Alibi.slopes(6);
        for (int size : new int[] {1, 2, 3, 6}) {
            for (int rank = 0; rank < size; rank++) {
                float[] s = Alibi.rankSlopes(6, size, rank);
                assertEquals(6 / size, s.length);
                for (int i = 0; i < s.length; i++) {
                    assertEquals((float) all[rank * (6 / size) + i], s[i], 0f);
                }
            }
        }
    }

    @Test
    void biasIsMinusSlopeTimesDistanceOnAndBelowTheDiagonal() {
        float[] slopes = {0.5f, 0.25f};
        int rows = 3;
        int cols = 5;
        float[] x = new float[2 * rows * cols];
        java.util.Arrays.fill(x, 7f);
        new ReferenceKernels().alibiBias(x, 0, 2, rows, cols, 1, slopes, 0, 2);
        for (int c = 0; c < 2; c++) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    int i = 1 + r;
                    float e = j <= i ? 7f - slopes[c] * (i - j) : 7f;
                    assertEquals(e, x[(c * rows + r) * cols + j], 0f, "c " + c + " i " + i + " j " + j);
                }
            }
        }
    }

    @Test
    void attentionWithAlibiMatchesDoubleReference() {
        int heads = 3;
        Dims d = ReferenceAttention.dims(2, 9, heads);
        float[] qkv = ReferenceAttention.randomQkv(d, new Random(11));
        double[] expected = ReferenceAttention.context(qkv, d, (h, i, j) -> -expectedSlope(heads, h) * (i - j));
        float[] slopes = Alibi.rankSlopes(heads, 1, 0);
        try (CpuKernels cpu = new CpuKernels(2)) {
            for (Kernels k : new Kernels[] {new ReferenceKernels(), cpu}) {
                for (boolean triangle : new boolean[] {false, true}) {
                    LayerCache c = new LayerCache(d, false, true);
                    new AttentionCore(k, d, null, slopes, null, triangle, 0f, null, 1)
                            .forward(qkv, c, new float[d.rows() * d.hLocal()], false, 1, 0);
                    for (int i = 0; i < expected.length; i++) {
                        assertTrue(Math.abs(expected[i] - c.ctx[i]) <= 2e-6 * (1 + Math.abs(expected[i])),
                                k.name() + " triangle " + triangle + " ctx " + i + ": " + expected[i] + " vs " + c.ctx[i]);
                    }
                }
            }
        }
    }
}
