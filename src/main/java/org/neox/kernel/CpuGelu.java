package org.neox.kernel;

/** Float GeLU loops over {@code [from, to)} of a flat range (see {@link Kernels#activationForward}). */
final class CpuGelu {
    private static final float K = 0.79788456f;
    private static final float C = 0.044715f;
    private static final float INV_SQRT2 = 0.70710678f;
    private static final float INV_SQRT_2PI = 0.39894228f;

    private CpuGelu() {
    }

    static void forward(float[] x, int xOff, float[] out, int outOff, int from, int to, boolean tanh) {
        if (tanh) {
            for (int i = from; i < to; i++) {
                float v = x[xOff + i];
                out[outOff + i] = 0.5f * v * (1f + tanh(K * v * (1f + C * v * v)));
            }
        } else {
            for (int i = from; i < to; i++) {
                float v = x[xOff + i];
                out[outOff + i] = 0.5f * v * (1f + Gelu.erfFast(v * INV_SQRT2));
            }
        }
    }

    static void backward(float[] x, int xOff, float[] dout, int dOff, float[] dx, int dxOff,
                         int from, int to, boolean tanh) {
        if (tanh) {
            for (int i = from; i < to; i++) {
                float v = x[xOff + i];
                float t = tanh(K * v * (1f + C * v * v));
                float d = 0.5f * (1f + t) + 0.5f * v * (1f - t * t) * K * (1f + 3f * C * v * v);
                dx[dxOff + i] = dout[dOff + i] * d;
            }
        } else {
            for (int i = from; i < to; i++) {
                float v = x[xOff + i];
                float e = FastMath.exp(-0.5f * v * v);
                float d = 0.5f * (1f + Gelu.erfFast(v * INV_SQRT2, e)) + v * INV_SQRT_2PI * e;
                dx[dxOff + i] = dout[dOff + i] * d;
            }
        }
    }

    /** tanh through one exp: {@code 1 − 2/(e^{2u}+1)}, saturating cleanly for large |u|. */
    static float tanh(float u) {
        float e = FastMath.exp(2f * Math.max(-40f, Math.min(40f, u)));
        return 1f - 2f / (e + 1f);
    }
}
