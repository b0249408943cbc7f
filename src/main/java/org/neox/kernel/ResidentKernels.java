package org.neox.kernel;

/**
 * {@link Kernels} whose buffers live on a device between calls: each host {@code float[]} a
 * kernel touches gets a device copy ({@link DeviceMirrors}) that stays current across calls, so
 * a training step moves data between host and device only where host code takes a buffer back
 * ({@link #toHost}, {@link #readToHost}), instead of staging every operand of every call.
 * Kernels run on device addresses through the {@code nk_device} table of the native library
 * (CUDA; or the CPU backend, whose "device" is host memory, which makes this path testable
 * without a GPU). Token and label arrays are host-owned and uploaded per call.
 *
 * <p>Range checks are the heap kernels' ({@link NativeKernels#need}): a bad offset must throw,
 * not corrupt device memory.
 */
public final class ResidentKernels extends NativeTableKernels {
    private final NativeDevice device;
    private final DeviceMirrors mirrors;
    private Kernels hostKernels;
    /** Device staging for the int operand of a call (tokens or labels), grown as needed. */
    private long ints;
    private int intsCapacity;

    private ResidentKernels(NativeDevice device, boolean poison) {
        this.device = device;
        this.mirrors = new DeviceMirrors(device, poison);
    }

    /**
     * Kernels resident on GPU {@code gpu} of the CUDA backend.
     *
     * @throws IllegalStateException with the reason when the library or a GPU is missing
     */
    public static ResidentKernels cuda(int gpu) {
        return new ResidentKernels(NativeDevice.cuda(gpu), false);
    }

    /**
     * The same path on the native CPU backend ("device" memory is host memory). With
     * {@code poison}, host copies the device owns are filled with NaN (see {@link DeviceMirrors}),
     * which turns a missing {@link #toHost} into a visible error; for tests.
     */
    public static ResidentKernels cpu(int threads, boolean poison) {
        return new ResidentKernels(NativeDevice.cpu(threads), poison);
    }

    @Override
    public String name() {
        return "resident:" + device.name;
    }

    @Override
    public void toHost(float[] buffer) {
        mirrors.toHost(buffer);
    }

    @Override
    public void readToHost(float[] buffer, int off, int len) {
        mirrors.readToHost(buffer, off, len);
    }

    @Override
    public void toKernels(float[] buffer, int off, int len) {
        mirrors.toKernels(buffer, off, len);
    }

    @Override
    public boolean buffersOnDevice() {
        return true;
    }

    @Override
    public void toHostAfterReading(float[] buffer) {
        mirrors.toHostAfterReading(buffer);
    }

    /** Device bytes held by buffer copies (for logs and tests). */
    public long deviceBytes() {
        return mirrors.bytes();
    }

    /** {@code {uploaded, downloaded}}: bytes of buffer copies moved so far (token/label arrays not counted). */
    public long[] traffic() {
        return mirrors.traffic();
    }

    private long in(float[] a, int off, long len, String what) {
        return mirrors.use(a, off, len, false, what);
    }

    private long out(float[] a, int off, long len, String what) {
        return mirrors.use(a, off, len, true, what);
    }

    private synchronized long ints(int[] a, int off, int n) {
        NativeRanges.need(a, off, n, "ints");
        if (intsCapacity < n) {
            if (intsCapacity > 0) {
                device.free(ints);
            }
            intsCapacity = Math.max(n, 2 * intsCapacity);
            ints = device.alloc(4L * intsCapacity);
        }
        device.uploadInts(a, off, ints, n);
        return ints;
    }

