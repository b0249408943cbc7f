package org.neox.kernel;

/**
 * Row-wise float loops for {@link CpuKernels}: the fused causal softmax (full and triangle),
 * rotary rotation and softmax cross-entropy, each parallel over rows.
 */
final class CpuSoftmaxKernels {
    private static final float MASK = -10000f;
    private final RowParallel par;

    CpuSoftmaxKernels(RowParallel par) {
        this.par = par;
    }

    void forward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale, boolean triangle) {
        par.forRows(count * sq, 64, (from, to) -> {
            for (int row = from; row < to; row++) {
                int i = row % sq;
                int xo = xOff + row * sq;
                int yo = yOff + row * sq;
                float max = MASK;
                for (int j = 0; j <= i; j++) {
                    max = Math.max(max, scale * x[xo + j]);
                }
                float sum = 0f;
                for (int j = 0; j <= i; j++) {
                    float e = FastMath.exp(scale * x[xo + j] - max);
                    y[yo + j] = e;
                    sum += e;
                }
                // Masked entries are exp(−10000 − max): exactly 0 in float unless the row is all below −9913.
                float masked = triangle ? 0f : FastMath.exp(MASK - max);
                sum += masked * (sq - 1 - i);
                float inv = 1f / sum;
                for (int j = 0; j <= i; j++) {
                    y[yo + j] *= inv;
                }
                if (!triangle) {
                    java.util.Arrays.fill(y, yo + i + 1, yo + sq, masked * inv);
                }
            }
        });
    }

    void backward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int count, int sq,
                  float scale, boolean triangle) {
        par.forRows(count * sq, 64, (from, to) -> {
            for (int row = from; row < to; row++) {
                int end = triangle ? row % sq + 1 : sq;
                int yo = yOff + row * sq;
                int go = dyOff + row * sq;
                int xo = dxOff + row * sq;
                float dot = 0f;
                for (int j = 0; j < end; j++) {
                    dot += dy[go + j] * y[yo + j];
                }
                for (int j = 0; j < end; j++) {
                    dx[xo + j] = scale * y[yo + j] * (dy[go + j] - dot);
                }
            }
        });
    }

    static void rotate(float[] x, int off, int c0, int c1, int seq, int headDim, int rd,
                       float[] cos, float[] sin, float sign) {
        int half = rd / 2;
        for (int c = c0; c < c1; c++) {
            for (int t = 0; t < seq; t++) {
                int o = off + (c * seq + t) * headDim;
                int tb = t * half;
                for (int i = 0; i < half; i++) {
                    float cs = cos[tb + i];
                    float sn = sign * sin[tb + i];
                    float x1 = x[o + i];
                    float x2 = x[o + half + i];
                    x[o + i] = x1 * cs - x2 * sn;
                    x[o + half + i] = x2 * cs + x1 * sn;
                }
            }
        }
    }

    void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                             int rows, int vocab) {
        par.forRows(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = lOff + r * vocab;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) {
                    max = Math.max(max, logits[o + j]);
                }
                float sum = 0f;
                for (int j = 0; j < vocab; j++) {
                    sum += FastMath.exp(logits[o + j] - max);
                }
                float l = max + (float) Math.log(sum);
                lse[r] = l;
                loss[r] = l - logits[o + labels[labOff + r]];
            }
        });
    }

    void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                              int rows, int vocab) {
        par.forRows(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = lOff + r * vocab;
                float d = dloss[r];
                if (d == 0f) {
                    java.util.Arrays.fill(logits, o, o + vocab, 0f);
                    continue;
                }
                float l = lse[r];
                for (int j = 0; j < vocab; j++) {
                    logits[o + j] = FastMath.exp(logits[o + j] - l) * d;
                }
                logits[o + labels[labOff + r]] -= d;
            }
        });
    }

    void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                           int rows, int vocab) {
        par.forRows(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = lOff + r * vocab;
                int label = labels[labOff + r];
                float target = logits[o + label];
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) {
                    max = Math.max(max, logits[o + j]);
                }
                float sum = 0f;
                for (int j = 0; j < vocab; j++) {
                    float e = FastMath.exp(logits[o + j] - max);
                    logits[o + j] = e;
                    sum += e;
                }
                loss[r] = max + (float) Math.log(sum) - target;
                float d = dloss[r];
                float scale = d / sum;
                for (int j = 0; j < vocab; j++) {
                    logits[o + j] *= scale;
                }
                logits[o + label] -= d;
            }
        });
    }
}
