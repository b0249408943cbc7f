package org.neox.kernel;

import static org.neox.kernel.NativeRanges.checkLabels;
import static org.neox.kernel.NativeRanges.need;
import static org.neox.kernel.NativeRanges.span;

import java.nio.file.Path;

/**
 * {@link Kernels} through the native library ({@code src/main/native}): the AVX2/FMA + OpenMP CPU
 * backend or the CUDA backend, both behind the C function table {@code nk_ops}. The only class
 * with {@code native} methods. Heap arrays are pinned zero-copy for the duration of a call
 * (GetPrimitiveArrayCritical), so callers keep their flat {@code float[]} buffers.
 *
 * <p>Because a bad offset in native code would crash the JVM instead of throwing, every call
 * checks that the ranges it will touch lie inside the arrays (cheap next to the kernels).
 * The CPU backend's thread count is process-wide (OpenMP); instances are thread-safe as far as
 * the kernels go (no per-instance state besides the backend handle).
 *
 * <p>The device entry points ({@code nDev*}, {@code d*}; package-private, for the device-resident
 * path) work on an {@code nk_device}: memory the backend allocates, addressed by {@code long}
 * byte addresses that already include element offsets, filled and read by explicit uploads and
 * downloads. Each {@code dXxx} takes the parameters of its heap twin {@code nXxx} in the same
 * order, every (array, offset) pair replaced by one address (int labels and tokens too). They
 * check nothing (the caller owns the addresses: labels must be validated before the upload), and
 * throw {@link IllegalStateException} {@code "<device>: <op>: <message>"} when the device reports
 * a failure. {@link NativeDevice#cpu} (host memory: testable anywhere) and {@link NativeDevice#cuda}
 * open them.
 */
public final class NativeKernels extends NativeTableKernels {
    private static final Object LOCK = new Object();
    private static String loadError;
    private static boolean loaded;

    private final long h;
    private final String name;

    private NativeKernels(long handle) {
        this.h = handle;
        this.name = "native:" + nName(handle);
    }

    /**
     * The native CPU backend.
     *
     * @param threads OpenMP threads for every parallel kernel (process-wide); 0 keeps the default
     * @throws IllegalStateException with the reason when the library cannot be loaded
     */
    public static NativeKernels cpu(int threads) {
        ensureLoaded();
        Path lib = NativeLibrary.locate(NativeLibrary.CPU);
        return new NativeKernels(nInitCpu(lib.toString(), threads));
    }

    /**
     * The CUDA backend on {@code device} (host buffers staged through device memory per call).
     *
     * @throws IllegalStateException with the reason when the CUDA library or a device is missing
     */
    public static NativeKernels cuda(int device) {
        ensureLoaded();
        return new NativeKernels(NativeLibrary.onGpu(device,
                () -> nInitCuda(NativeLibrary.locate(NativeLibrary.CUDA).toString(), device)));
    }

    /** Null when the native CPU backend loads, else why not (for a skip message or a log line). */
    public static String unavailableReason() {
        try {
            cpu(0);
            return null;
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            return e.getMessage();
        }
    }

