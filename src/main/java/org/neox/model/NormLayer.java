package org.neox.model;

import org.neox.kernel.Kernels;
import org.neox.model.ModelSpec.Norm;
import org.neox.tensor.ParamStore;

/**
 * LayerNorm ({@code weight}, {@code bias}), RMSNorm ({@code scale}) or ScaleNorm (scalar {@code g})
 * over the hidden dim (spec §5.5). Per-row statistics live in the caller's activation cache:
 * {@code statA [rows]} (mean, or the inverse norm) and {@code statB [rows]} (LayerNorm rstd).
 */
final class NormLayer {
    private final Norm type;
    private final Kernels k;
    private final ParamStore store;
    private final int dim;
    private final float eps;
    private final int wOff;
    private final int bOff;

    NormLayer(String prefix, ModelSpec spec, ParamStore store, Kernels k) {
        this.type = spec.norm();
        this.k = k;
        this.store = store;
        this.dim = spec.hiddenSize();
        switch (type) {
            case LAYERNORM -> {
                eps = (float) spec.layernormEps();
                wOff = store.add(prefix + ".weight", false, dim);
                bOff = store.add(prefix + ".bias", false, dim);
            }
            case RMSNORM -> {
                eps = (float) spec.rmsNormEps();
                wOff = store.add(prefix + ".scale", false, dim);
                bOff = -1;
            }
            default -> {
                eps = (float) spec.scalenormEps();
                wOff = store.add(prefix + ".g", false, 1);
                bOff = -1;
            }
        }
    }

    /** Spec §5.7: weight/scale/g 1, bias 0. */
    void init(float[] p) {
        java.util.Arrays.fill(p, wOff, wOff + (type == Norm.SCALENORM ? 1 : dim), 1f);
        if (bOff >= 0) {
            java.util.Arrays.fill(p, bOff, bOff + dim, 0f);
        }
    }

    void forward(float[] x, int xOff, float[] out, int outOff, float[] statA, float[] statB, int rows) {
        float[] p = store.params();
        switch (type) {
            case LAYERNORM -> k.layerNormForward(x, xOff, p, wOff, p, bOff, out, outOff, statA, statB, rows, dim, eps);
            case RMSNORM -> k.rmsNormForward(x, xOff, p, wOff, out, outOff, statA, rows, dim, eps);
            default -> k.scaleNormForward(x, xOff, p, wOff, out, outOff, statA, rows, dim, eps);
        }
    }

    /** Writes dx, accumulates the norm's parameter gradients. */
    void backward(float[] dout, int dOff, float[] x, int xOff, float[] statA, float[] statB,
                  float[] dx, int dxOff, int rows) {
        float[] p = store.params();
        float[] g = store.grads();
        switch (type) {
            case LAYERNORM -> k.layerNormBackward(dout, dOff, x, xOff, p, wOff, statA, statB, dx, dxOff,
                    g, wOff, g, bOff, rows, dim);
            case RMSNORM -> k.rmsNormBackward(dout, dOff, x, xOff, p, wOff, statA, dx, dxOff, g, wOff, rows, dim);
            default -> k.scaleNormBackward(dout, dOff, x, xOff, p, wOff, statA, dx, dxOff, g, wOff, rows, dim, eps);
        }
    }
}
