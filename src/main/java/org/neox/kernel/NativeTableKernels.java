package org.neox.kernel;

/**
 * The part of {@link Kernels} that every backend over the C table {@code nk_ops} maps the same
 * way: the table folds the full-square and triangle causal softmax into one entry with a
 * {@code triangle} flag, and rotary backward into rotary with sign −1 (the inverse rotation);
 * argument checks that must happen before native code sees the arguments.
 */
abstract class NativeTableKernels implements Kernels {

    /** {@code nk_ops.sgemm_batched}, with {@code count > 0} and non-negative strides. */
    abstract void stridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                                 float beta, float[] c, int cOff, int ldc, int strideC, int count);

    @Override
    public final void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                         float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb,
                                         int strideB, float beta, float[] c, int cOff, int ldc, int strideC, int count) {
        if (count <= 0) {
            return;
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("negative batch stride: " + strideA + ", " + strideB + ", " + strideC);
        }
        stridedBatched(transA, transB, m, n, k, alpha, a, aOff, lda, strideA, b, bOff, ldb, strideB, beta, c, cOff, ldc,
                strideC, count);
    }

    /** {@code nk_ops.rotary}: x rotated in place by {@code sign} (+1 forward, −1 backward); rd already checked. */
    abstract void rotary(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin,
                         float sign);

    /** {@code nk_ops.causal_softmax_fwd}. */
    abstract void softmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale,
                                 boolean triangle);

    /** {@code nk_ops.causal_softmax_bwd}. */
    abstract void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int count, int sq,
                                  float scale, boolean triangle);

    @Override
    public final void rotaryForward(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos,
                                    float[] sin) {
        checkRotaryDims(rd, headDim);
        rotary(x, xOff, count, seq, headDim, rd, cos, sin, 1f);
    }

    @Override
    public final void rotaryBackward(float[] dx, int dxOff, int count, int seq, int headDim, int rd, float[] cos,
                                     float[] sin) {
        checkRotaryDims(rd, headDim);
        rotary(dx, dxOff, count, seq, headDim, rd, cos, sin, -1f);
    }

    private static void checkRotaryDims(int rd, int headDim) {
        if (rd > headDim || rd % 2 != 0) {
            throw new IllegalArgumentException("rotary dims " + rd + " must be even and <= headDim " + headDim);
        }
    }

    @Override
    public final void causalSoftmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        softmaxForward(x, xOff, y, yOff, count, sq, scale, false);
    }

    @Override
    public final void causalSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                            int count, int sq, float scale) {
        softmaxBackward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale, false);
    }

    @Override
    public final void causalSoftmaxTriangleForward(float[] x, int xOff, float[] y, int yOff, int count, int sq,
                                                   float scale) {
        softmaxForward(x, xOff, y, yOff, count, sq, scale, true);
    }

    @Override
    public final void causalSoftmaxTriangleBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                                    int count, int sq, float scale) {
        softmaxBackward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale, true);
    }
}