    static void ensureLoaded() {
        synchronized (LOCK) {
            if (!loaded && loadError == null) {
                try {
                    System.load(NativeLibrary.locate(NativeLibrary.JNI).toString());
                    loaded = true;
                } catch (IllegalStateException | UnsatisfiedLinkError e) {
                    loadError = e.getMessage();
                }
            }
            if (!loaded) {
                throw new IllegalStateException("native kernels unavailable: " + loadError);
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (k > 0) {
            need(a, aOff, transA ? span(k, m, lda) : span(m, k, lda), "a");
            need(b, bOff, transB ? span(n, k, ldb) : span(k, n, ldb), "b");
        }
        need(c, cOff, span(m, n, ldc), "c");
        nGemm(h, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    void stridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                        float beta, float[] c, int cOff, int ldc, int strideC, int count) {
        if (k > 0) {
            need(a, aOff, NativeRanges.batched(count, strideA, transA ? span(k, m, lda) : span(m, k, lda)), "a");
            need(b, bOff, NativeRanges.batched(count, strideB, transB ? span(n, k, ldb) : span(k, n, ldb)), "b");
        }
        need(c, cOff, NativeRanges.batched(count, strideC, span(m, n, ldc)), "c");
        nGemmBatched(h, transA, transB, m, n, k, alpha, a, aOff, lda, strideA, b, bOff, ldb, strideB,
                beta, c, cOff, ldc, strideC, count);
    }

    @Override
    public void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                                 float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        need(x, xOff, n, "x");
        need(w, wOff, dim, "w");
        need(b, bOff, dim, "b");
        need(out, outOff, n, "out");
        need(mean, 0, rows, "mean");
        need(rstd, 0, rows, "rstd");
        nLayerNormFwd(h, x, xOff, w, wOff, b, bOff, out, outOff, mean, rstd, rows, dim, eps);
    }

    @Override
    public void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                  float[] mean, float[] rstd, float[] dx, int dxOff,
                                  float[] dw, int dwOff, float[] db, int dbOff, int rows, int dim) {
        long n = (long) rows * dim;
        need(dout, dOff, n, "dout");
        need(x, xOff, n, "x");
        need(w, wOff, dim, "w");
        need(mean, 0, rows, "mean");
        need(rstd, 0, rows, "rstd");
        need(dx, dxOff, n, "dx");
        need(dw, dwOff, dim, "dw");
        need(db, dbOff, dim, "db");
        nLayerNormBwd(h, dout, dOff, x, xOff, w, wOff, mean, rstd, dx, dxOff, dw, dwOff, db, dbOff, rows, dim);
    }

    @Override
    public void rmsNormForward(float[] x, int xOff, float[] scale, int sOff, float[] out, int outOff,
                               float[] inv, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        need(x, xOff, n, "x");
        need(scale, sOff, dim, "scale");
        need(out, outOff, n, "out");
        need(inv, 0, rows, "inv");
        nRmsNormFwd(h, x, xOff, scale, sOff, out, outOff, inv, rows, dim, eps);
    }

    @Override
    public void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] scale, int sOff,
                                float[] inv, float[] dx, int dxOff, float[] dscale, int dsOff, int rows, int dim) {
        long n = (long) rows * dim;
        need(dout, dOff, n, "dout");
        need(x, xOff, n, "x");
        need(scale, sOff, dim, "scale");
        need(inv, 0, rows, "inv");
        need(dx, dxOff, n, "dx");
        need(dscale, dsOff, dim, "dscale");
        nRmsNormBwd(h, dout, dOff, x, xOff, scale, sOff, inv, dx, dxOff, dscale, dsOff, rows, dim);
    }

    @Override
    public void scaleNormForward(float[] x, int xOff, float[] gBuf, int gOff, float[] out, int outOff,
                                 float[] inv, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        need(x, xOff, n, "x");
        need(gBuf, gOff, 1, "g");
        need(out, outOff, n, "out");
        need(inv, 0, rows, "inv");
        nScaleNormFwd(h, x, xOff, gBuf, gOff, out, outOff, inv, rows, dim, eps);
    }

    @Override
    public void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] gBuf, int gOff,
                                  float[] inv, float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        need(dout, dOff, n, "dout");
        need(x, xOff, n, "x");
        need(gBuf, gOff, 1, "g");
        need(inv, 0, rows, "inv");
        need(dx, dxOff, n, "dx");
        need(dg, dgOff, 1, "dg");
        nScaleNormBwd(h, dout, dOff, x, xOff, gBuf, gOff, inv, dx, dxOff, dg, dgOff, rows, dim, eps);
    }

    @Override
    public void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols) {
        need(x, xOff, (long) rows * cols, "x");
        need(bias, bOff, cols, "bias");
        nBiasAdd(h, x, xOff, bias, bOff, rows, cols);
    }

    @Override
    public void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols) {
        need(dy, dyOff, (long) rows * cols, "dy");
        need(db, dbOff, cols, "db");
        nBiasGrad(h, dy, dyOff, db, dbOff, rows, cols);
    }

    @Override
    public void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n) {
        need(x, xOff, n, "x");
        need(out, outOff, n, "out");
        nActFwd(h, x, xOff, out, outOff, n, kind.ordinal());
    }

    @Override
    public void activationBackward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff,
                                   float[] dx, int dxOff, int n) {
        need(x, xOff, n, "x");
        need(dout, dOff, n, "dout");
        need(dx, dxOff, n, "dx");
        nActBwd(h, x, xOff, dout, dOff, dx, dxOff, n, kind.ordinal());
    }

    @Override
    public void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half) {
        need(fc, fcOff, 2L * rows * half, "fc");
        need(out, outOff, (long) rows * half, "out");
        nGegluFwd(h, fc, fcOff, out, outOff, rows, half);
    }

    @Override
    public void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int rows, int half) {
        need(fc, fcOff, 2L * rows * half, "fc");
        need(dout, dOff, (long) rows * half, "dout");
        need(dfc, dfcOff, 2L * rows * half, "dfc");
        nGegluBwd(h, fc, fcOff, dout, dOff, dfc, dfcOff, rows, half);
    }

    @Override
    public void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long counterBase) {
        need(x, xOff, n, "x");
        need(out, outOff, n, "out");
        nDropout(h, x, xOff, out, outOff, n, p, seed, counterBase);
    }

    @Override
    public void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int countStride, int rows,
                                 int rowStride, int cols, float p, long seed, long counterBase) {
        if (count <= 0 || rows <= 0 || cols <= 0) {
            return;
        }
        long span = NativeRanges.batched(count, countStride, span(rows, cols, rowStride));
        need(x, xOff, span, "x");
        need(out, outOff, span, "out");
        nDropout2d(h, x, xOff, out, outOff, count, countStride, rows, rowStride, cols, p, seed, counterBase);
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        need(a, aOff, n, "a");
        need(b, bOff, n, "b");
        need(out, outOff, n, "out");
        nAdd(h, a, aOff, b, bOff, out, outOff, n);
    }

    @Override
    public void fill(float[] x, int off, int n, float value) {
        need(x, off, n, "x");
        nFill(h, x, off, n, value);
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        need(x, off, n, "x");
        return nSumSq(h, x, off, n);
    }

    @Override
    public void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                       int srcStride0, int srcStride1, int dstStride0, int dstStride1) {
        if (n0 <= 0 || n1 <= 0 || n2 <= 0) {
            return;
        }
        if (srcStride0 < 0 || srcStride1 < 0 || dstStride0 < 0 || dstStride1 < 0) {
            throw new IllegalArgumentException("negative copy3d stride: " + srcStride0 + ", " + srcStride1 + ", "
                    + dstStride0 + ", " + dstStride1);
        }
        need(src, srcOff, (long) (n0 - 1) * srcStride0 + (long) (n1 - 1) * srcStride1 + n2, "src");
        need(dst, dstOff, (long) (n0 - 1) * dstStride0 + (long) (n1 - 1) * dstStride1 + n2, "dst");
        nCopy3d(h, src, srcOff, dst, dstOff, n0, n1, n2, srcStride0, srcStride1, dstStride0, dstStride1);
    }

    @Override
    public void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block) {
        if (count <= 0 || seq <= 0) {
            return;
        }
        if (block < 1) {
            throw new IllegalArgumentException("block size " + block + " must be >= 1");
        }
        need(x, off, (long) count * seq * seq, "x");
        nZeroAboveDiagonalInBlocks(h, x, off, count, seq, block);
    }

    @Override
    public void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                          int heads) {
        if (count <= 0 || rows <= 0 || cols <= 0) {
            return;
        }
        if (heads < 1) {
            throw new IllegalArgumentException("ALiBi heads " + heads + " must be >= 1");
        }
        need(x, off, (long) count * rows * cols, "x");
        need(slopes, slopesOff, Math.min(heads, count), "slopes");
        nAlibiBias(h, x, off, count, rows, cols, pos0, slopes, slopesOff, heads);
    }

    @Override
    public void embeddingForward(int[] tokens, int tokOff, float[] w, int wOff, float[] out, int outOff,
                                 int rows, int dim, int vocabStart, int vocabRows) {
        need(tokens, tokOff, rows, "tokens");
        need(w, wOff, (long) vocabRows * dim, "w");
        need(out, outOff, (long) rows * dim, "out");
        nEmbeddingFwd(h, tokens, tokOff, w, wOff, out, outOff, rows, dim, vocabStart, vocabRows);
    }

    @Override
    public void embeddingBackward(int[] tokens, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                                  int rows, int dim, int vocabStart, int vocabRows) {
        need(tokens, tokOff, rows, "tokens");
        need(dout, dOff, (long) rows * dim, "dout");
        need(dw, dwOff, (long) vocabRows * dim, "dw");
        nEmbeddingBwd(h, tokens, tokOff, dout, dOff, dw, dwOff, rows, dim, vocabStart, vocabRows);
    }

    @Override
    void rotary(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin, float sign) {
        need(x, xOff, (long) count * seq * headDim, "x");
        need(cos, 0, (long) seq * (rd / 2), "cos");
        need(sin, 0, (long) seq * (rd / 2), "sin");
        nRotary(h, x, xOff, count, seq, headDim, rd, cos, sin, sign);
    }

    @Override
    void softmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale, boolean tri) {
        long n = (long) count * sq * sq;
        need(x, xOff, n, "x");
        need(y, yOff, n, "y");
        nSoftmaxFwd(h, x, xOff, y, yOff, count, sq, scale, tri);
    }

    @Override
    void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                 int count, int sq, float scale, boolean tri) {
        long n = (long) count * sq * sq;
        need(y, yOff, n, "y");
        need(dy, dyOff, n, "dy");
        need(dx, dxOff, n, "dx");
        nSoftmaxBwd(h, y, yOff, dy, dyOff, dx, dxOff, count, sq, scale, tri);
    }

    @Override
    public void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                                    int rows, int vocab) {
        checkLabels(labels, labOff, rows, vocab);
        need(logits, lOff, (long) rows * vocab, "logits");
        need(loss, 0, rows, "loss");
        need(lse, 0, rows, "lse");
        nXentFwd(h, logits, lOff, labels, labOff, loss, lse, rows, vocab);
    }

    @Override
    public void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                                     int rows, int vocab) {
        checkLabels(labels, labOff, rows, vocab);
        need(logits, lOff, (long) rows * vocab, "logits");
        need(lse, 0, rows, "lse");
        need(dloss, 0, rows, "dloss");
        nXentBwd(h, logits, lOff, labels, labOff, lse, dloss, rows, vocab);
    }

    @Override
    public void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                                  int rows, int vocab) {
        checkLabels(labels, labOff, rows, vocab);
        need(logits, lOff, (long) rows * vocab, "logits");
        need(dloss, 0, rows, "dloss");
        need(loss, 0, rows, "loss");
        nXentFused(h, logits, lOff, labels, labOff, dloss, loss, rows, vocab);
    }

    @Override
    public void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                         float bc1, float bc2, float gradScale) {
        need(p, off, len, "p");
        need(g, off, len, "g");
        need(m, mOff, len, "m");
        need(v, mOff, len, "v");
        nAdam(h, p, g, m, v, off, mOff, len, lr, beta1, beta2, eps, weightDecay, adamW, bc1, bc2, gradScale);
    }

    // ---------------------------------------------------------------- JNI (src/main/native/jni/neox_jni.c)

    private static native long nInitCpu(String libraryPath, int threads);

    private static native long nInitCuda(String libraryPath, int device);

    private static native String nName(long h);

    private static native void nGemm(long h, boolean ta, boolean tb, int m, int n, int k, float alpha,
                                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float beta, float[] c, int cOff, int ldc);

    private static native void nGemmBatched(long h, boolean ta, boolean tb, int m, int n, int k, float alpha,
                                            float[] a, int aOff, int lda, int sA, float[] b, int bOff, int ldb, int sB,
                                            float beta, float[] c, int cOff, int ldc, int sC, int count);

    private static native void nLayerNormFwd(long h, float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                                             float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps);

    private static native void nLayerNormBwd(long h, float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                             float[] mean, float[] rstd, float[] dx, int dxOff, float[] dw, int dwOff,
                                             float[] db, int dbOff, int rows, int dim);

    private static native void nRmsNormFwd(long h, float[] x, int xOff, float[] s, int sOff, float[] out, int outOff,
                                           float[] inv, int rows, int dim, float eps);

    private static native void nRmsNormBwd(long h, float[] dout, int dOff, float[] x, int xOff, float[] s, int sOff,
                                           float[] inv, float[] dx, int dxOff, float[] ds, int dsOff, int rows, int dim);

    private static native void nScaleNormFwd(long h, float[] x, int xOff, float[] g, int gOff, float[] out, int outOff,
                                             float[] inv, int rows, int dim, float eps);

    private static native void nScaleNormBwd(long h, float[] dout, int dOff, float[] x, int xOff, float[] g, int gOff,
                                             float[] inv, float[] dx, int dxOff, float[] dg, int dgOff,
                                             int rows, int dim, float eps);

    private static native void nBiasAdd(long h, float[] x, int xOff, float[] b, int bOff, int rows, int cols);

    private static native void nBiasGrad(long h, float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols);

    private static native void nActFwd(long h, float[] x, int xOff, float[] out, int outOff, int n, int kind);

    private static native void nActBwd(long h, float[] x, int xOff, float[] dout, int dOff, float[] dx, int dxOff,
                                       int n, int kind);

    private static native void nGegluFwd(long h, float[] fc, int fcOff, float[] out, int outOff, int rows, int half);

    private static native void nGegluBwd(long h, float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff,
                                         int rows, int half);

    private static native void nDropout(long h, float[] x, int xOff, float[] out, int outOff, int n, float p,
                                        long seed, long counterBase);

    private static native void nDropout2d(long h, float[] x, int xOff, float[] out, int outOff, int count,
                                          int countStride, int rows, int rowStride, int cols, float p, long seed,
                                          long counterBase);

    private static native void nEmbeddingFwd(long h, int[] tok, int tokOff, float[] w, int wOff, float[] out, int outOff,
                                             int rows, int dim, int vocabStart, int vocabRows);

    private static native void nEmbeddingBwd(long h, int[] tok, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                                             int rows, int dim, int vocabStart, int vocabRows);

    private static native void nRotary(long h, float[] x, int xOff, int count, int seq, int headDim, int rd,
                                       float[] cos, float[] sin, float sign);

    private static native void nSoftmaxFwd(long h, float[] x, int xOff, float[] y, int yOff, int count, int sq,
                                           float scale, boolean triangle);

    private static native void nSoftmaxBwd(long h, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                           int count, int sq, float scale, boolean triangle);

    private static native void nXentFwd(long h, float[] logits, int lOff, int[] labels, int labOff, float[] loss,
                                        float[] lse, int rows, int vocab);

    private static native void nXentBwd(long h, float[] logits, int lOff, int[] labels, int labOff, float[] lse,
                                        float[] dloss, int rows, int vocab);

    private static native void nXentFused(long h, float[] logits, int lOff, int[] labels, int labOff, float[] dloss,
                                          float[] loss, int rows, int vocab);

    private static native void nAdam(long h, float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len,
                                     float lr, float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                                     float bc1, float bc2, float gradScale);

    private static native void nAdd(long h, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    private static native void nFill(long h, float[] x, int off, int n, float value);

    private static native void nCopy3d(long h, float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                                       int ss0, int ss1, int ds0, int ds1);

    private static native void nZeroAboveDiagonalInBlocks(long h, float[] x, int off, int count, int seq, int block);

    private static native void nAlibiBias(long h, float[] x, int off, int count, int rows, int cols, int pos0,
                                          float[] slopes, int slopesOff, int heads);

    private static native double nSumSq(long h, float[] x, int xOff, int n);

    // ---------------------------------------------------------------- device JNI (src/main/native/jni/neox_jni_device.c)

    static native long nDevInitCpu(String libraryPath, int threads);

    static native long nDevInitCuda(String libraryPath, int device);

    static native String nDevName(long dev);

    /** @throws IllegalStateException "device out of memory allocating N bytes (...)" */
    static native long nDevAlloc(long dev, long bytes);

    static native void nDevFree(long dev, long address);

    static native void nDevUpload(long dev, float[] src, int srcOff, long dst, int n);

    static native void nDevUploadInts(long dev, int[] src, int srcOff, long dst, int n);

    static native void nDevDownload(long dev, long src, float[] dst, int dstOff, int n);

    static native void dGemm(long dev, boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda,
                             long b, int ldb, float beta, long c, int ldc);

    static native void dGemmBatched(long dev, boolean ta, boolean tb, int m, int n, int k, float alpha, long a, int lda,
                                    int sA, long b, int ldb, int sB, float beta, long c, int ldc, int sC, int count);

    static native void dLayerNormFwd(long dev, long x, long w, long b, long out, long mean, long rstd, int rows, int dim,
                                     float eps);

    static native void dLayerNormBwd(long dev, long dout, long x, long w, long mean, long rstd, long dx, long dw, long db,
                                     int rows, int dim);

    static native void dRmsNormFwd(long dev, long x, long s, long out, long inv, int rows, int dim, float eps);

    static native void dRmsNormBwd(long dev, long dout, long x, long s, long inv, long dx, long ds, int rows, int dim);

    static native void dScaleNormFwd(long dev, long x, long g, long out, long inv, int rows, int dim, float eps);

    static native void dScaleNormBwd(long dev, long dout, long x, long g, long inv, long dx, long dg, int rows, int dim,
                                     float eps);

    static native void dBiasAdd(long dev, long x, long b, int rows, int cols);

    static native void dBiasGrad(long dev, long dy, long db, int rows, int cols);

    static native void dActFwd(long dev, long x, long out, int n, int kind);

    static native void dActBwd(long dev, long x, long dout, long dx, int n, int kind);

    static native void dGegluFwd(long dev, long fc, long out, int rows, int half);

    static native void dGegluBwd(long dev, long fc, long dout, long dfc, int rows, int half);

    static native void dDropout(long dev, long x, long out, int n, float p, long seed, long counterBase);

    static native void dDropout2d(long dev, long x, long out, int count, int countStride, int rows, int rowStride,
                                  int cols, float p, long seed, long counterBase);

    static native void dEmbeddingFwd(long dev, long tok, long w, long out, int rows, int dim, int vocabStart,
                                     int vocabRows);

    static native void dEmbeddingBwd(long dev, long tok, long dout, long dw, int rows, int dim, int vocabStart,
                                     int vocabRows);

    static native void dRotary(long dev, long x, int count, int seq, int headDim, int rd, long cos, long sin, float sign);

    static native void dSoftmaxFwd(long dev, long x, long y, int count, int sq, float scale, boolean triangle);

    static native void dSoftmaxBwd(long dev, long y, long dy, long dx, int count, int sq, float scale, boolean triangle);

    static native void dXentFwd(long dev, long logits, long labels, long loss, long lse, int rows, int vocab);

    static native void dXentBwd(long dev, long logits, long labels, long lse, long dloss, int rows, int vocab);

    static native void dXentFused(long dev, long logits, long labels, long dloss, long loss, int rows, int vocab);

    static native void dAdam(long dev, long p, long g, long m, long v, int len, float lr, float beta1, float beta2,
                             float eps, float weightDecay, boolean adamW, float bc1, float bc2, float gradScale);

    static native void dAdd(long dev, long a, long b, long out, int n);

    static native void dFill(long dev, long x, int n, float value);

    static native void dCopy3d(long dev, long src, long dst, int n0, int n1, int n2, int ss0, int ss1, int ds0, int ds1);

    static native void dZeroAboveDiagonalInBlocks(long dev, long x, int count, int seq, int block);

    static native void dAlibiBias(long dev, long x, int count, int rows, int cols, int pos0, long slopes, int heads);

    /** Waits for the device's queued work (it returns a value). */
    static native double dSumSq(long dev, long x, int n);
}
