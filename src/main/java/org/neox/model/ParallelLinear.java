package org.neox.model;

import java.util.concurrent.Future;
import org.neox.kernel.Kernels;
import org.neox.tensor.ParamStore;

/**
 * Megatron's ColumnParallelLinear / RowParallelLinear (spec §6.2), torch weight layout
 * {@code W [outLocal, inLocal]}. Column: this rank owns output rows {@code outGlobal/p}; input
 * replicated ({@code copyToRegion}). Row: owns input columns {@code inGlobal/p}; partial outputs
 * summed ({@code reduceFromRegion}); bias full-size, added once after the sum, or, with
 * {@code biasBeforeReduce} (GPT-NeoX's parallel residual, spec §5.5), added by every rank to its
 * partial output before the sum, so the effective bias is the ranks' sum.
 * Activations are {@code [rows, features]} row-major.
 */
final class ParallelLinear {
    enum Kind { COLUMN, ROW }

    private final Kind kind;
    private final Kernels k;
    private final ParamStore store;
    private final TensorParallel tp;
    final int in;
    final int out;
    final int wOff;
    final int bOff;
    final String weightName;
    private final boolean biasBeforeReduce;

    ParallelLinear(Kind kind, String prefix, int inGlobal, int outGlobal, boolean bias,
                   ParamStore store, Kernels k, TensorParallel tp) {
        this(kind, prefix, inGlobal, outGlobal, bias, false, store, k, tp);
    }

    ParallelLinear(Kind kind, String prefix, int inGlobal, int outGlobal, boolean bias, boolean biasBeforeReduce,
                   ParamStore store, Kernels k, TensorParallel tp) {
        this.kind = kind;
        this.biasBeforeReduce = biasBeforeReduce && kind == Kind.ROW;
        this.k = k;
        this.store = store;
        this.tp = tp;
        this.in = kind == Kind.ROW ? tp.split(inGlobal, prefix + " input features") : inGlobal;
        this.out = kind == Kind.COLUMN ? tp.split(outGlobal, prefix + " output features") : outGlobal;
        this.weightName = prefix + ".weight";
        this.wOff = store.add(weightName, true, out, in);
        this.bOff = bias ? store.add(prefix + ".bias", false, out) : -1;
    }

    /** {@code y[rows, out] = x[rows, in] · Wᵀ + b} (the sum over ranks for row-parallel). */
    void forward(float[] x, int xOff, float[] y, int yOff, int rows) {
        float[] p = store.params();
        if (kind == Kind.COLUMN) {
            tp.copyToRegionForward(x, xOff, rows * in);
        }
        k.gemm(false, true, rows, out, in, 1f, x, xOff, in, p, wOff, in, 0f, y, yOff, out);
        if (bOff >= 0 && biasBeforeReduce) {
            k.biasAdd(y, yOff, p, bOff, rows, out);
        }
        if (kind == Kind.ROW) {
            tp.reduceFromRegionForward(y, yOff, rows * out);
        }
        if (bOff >= 0 && !biasBeforeReduce) {
            k.biasAdd(y, yOff, p, bOff, rows, out);
        }
    }

    /**
     * Accumulates dW += dyᵀ·x and db += Σ dy; writes {@code dx[rows, in] = dy · W} (all-reduced for
     * column-parallel, while dW computes). {@code dx == null} skips the input gradient.
     */
    void backward(float[] dy, int dyOff, float[] x, int xOff, float[] dx, int dxOff, int rows) {
        float[] p = store.params();
        float[] g = store.grads();
        if (kind == Kind.ROW) {
            tp.reduceFromRegionBackward(dy, dyOff, rows * out);
        }
        Future<?> pending = null;
        if (dx != null) {
            // input gradient first, so that its column-parallel all-reduce overlaps the weight gradient
            k.gemm(false, false, rows, in, out, 1f, dy, dyOff, out, p, wOff, in, 0f, dx, dxOff, in);
            if (kind == Kind.COLUMN) {
                pending = tp.copyToRegionBackwardAsync(dx, dxOff, rows * in);
            }
        }
        if (bOff >= 0) {
            k.biasGrad(dy, dyOff, g, bOff, rows, out);
        }
        k.gemm(true, false, out, in, rows, 1f, dy, dyOff, out, x, xOff, in, 1f, g, wOff, in);
        tp.await(pending);
    }
}
