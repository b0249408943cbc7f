package org.neox.kernel;

/**
 * Float loops of {@link Kernels#activationForward}/{@link Kernels#activationBackward} over
 * {@code [from, to)} of a flat range, and of GEGLU over rows {@code [from, to)} of
 * {@code fc [rows, 2·half]}. GeLU kinds delegate to {@link CpuGelu}.
 */
final class CpuActivations {
    private static final float INV_SQRT2 = 0.70710678f;
    private static final float INV_SQRT_2PI = 0.39894228f;

    private CpuActivations() {
    }

    static void forward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int from, int to) {
        switch (kind) {
            case GELU, GELU_TANH -> CpuGelu.forward(x, xOff, out, outOff, from, to, kind == ActivationKind.GELU_TANH);
            case RELU -> {
                for (int i = from; i < to; i++) {
                    out[outOff + i] = Math.max(x[xOff + i], 0f);
                }
            }
            case SOFTSIGN -> {
                for (int i = from; i < to; i++) {
                    float v = x[xOff + i];
                    out[outOff + i] = v / (1f + Math.abs(v));
                }
            }
            case SWISH -> {
                for (int i = from; i < to; i++) {
                    float v = x[xOff + i];
                    out[outOff + i] = v * sigmoid(v);
                }
            }
            case MISH -> {
                for (int i = from; i < to; i++) {
                    float v = x[xOff + i];
                    out[outOff + i] = v * tanhSoftplus(v);
                }
            }
        }
    }

    static void backward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff, float[] dx, int dxOff,
                         int from, int to) {
        switch (kind) {
            case GELU, GELU_TANH -> CpuGelu.backward(x, xOff, dout, dOff, dx, dxOff, from, to,
                    kind == ActivationKind.GELU_TANH);
            case RELU -> {
                for (int i = from; i < to; i++) {
                    dx[dxOff + i] = x[xOff + i] > 0f ? dout[dOff + i] : 0f;
                }
            }
            case SOFTSIGN -> {
                for (int i = from; i < to; i++) {
                    float a = 1f + Math.abs(x[xOff + i]);
                    dx[dxOff + i] = dout[dOff + i] / (a * a);
                }
            }
            case SWISH -> {
                for (int i = from; i < to; i++) {
                    float v = x[xOff + i];
                    float s = sigmoid(v);
                    dx[dxOff + i] = dout[dOff + i] * s * (1f + v * (1f - s));
                }
            }
            case MISH -> {
                for (int i = from; i < to; i++) {
                    float v = x[xOff + i];
                    float t = tanhSoftplus(v);
                    dx[dxOff + i] = dout[dOff + i] * (t + v * (1f - t * t) * sigmoid(v));
                }
            }
        }
    }

    /** out[r, j] = x[r, j] · gelu(gate[r, j]) for fc rows {@code [x | gate]} (exact erf GeLU). */
    static void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int half, int from, int to) {
        for (int r = from; r < to; r++) {
            int xi = fcOff + r * 2 * half;
            int gi = xi + half;
            int oi = outOff + r * half;
            for (int j = 0; j < half; j++) {
                float g = fc[gi + j];
                out[oi + j] = fc[xi + j] * 0.5f * g * (1f + Gelu.erfFast(g * INV_SQRT2));
            }
        }
    }

    /** dfc rows {@code [dx | dgate]}: {@code dx = dout·gelu(gate)}, {@code dgate = dout·x·gelu'(gate)}. */
    static void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int half,
                              int from, int to) {
        for (int r = from; r < to; r++) {
            int xi = fcOff + r * 2 * half;
            int gi = xi + half;
            int di = dOff + r * half;
            int dxi = dfcOff + r * 2 * half;
            for (int j = 0; j < half; j++) {
                float g = fc[gi + j];
                float e = FastMath.exp(-0.5f * g * g);
                float cdf = 0.5f * (1f + Gelu.erfFast(g * INV_SQRT2, e));
                float d = dout[di + j];
                dfc[dxi + j] = d * g * cdf;
                dfc[dxi + half + j] = d * fc[xi + j] * (cdf + g * INV_SQRT_2PI * e);
            }
        }
    }

    private static float sigmoid(float v) {
        return 1f / (1f + FastMath.exp(-v));
    }

    /**
     * {@code tanh(softplus(v)) = n/(n+2)} with {@code n = e^v(e^v+2)}; above v = 20 it is 1 in
     * float (torch's softplus is linear there, and tanh of it rounds to 1 too).
     */
    private static float tanhSoftplus(float v) {
        if (v > 20f) {
            return 1f;
        }
        float e = FastMath.exp(v);
        float n = e * (e + 2f);
        return n / (n + 2f);
    }
}