    private static long span(int rows, int cols, int ld) {
        return NativeRanges.span(rows, cols, ld);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        long pa = in(a, aOff, k > 0 ? (transA ? span(k, m, lda) : span(m, k, lda)) : 0, "a");
        long pb = in(b, bOff, k > 0 ? (transB ? span(n, k, ldb) : span(k, n, ldb)) : 0, "b");
        long pc = out(c, cOff, span(m, n, ldc), "c");
        NativeKernels.dGemm(device.handle, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    @Override
    void stridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                        float beta, float[] c, int cOff, int ldc, int strideC, int count) {
        long pa = in(a, aOff, k > 0 ? NativeRanges.batched(count, strideA, transA ? span(k, m, lda) : span(m, k, lda)) : 0, "a");
        long pb = in(b, bOff, k > 0 ? NativeRanges.batched(count, strideB, transB ? span(n, k, ldb) : span(k, n, ldb)) : 0, "b");
        long pc = out(c, cOff, NativeRanges.batched(count, strideC, span(m, n, ldc)), "c");
        NativeKernels.dGemmBatched(device.handle, transA, transB, m, n, k, alpha, pa, lda, strideA, pb, ldb, strideB,
                beta, pc, ldc, strideC, count);
    }

    @Override
    public void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                                 float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        NativeKernels.dLayerNormFwd(device.handle, in(x, xOff, n, "x"), in(w, wOff, dim, "w"), in(b, bOff, dim, "b"),
                out(out, outOff, n, "out"), out(mean, 0, rows, "mean"), out(rstd, 0, rows, "rstd"), rows, dim, eps);
    }

