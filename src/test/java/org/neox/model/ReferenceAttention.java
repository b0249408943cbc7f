package org.neox.model;

import java.util.Random;

/**
 * Causal attention in double for the attention-core tests: {@code softmax(q·kᵀ/√hd + bias)·v}
 * per head over the keys {@code j <= i} the rule keeps, from GPT-NeoX's head-interleaved
 * {@code qkv [R, heads·3·hd]} rows (per head: q | k | v) to context rows {@code [R, heads·hd]}.
 */
final class ReferenceAttention {
    /** The additive score bias of head h, query i, key j; {@link Double#NEGATIVE_INFINITY} drops the key. */
    interface ScoreBias {
        double at(int h, int i, int j);
    }

    private ReferenceAttention() {
    }

    /** The pass shape of these tests: {@code heads} heads of 4 over {@code batch} sequences of {@code seq}. */
    static Dims dims(int batch, int seq, int heads) {
        int hd = 4;
        return new Dims(batch, seq, heads * hd, heads, hd, 4 * heads * hd, 4 * heads * hd);
    }

    /** Gaussian qkv rows (standard deviation 2) for {@code d}. */
    static float[] randomQkv(Dims d, Random rnd) {
        float[] qkv = new float[d.rows() * 3 * d.hLocal()];
        for (int i = 0; i < qkv.length; i++) {
            qkv[i] = (float) (2 * rnd.nextGaussian());
        }
        return qkv;
    }

    static double[] context(float[] qkv, Dims d, ScoreBias bias) {
        int s = d.seq();
        int hd = d.headDim();
        int nh = d.headsLocal();
        int w = 3 * nh * hd;
        double[] ctx = new double[d.rows() * nh * hd];
        for (int b = 0; b < d.batch(); b++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < s; i++) {
                    double[] p = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < hd; c++) {
                            dot += qkv[(b * s + i) * w + h * 3 * hd + c] * (double) qkv[(b * s + j) * w + h * 3 * hd + hd + c];
                        }
                        p[j] = dot / Math.sqrt(hd) + bias.at(h, i, j);
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
