package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device entry points of {@link NativeKernels} ({@code nDev*}, {@code d*}) on one device
 * against the heap kernels of the native CPU backend: operands are uploaded, the {@code d*}
 * operation runs on device memory, the result is downloaded and compared. Operands sit at
 * non-zero element offsets inside their allocations (addresses {@code base + 4·offset}).
 * Subclasses supply the device and say whether it runs the CPU backend's own code (then results
 * must match bit for bit) or not (then the tolerances of {@link KernelsContractTest}: GEMM and
 * column sums 1e-4, row statistics and element-wise 2e-5, dropout and Adam 1e-6, copies 0).
 */
abstract class DeviceContractTest {
    static NativeKernels heap;
    private final Random rnd = new Random(5);
    private final List<Long> allocations = new ArrayList<>();
    private long dev;

    /** The device under test (an nk_device handle); the test is skipped when it is unavailable. */
    abstract long device();

    /** True when the device runs the heap backend's code, so every result must be bitwise equal. */
    abstract boolean bitwise();

    @BeforeAll
    static void loadHeap() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        heap = NativeKernels.cpu(2);
    }

    @BeforeEach
    void open() {
        dev = device();
    }

    @AfterEach
    void free() {
        for (long a : allocations) {
            NativeKernels.nDevFree(dev, a);
        }
        allocations.clear();
    }

    private float[] rand(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    /** A device copy of the whole array; returns its base address. */
    private long up(float[] a) {
        long p = NativeKernels.nDevAlloc(dev, 4L * a.length);
        allocations.add(p);
        NativeKernels.nDevUpload(dev, a, 0, p, a.length);
        return p;
    }

    private long upInts(int[] a) {
        long p = NativeKernels.nDevAlloc(dev, 4L * a.length);
        allocations.add(p);
        NativeKernels.nDevUploadInts(dev, a, 0, p, a.length);
        return p;
    }

    /** Bitwise on a bitwise device, else |want − got| <= tol·(1 + |want|). */
    private void same(float[] want, float[] got, double tol, String what) {
        if (bitwise() || tol == 0) {
            assertArrayEquals(want, got, what);
            return;
        }
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(want[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(want[i])), what + " index " + i + ": want " + want[i] + " got " + got[i]);
        }
    }

    private float[] down(long p, int n) {
        float[] out = new float[n];
        NativeKernels.nDevDownload(dev, p, out, 0, n);
        return out;
    }

    static long at(long base, int off) {
        return base + 4L * off;
    }

    @Test
    void uploadDownloadRoundTripWithOffsets() {
        float[] a = rand(1000, 1);
        long p = NativeKernels.nDevAlloc(dev, 4000);
        allocations.add(p);
        NativeKernels.nDevUpload(dev, a, 100, at(p, 10), 800);
        float[] back = new float[1000];
        NativeKernels.nDevDownload(dev, at(p, 10), back, 100, 800);
        for (int i = 100; i < 900; i++) {
            assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(back[i]), "element " + i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> NativeKernels.nDevUpload(dev, a, 500, p, 501));
        assertThrows(IndexOutOfBoundsException.class, () -> NativeKernels.nDevDownload(dev, p, back, -1, 10));
    }

    @Test
    void gemmAndStridedBatchedAreBitwiseTheHeapKernels() {
        int m = 67, n = 45, k = 300, lda = k + 3, ldb = k + 5, ldc = n + 7;
        float[] a = rand(2 + lda * m, 1), b = rand(4 + ldb * n, 1), c = rand(1 + ldc * m, 1);
        long da = up(a), db = up(b), dc = up(c);
        heap.gemm(false, true, m, n, k, 0.7f, a, 2, lda, b, 4, ldb, 0.5f, c, 1, ldc);
        NativeKernels.dGemm(dev, false, true, m, n, k, 0.7f, at(da, 2), lda, at(db, 4), ldb, 0.5f, at(dc, 1), ldc);
        same(c, down(dc, c.length), 1e-4, "gemm");

        int bm = 33, bn = 20, bk = 24, count = 6, sA = bm * bk + 5, sB = bn * bk + 1, sC = bm * bn + 3;
        float[] ba = rand(3 + count * sA, 1), bb = rand(count * sB, 1), bc = rand(2 + count * sC, 1);
        long dba = up(ba), dbb = up(bb), dbc = up(bc);
        heap.gemmStridedBatched(true, false, bm, bn, bk, 0.5f, ba, 3, bm, sA, bb, 0, bn, sB, 1f, bc, 2, bn, sC, count);
        NativeKernels.dGemmBatched(dev, true, false, bm, bn, bk, 0.5f, at(dba, 3), bm, sA, dbb, bn, sB, 1f,
                at(dbc, 2), bn, sC, count);
        same(bc, down(dbc, bc.length), 1e-4, "gemmStridedBatched");
    }

    @Test
    void layerNormForwardBackwardAreBitwiseTheHeapKernels() {
        int rows = 300, dim = 200, n = rows * dim;
        float[] x = rand(n + 3, 2), w = rand(dim + 1, 1), b = rand(dim, 1), out = new float[n + 2];
        float[] mean = new float[rows], rstd = new float[rows];
        long dx = up(x), dw = up(w), db = up(b), dout = up(out), dmean = up(mean), drstd = up(rstd);
        heap.layerNormForward(x, 3, w, 1, b, 0, out, 2, mean, rstd, rows, dim, 1e-5f);
        NativeKernels.dLayerNormFwd(dev, at(dx, 3), at(dw, 1), db, at(dout, 2), dmean, drstd, rows, dim, 1e-5f);
        same(out, down(dout, out.length), 2e-5, "layerNorm out");
        same(mean, down(dmean, rows), 2e-5, "layerNorm mean");
        same(rstd, down(drstd, rows), 2e-5, "layerNorm rstd");

        float[] d = rand(n, 1), gx = new float[n + 1], gw = rand(dim, 1), gb = rand(dim + 2, 1);
        long dd = up(d), dgx = up(gx), dgw = up(gw), dgb = up(gb);
        NativeKernels.nDevUpload(dev, mean, 0, dmean, rows); // the same statistics on both sides
        NativeKernels.nDevUpload(dev, rstd, 0, drstd, rows);
        heap.layerNormBackward(d, 0, x, 3, w, 1, mean, rstd, gx, 1, gw, 0, gb, 2, rows, dim);
        NativeKernels.dLayerNormBwd(dev, dd, at(dx, 3), at(dw, 1), dmean, drstd, at(dgx, 1), dgw, at(dgb, 2), rows, dim);
        same(gx, down(dgx, gx.length), 2e-5, "layerNorm dx");
        same(gw, down(dgw, gw.length), 1e-4, "layerNorm dw");
        same(gb, down(dgb, gb.length), 1e-4, "layerNorm db");
    }

    @Test
    void crossEntropyFusedWithUploadedLabels() {
        int rows = 37, vocab = 5003;
        float[] logits = rand(4 + rows * vocab, 3), dloss = rand(rows, 1), loss = new float[rows];
        dloss[3] = 0f;
        int[] labels = new int[rows + 2];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = rnd.nextInt(vocab);
        }
        long dl = up(logits), dlab = upInts(labels), dd = up(dloss), dloss2 = up(loss);
        heap.crossEntropyFused(logits, 4, labels, 2, dloss, loss, rows, vocab);
        NativeKernels.dXentFused(dev, at(dl, 4), at(dlab, 2), dd, dloss2, rows, vocab);
        same(loss, down(dloss2, rows), 2e-5, "loss");
        same(logits, down(dl, logits.length), 2e-6, "dlogits");
    }

    @Test
    void adamIsBitwiseTheHeapKernel() {
        int n = 70_000, off = 10, len = n - 20;
        float[] p = rand(n, 1), g = rand(n, 1), m = rand(n, 0.1f), v = rand(n, 0.1f);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        long dp = up(p), dg = up(g), dm = up(m), dv = up(v);
        heap.adamStep(p, g, m, v, off, off, len, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, true, 0.19f, 0.0975f, 0.5f);
        NativeKernels.dAdam(dev, at(dp, off), at(dg, off), at(dm, off), at(dv, off), len, 1e-3f, 0.9f, 0.95f, 1e-8f,
                0.1f, true, 0.19f, 0.0975f, 0.5f);
        same(p, down(dp, n), 1e-6, "p");
        same(m, down(dm, n), 1e-6, "m");
        same(v, down(dv, n), 1e-6, "v");
    }

    /** Bitwise on a bitwise device (the same C code, thread count and order), else within 1e-12 relative. */
    @Test
    void sumOfSquaresIsTheHeapKernels() {
        for (int n : new int[] {1, 7, 100_003}) {
            float[] x = rand(n + 4, 2);
            long dx = up(x);
            double want = heap.sumOfSquares(x, 3, n), got = NativeKernels.dSumSq(dev, at(dx, 3), n);
            if (bitwise()) {
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got), "n " + n + ": " + want + " vs " + got);
            } else {
                assertTrue(Math.abs(got - want) <= 1e-12 * want, "n " + n + ": heap " + want + " device " + got);
            }
            x[3 + n / 2] = Float.POSITIVE_INFINITY;
            NativeKernels.nDevUpload(dev, x, 0, dx, x.length);
            double inf = NativeKernels.dSumSq(dev, at(dx, 3), n);
            assertTrue(!Double.isFinite(inf), "inf element gave " + inf);
        }
        assertEquals(0.0, NativeKernels.dSumSq(dev, up(new float[2]), 0));
    }

    @Test
    void addCopy3dAndDropout2dAreBitwiseTheHeapKernels() {
        int n = 50_000;
        float[] a = rand(n + 3, 1), b = rand(n + 5, 1), out = rand(n + 7, 1);
        long da = up(a), db = up(b), dout = up(out);
        heap.add(a, 3, b, 5, out, 7, n);
        NativeKernels.dAdd(dev, at(da, 3), at(db, 5), at(dout, 7), n);
        same(out, down(dout, out.length), 0, "add");
        heap.add(a, 3, b, 5, a, 3, n);
        NativeKernels.dAdd(dev, at(da, 3), at(db, 5), at(da, 3), n);
        same(a, down(da, a.length), 0, "add in place");

        int heads = 5, s = 37, hd = 24;
        float[] rows = rand(3 + s * heads * hd, 1), hm = rand(2 + heads * (s * hd + 7), 1);
        long drows = up(rows), dhm = up(hm);
        heap.copy3d(rows, 3, hm, 2, heads, s, hd, hd, heads * hd, s * hd + 7, hd);
        NativeKernels.dCopy3d(dev, at(drows, 3), at(dhm, 2), heads, s, hd, hd, heads * hd, s * hd + 7, hd);
        same(hm, down(dhm, hm.length), 0, "copy3d");

        int count = 3, r = 37, cols = 29, rs = 41, cs = r * rs + 13, len = 5 + count * cs;
        float[] x = rand(len, 1), y = rand(len, 1);
        long dx = up(x), dy = up(y);
        heap.dropoutForward2d(x, 5, y, 5, count, cs, r, rs, cols, 0.3f, 42, (1L << 33) + 17);
        NativeKernels.dDropout2d(dev, at(dx, 5), at(dy, 5), count, cs, r, rs, cols, 0.3f, 42, (1L << 33) + 17);
        same(y, down(dy, len), 1e-6, "dropout2d");
    }

    /** Exact on every device: stores, and ALiBi's separately rounded product and sum. */
    @Test
    void fillZeroAboveDiagonalAndAlibiAreExact() {
        int count = 6, seq = 77, n = count * seq * seq;
        float[] x = rand(3 + n, 1), slopes = {9f, 0.70710677f, 0.35355338f, 0.3f};
        long dx = up(x), ds = up(slopes);
        heap.zeroAboveDiagonalInBlocks(x, 3, count, seq, 16);
        NativeKernels.dZeroAboveDiagonalInBlocks(dev, at(dx, 3), count, seq, 16);
        same(x, down(dx, x.length), 0, "zeroAboveDiagonalInBlocks");
        heap.alibiBias(x, 3, count, seq - 20, seq, 20, slopes, 1, 3);
        NativeKernels.dAlibiBias(dev, at(dx, 3), count, seq - 20, seq, 20, at(ds, 1), 3);
        same(x, down(dx, x.length), 0, "alibiBias");
        heap.fill(x, 5, n - 9, 0.25f);
        NativeKernels.dFill(dev, at(dx, 5), n - 9, 0.25f);
        same(x, down(dx, x.length), 0, "fill");
    }

    /** The other operations once each, so that every d* binding passes its arguments in order. */
    @Test
    void remainingOperationsMatchTheHeapKernels() {
        int rows = 64, dim = 96, n = rows * dim;
        float[] x = rand(n + 1, 1), w = rand(dim, 1), d = rand(n, 1), o = new float[n], inv = new float[rows];
        float[] g = {1.3f}, dg = {0.5f}, dw = rand(dim, 1);
        long dx = up(x), dwt = up(w), dd = up(d), dout = up(o), dinv = up(inv), dgg = up(g), ddg = up(dg), ddw = up(dw);
        heap.rmsNormForward(x, 1, w, 0, o, 0, inv, rows, dim, 1e-8f);
        NativeKernels.dRmsNormFwd(dev, at(dx, 1), dwt, dout, dinv, rows, dim, 1e-8f);
        same(o, down(dout, n), 2e-5, "rmsNorm out");
        NativeKernels.nDevUpload(dev, inv, 0, dinv, rows);
        heap.rmsNormBackward(d, 0, x, 1, w, 0, inv, o, 0, dw, 0, rows, dim);
        NativeKernels.dRmsNormBwd(dev, dd, at(dx, 1), dwt, dinv, dout, ddw, rows, dim);
        same(o, down(dout, n), 2e-5, "rmsNorm dx");
        same(dw, down(ddw, dim), 1e-4, "rmsNorm dscale");
        heap.scaleNormForward(x, 1, g, 0, o, 0, inv, rows, dim, 1e-5f);
        NativeKernels.dScaleNormFwd(dev, at(dx, 1), dgg, dout, dinv, rows, dim, 1e-5f);
        same(o, down(dout, n), 2e-5, "scaleNorm out");
        NativeKernels.nDevUpload(dev, inv, 0, dinv, rows);
        heap.scaleNormBackward(d, 0, x, 1, g, 0, inv, o, 0, dg, 0, rows, dim, 1e-5f);
        NativeKernels.dScaleNormBwd(dev, dd, at(dx, 1), dgg, dinv, dout, ddg, rows, dim, 1e-5f);
        same(o, down(dout, n), 2e-5, "scaleNorm dx");
        same(dg, down(ddg, 1), 1e-4, "scaleNorm dg");

        heap.biasAdd(x, 1, w, 0, rows, dim);
        NativeKernels.dBiasAdd(dev, at(dx, 1), dwt, rows, dim);
        same(x, down(dx, x.length), 1e-6, "biasAdd");
        heap.biasGrad(d, 0, dw, 0, rows, dim);
        NativeKernels.dBiasGrad(dev, dd, ddw, rows, dim);
        same(dw, down(ddw, dim), 1e-4, "biasGrad");
        heap.activationForward(ActivationKind.GELU, x, 1, o, 0, n);
        NativeKernels.dActFwd(dev, at(dx, 1), dout, n, ActivationKind.GELU.ordinal());
        same(o, down(dout, n), 2e-5, "gelu");
        heap.activationBackward(ActivationKind.SWISH, x, 1, d, 0, o, 0, n);
        NativeKernels.dActBwd(dev, at(dx, 1), dd, dout, n, ActivationKind.SWISH.ordinal());
        same(o, down(dout, n), 2e-5, "swish'");
        heap.gegluForward(x, 1, o, 0, rows, dim / 2);
        NativeKernels.dGegluFwd(dev, at(dx, 1), dout, rows, dim / 2);
        same(o, down(dout, n), 2e-5, "geglu");
        heap.gegluBackward(x, 1, d, 0, o, 0, rows / 2, dim / 2);
        NativeKernels.dGegluBwd(dev, at(dx, 1), dd, dout, rows / 2, dim / 2);
        same(o, down(dout, n), 2e-5, "geglu'");
        heap.dropoutForward(x, 1, o, 0, n, 0.25f, 42, 1L << 33);
        NativeKernels.dDropout(dev, at(dx, 1), dout, n, 0.25f, 42, 1L << 33);
        same(o, down(dout, n), 1e-6, "dropout");

        int[] tok = {3, 0, 9, 12, 5, 3};
        long dtok = upInts(tok);
        heap.embeddingForward(tok, 1, x, 1, o, 0, 5, dim, 2, 8);
        NativeKernels.dEmbeddingFwd(dev, at(dtok, 1), at(dx, 1), dout, 5, dim, 2, 8);
        same(o, down(dout, n), 0, "embedding");
        heap.embeddingBackward(tok, 0, d, 0, x, 1, 6, dim, 2, 8);
        NativeKernels.dEmbeddingBwd(dev, dtok, dd, at(dx, 1), 6, dim, 2, 8);
        same(x, down(dx, x.length), 1e-6, "embedding grad");
    }

    @Test
    void rotarySoftmaxAndCrossEntropyMatchTheHeapKernels() {
        int count = 6, seq = 40, hd = 32, rd = 24;
        RotaryTables t = RotaryTables.of(seq, rd, 10000);
        float[] q = rand(2 + count * seq * hd, 1);
        long dq = up(q), dcos = up(t.cos()), dsin = up(t.sin());
        heap.rotaryForward(q, 2, count, seq, hd, rd, t.cos(), t.sin());
        NativeKernels.dRotary(dev, at(dq, 2), count, seq, hd, rd, dcos, dsin, 1f);
        same(q, down(dq, q.length), 1e-6, "rotary");

        int sq = 57, n = count * sq * sq;
        float[] x = rand(n, 4), y = rand(n, 1), dy = rand(n, 1), dx = rand(n, 1);
        long dxx = up(x), dyy = up(y), ddy = up(dy), ddx = up(dx);
        heap.causalSoftmaxTriangleForward(x, 0, y, 0, count, sq, 0.125f);
        NativeKernels.dSoftmaxFwd(dev, dxx, dyy, count, sq, 0.125f, true);
        same(y, down(dyy, n), 2e-6, "softmax triangle");
        NativeKernels.nDevUpload(dev, y, 0, dyy, n);
        heap.causalSoftmaxBackward(y, 0, dy, 0, dx, 0, count, sq, 0.125f);
        NativeKernels.dSoftmaxBwd(dev, dyy, ddy, ddx, count, sq, 0.125f, false);
        same(dx, down(ddx, n), 2e-6, "softmax'");

        int rows = 9, vocab = 1001;
        float[] logits = rand(rows * vocab, 3), loss = new float[rows], lse = new float[rows], dloss = rand(rows, 1);
        int[] labels = {5, 1000, 0, 7, 7, 300, 2, 999, 64};
        long dl = up(logits), dlab = upInts(labels), dloss2 = up(loss), dlse = up(lse), ddl = up(dloss);
        heap.crossEntropyForward(logits, 0, labels, 0, loss, lse, rows, vocab);
        NativeKernels.dXentFwd(dev, dl, dlab, dloss2, dlse, rows, vocab);
        same(loss, down(dloss2, rows), 2e-5, "xent loss");
        same(lse, down(dlse, rows), 2e-5, "xent lse");
        NativeKernels.nDevUpload(dev, lse, 0, dlse, rows);
        heap.crossEntropyBackward(logits, 0, labels, 0, lse, dloss, rows, vocab);
        NativeKernels.dXentBwd(dev, dl, dlab, dlse, ddl, rows, vocab);
        same(logits, down(dl, logits.length), 2e-6, "xent dlogits");
    }

    @Test
    void absurdAllocationThrowsInsteadOfCrashing() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeKernels.nDevAlloc(dev, 1L << 62));
        assertTrue(e.getMessage().contains("device out of memory allocating " + (1L << 62) + " bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeKernels.nDevAlloc(dev, -1));
    }
}