    @Override
    public void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                  float[] mean, float[] rstd, float[] dx, int dxOff,
                                  float[] dw, int dwOff, float[] db, int dbOff, int rows, int dim) {
        long n = (long) rows * dim;
        NativeKernels.dLayerNormBwd(device.handle, in(dout, dOff, n, "dout"), in(x, xOff, n, "x"), in(w, wOff, dim, "w"),
                in(mean, 0, rows, "mean"), in(rstd, 0, rows, "rstd"), out(dx, dxOff, n, "dx"),
                out(dw, dwOff, dim, "dw"), out(db, dbOff, dim, "db"), rows, dim);
    }

    @Override
    public void rmsNormForward(float[] x, int xOff, float[] scale, int sOff, float[] out, int outOff,
                               float[] inv, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        NativeKernels.dRmsNormFwd(device.handle, in(x, xOff, n, "x"), in(scale, sOff, dim, "scale"),
                out(out, outOff, n, "out"), out(inv, 0, rows, "inv"), rows, dim, eps);
    }

    @Override
    public void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] scale, int sOff,
                                float[] inv, float[] dx, int dxOff, float[] dscale, int dsOff, int rows, int dim) {
        long n = (long) rows * dim;
        NativeKernels.dRmsNormBwd(device.handle, in(dout, dOff, n, "dout"), in(x, xOff, n, "x"),
                in(scale, sOff, dim, "scale"), in(inv, 0, rows, "inv"), out(dx, dxOff, n, "dx"),
                out(dscale, dsOff, dim, "dscale"), rows, dim);
    }

    @Override
    public void scaleNormForward(float[] x, int xOff, float[] gBuf, int gOff, float[] out, int outOff,
                                 float[] inv, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        NativeKernels.dScaleNormFwd(device.handle, in(x, xOff, n, "x"), in(gBuf, gOff, 1, "g"),
                out(out, outOff, n, "out"), out(inv, 0, rows, "inv"), rows, dim, eps);
    }

    @Override
    public void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] gBuf, int gOff,
                                  float[] inv, float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps) {
        long n = (long) rows * dim;
        NativeKernels.dScaleNormBwd(device.handle, in(dout, dOff, n, "dout"), in(x, xOff, n, "x"), in(gBuf, gOff, 1, "g"),
                in(inv, 0, rows, "inv"), out(dx, dxOff, n, "dx"), out(dg, dgOff, 1, "dg"), rows, dim, eps);
    }

    @Override
    public void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols) {
        long pb = in(bias, bOff, cols, "bias");
        NativeKernels.dBiasAdd(device.handle, out(x, xOff, (long) rows * cols, "x"), pb, rows, cols);
    }

    @Override
    public void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols) {
        NativeKernels.dBiasGrad(device.handle, in(dy, dyOff, (long) rows * cols, "dy"), out(db, dbOff, cols, "db"),
                rows, cols);
    }

    @Override
    public void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n) {
        NativeKernels.dActFwd(device.handle, in(x, xOff, n, "x"), out(out, outOff, n, "out"), n, kind.ordinal());
    }

    @Override
    public void activationBackward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff,
                                   float[] dx, int dxOff, int n) {
        NativeKernels.dActBwd(device.handle, in(x, xOff, n, "x"), in(dout, dOff, n, "dout"), out(dx, dxOff, n, "dx"),
                n, kind.ordinal());
    }

    @Override
    public void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half) {
        NativeKernels.dGegluFwd(device.handle, in(fc, fcOff, 2L * rows * half, "fc"),
                out(out, outOff, (long) rows * half, "out"), rows, half);
    }

    @Override
    public void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int rows, int half) {
        NativeKernels.dGegluBwd(device.handle, in(fc, fcOff, 2L * rows * half, "fc"),
                in(dout, dOff, (long) rows * half, "dout"), out(dfc, dfcOff, 2L * rows * half, "dfc"), rows, half);
    }

    @Override
    public void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long counterBase) {
        NativeKernels.dDropout(device.handle, in(x, xOff, n, "x"), out(out, outOff, n, "out"), n, p, seed, counterBase);
    }

    @Override
    public void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int countStride, int rows,
                                 int rowStride, int cols, float p, long seed, long counterBase) {
        if (count <= 0 || rows <= 0 || cols <= 0) {
            return;
        }
        long span = NativeRanges.batched(count, countStride, span(rows, cols, rowStride));
        NativeKernels.dDropout2d(device.handle, in(x, xOff, span, "x"), out(out, outOff, span, "out"), count, countStride,
                rows, rowStride, cols, p, seed, counterBase);
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        NativeKernels.dAdd(device.handle, in(a, aOff, n, "a"), in(b, bOff, n, "b"), out(out, outOff, n, "out"), n);
    }

    @Override
    public void fill(float[] x, int off, int n, float value) {
        long px = off == 0 && n == x.length ? mirrors.overwriteAll(x) : out(x, off, n, "x");
        NativeKernels.dFill(device.handle, px, n, value);
    }

    /** Reads the device copy (uploading the host's when the host owns it); waits for the queued kernels. */
    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        if (n <= 0) {
            return 0;
        }
        if (mirrors.onlyHostCurrent(x)) {
            // a reduction does not need the buffer on the device: sum where it is (no upload)
            return hostKernels().sumOfSquares(x, off, n);
        }
        return NativeKernels.dSumSq(device.handle, in(x, off, n, "x"), n);
    }

    /** The native CPU kernels for the reductions of buffers the host holds (created on first use). */
    private synchronized Kernels hostKernels() {
        if (hostKernels == null) {
            hostKernels = NativeKernels.cpu(0);
        }
        return hostKernels;
    }

    @Override
    public void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                       int srcStride0, int srcStride1, int dstStride0, int dstStride1) {
        if (n0 <= 0 || n1 <= 0 || n2 <= 0) {
            return;
        }
        long ps = in(src, srcOff, (long) (n0 - 1) * srcStride0 + (long) (n1 - 1) * srcStride1 + n2, "src");
        long pd = out(dst, dstOff, (long) (n0 - 1) * dstStride0 + (long) (n1 - 1) * dstStride1 + n2, "dst");
        NativeKernels.dCopy3d(device.handle, ps, pd, n0, n1, n2, srcStride0, srcStride1, dstStride0, dstStride1);
    }

    @Override
    public void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block) {
        NativeKernels.dZeroAboveDiagonalInBlocks(device.handle, out(x, off, (long) count * seq * seq, "x"),
                count, seq, block);
    }

    @Override
    public void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                          int heads) {
        long ps = in(slopes, slopesOff, heads, "slopes");
        NativeKernels.dAlibiBias(device.handle, out(x, off, (long) count * rows * cols, "x"), count, rows, cols, pos0,
                ps, heads);
    }

    @Override
    public void embeddingForward(int[] tokens, int tokOff, float[] w, int wOff, float[] out, int outOff,
                                 int rows, int dim, int vocabStart, int vocabRows) {
        long pw = in(w, wOff, (long) vocabRows * dim, "w");
        long po = out(out, outOff, (long) rows * dim, "out");
        NativeKernels.dEmbeddingFwd(device.handle, ints(tokens, tokOff, rows), pw, po, rows, dim, vocabStart, vocabRows);
    }

    @Override
    public void embeddingBackward(int[] tokens, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                                  int rows, int dim, int vocabStart, int vocabRows) {
        long pd = in(dout, dOff, (long) rows * dim, "dout");
        long pw = out(dw, dwOff, (long) vocabRows * dim, "dw");
        NativeKernels.dEmbeddingBwd(device.handle, ints(tokens, tokOff, rows), pd, pw, rows, dim, vocabStart, vocabRows);
    }

    @Override
    void rotary(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin, float sign) {
        long table = (long) seq * (rd / 2);
        NativeKernels.dRotary(device.handle, out(x, xOff, (long) count * seq * headDim, "x"), count, seq, headDim, rd,
                in(cos, 0, table, "cos"), in(sin, 0, table, "sin"), sign);
    }

    @Override
    void softmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale, boolean tri) {
        long n = (long) count * sq * sq;
        NativeKernels.dSoftmaxFwd(device.handle, in(x, xOff, n, "x"), out(y, yOff, n, "y"), count, sq, scale, tri);
    }

    @Override
    void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                 int count, int sq, float scale, boolean tri) {
        long n = (long) count * sq * sq;
        NativeKernels.dSoftmaxBwd(device.handle, in(y, yOff, n, "y"), in(dy, dyOff, n, "dy"), out(dx, dxOff, n, "dx"),
                count, sq, scale, tri);
    }

    @Override
    public void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                                    int rows, int vocab) {
        NativeRanges.checkLabels(labels, labOff, rows, vocab);
        long pl = in(logits, lOff, (long) rows * vocab, "logits");
        NativeKernels.dXentFwd(device.handle, pl, ints(labels, labOff, rows), out(loss, 0, rows, "loss"),
                out(lse, 0, rows, "lse"), rows, vocab);
    }

    @Override
    public void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                                     int rows, int vocab) {
        NativeRanges.checkLabels(labels, labOff, rows, vocab);
        long pse = in(lse, 0, rows, "lse");
        long pd = in(dloss, 0, rows, "dloss");
        NativeKernels.dXentBwd(device.handle, out(logits, lOff, (long) rows * vocab, "logits"),
                ints(labels, labOff, rows), pse, pd, rows, vocab);
    }

    @Override
    public void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                                  int rows, int vocab) {
        NativeRanges.checkLabels(labels, labOff, rows, vocab);
        long pd = in(dloss, 0, rows, "dloss");
        NativeKernels.dXentFused(device.handle, out(logits, lOff, (long) rows * vocab, "logits"),
                ints(labels, labOff, rows), pd, out(loss, 0, rows, "loss"), rows, vocab);
    }

    @Override
    public void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                         float bc1, float bc2, float gradScale) {
        long pg = in(g, off, len, "g");
        NativeKernels.dAdam(device.handle, out(p, off, len, "p"), pg, out(m, mOff, len, "m"), out(v, mOff, len, "v"), len,
                lr, beta1, beta2, eps, weightDecay, adamW, bc1, bc2, gradScale);
    }
}
