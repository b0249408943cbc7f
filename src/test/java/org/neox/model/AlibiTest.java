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
        int batch = 2;
        int seq = 9;
        int heads = 3;
        int hd = 4;
        Dims d = new Dims(batch, seq, heads * hd, heads, hd, 4 * heads * hd, 4 * heads * hd);
        float[] qkv = new float[d.rows() * 3 * d.hLocal()];
        Random rnd = new Random(11);
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) (2 * rnd.nextGaussian());
        }
        double[] expected = reference(qkv, d);
        float[] slopes = Alibi.rankSlopes(heads, 1, 0);
        try (CpuKernels cpu = new CpuKernels(2)) {
            for (Kernels k : new Kernels[] {new ReferenceKernels(), cpu}) {
                for (boolean triangle : new boolean[] {false, true}) {
                    LayerCache c = new LayerCache(d, false, true);
                    new AttentionCore(k, d, null, slopes, null, triangle, 0f)
                            .forward(qkv, c, new float[d.rows() * d.hLocal()], false, 1, 0);
                    for (int i = 0; i < expected.length; i++) {
                        assertTrue(Math.abs(expected[i] - c.ctx[i]) <= 2e-6 * (1 + Math.abs(expected[i])),
                                k.name() + " triangle " + triangle + " ctx " + i + ": " + expected[i] + " vs " + c.ctx[i]);
                    }
                }
            }
        }
    }

    /** ctx rows [R, heads·hd] from head-interleaved qkv rows [R, heads·3·hd], all in double. */
    private static double[] reference(float[] qkv, Dims d) {
        int s = d.seq();
        int hd = d.headDim();
        int nh = d.headsLocal();
        int w = 3 * nh * hd;
        double[] ctx = new double[d.rows() * nh * hd];
        for (int b = 0; b < d.batch(); b++) {
            for (int h = 0; h < nh; h++) {
                double slope = expectedSlope(nh, h);
                for (int i = 0; i < s; i++) {
                    double[] p = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) {
                            dot += qkv[(b * s + i) * w + h * 3 * hd + c] * (double) qkv[(b * s + j) * w + h * 3 * hd + hd + c];
                        }
                        p[j] = dot / Math.sqrt(hd) - slope * (i - j);
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int c = 0; c < hd; c++) {
                            ctx[(b * s + i) * nh * hd + h * hd + c] += p[j] / sum * qkv[(b * s + j) * w + h * 3 * hd + 2 * hd + c];
                        }
                    }
                }
            }
        }
        return ctx;
    }
}
