package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device entry points of {@link NativeKernels} on the CPU device (the native CPU backend over
 * memory it allocates): every {@code d*} operation runs the same C code as its heap twin, so
 * results are compared bit for bit with {@link NativeKernels#cpu}. Operands sit at non-zero
 * element offsets inside their allocations (addresses {@code base + 4·offset}).
 */
class NativeDeviceTest {
    private static long dev;
    private static NativeKernels heap;
    private final Random rnd = new Random(5);
    private final List<Long> allocations = new ArrayList<>();

    @BeforeAll
    static void load() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        heap = NativeKernels.cpu(2);
        dev = NativeKernels.deviceCpu(2);
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

    private static float[] down(long p, int n) {
        float[] out = new float[n];
        NativeKernels.nDevDownload(dev, p, out, 0, n);
        return out;
    }

    private static long at(long base, int off) {
        return base + 4L * off;
    }

    @Test
    void namesTheDevice() {
        assertTrue(NativeKernels.nDevName(dev).startsWith("native-cpu device"), NativeKernels.nDevName(dev));
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
            assertTrue(Float.floatToIntBits(a[i]) == Float.floatToIntBits(back[i]), "element " + i);
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
        assertArrayEquals(c, down(dc, c.length), "gemm");

        int bm = 33, bn = 20, bk = 24, count = 6, sA = bm * bk + 5, sB = bn * bk + 1, sC = bm * bn + 3;
        float[] ba = rand(3 + count * sA, 1), bb = rand(count * sB, 1), bc = rand(2 + count * sC, 1);
        long dba = up(ba), dbb = up(bb), dbc = up(bc);
        heap.gemmStridedBatched(true, false, bm, bn, bk, 0.5f, ba, 3, bm, sA, bb, 0, bn, sB, 1f, bc, 2, bn, sC, count);
        NativeKernels.dGemmBatched(dev, true, false, bm, bn, bk, 0.5f, at(dba, 3), bm, sA, dbb, bn, sB, 1f,
                at(dbc, 2), bn, sC, count);
        assertArrayEquals(bc, down(dbc, bc.length), "gemmStridedBatched");
    }

    @Test
    void layerNormForwardBackwardAreBitwiseTheHeapKernels() {
        int rows = 300, dim = 200, n = rows * dim;
        float[] x = rand(n + 3, 2), w = rand(dim + 1, 1), b = rand(dim, 1), out = new float[n + 2];
        float[] mean = new float[rows], rstd = new float[rows];
        long dx = up(x), dw = up(w), db = up(b), dout = up(out), dmean = up(mean), drstd = up(rstd);
        heap.layerNormForward(x, 3, w, 1, b, 0, out, 2, mean, rstd, rows, dim, 1e-5f);
        NativeKernels.dLayerNormFwd(dev, at(dx, 3), at(dw, 1), db, at(dout, 2), dmean, drstd, rows, dim, 1e-5f);
        assertArrayEquals(out, down(dout, out.length), "layerNorm out");
        assertArrayEquals(mean, down(dmean, rows), "layerNorm mean");
        assertArrayEquals(rstd, down(drstd, rows), "layerNorm rstd");

        float[] d = rand(n, 1), gx = new float[n + 1], gw = rand(dim, 1), gb = rand(dim + 2, 1);
        long dd = up(d), dgx = up(gx), dgw = up(gw), dgb = up(gb);
        heap.layerNormBackward(d, 0, x, 3, w, 1, mean, rstd, gx, 1, gw, 0, gb, 2, rows, dim);
        NativeKernels.dLayerNormBwd(dev, dd, at(dx, 3), at(dw, 1), dmean, drstd, at(dgx, 1), dgw, at(dgb, 2), rows, dim);
        assertArrayEquals(gx, down(dgx, gx.length), "layerNorm dx");
        assertArrayEquals(gw, down(dgw, gw.length), "layerNorm dw");
        assertArrayEquals(gb, down(dgb, gb.length), "layerNorm db");
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
        assertArrayEquals(loss, down(dloss2, rows), "loss");
        assertArrayEquals(logits, down(dl, logits.length), "dlogits");
    }

    @Test
    void adamIsBitwiseTheHeapKernel() {
        int n = 70_000, off = 10, len = n - 20;
        float[] p = rand(n, 1), g = rand(n, 1), m = rand(n, 0.1f), v = rand(n, 0.1f);
        for (int i = 0; i < n; i++) {
            v[i] = Math.abs(v[i]);
        }
        long dp = up(p), dg = up(g), dm = up(m), dv = up(v);
        heap.adamStep(p, g, m, v, off, len, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, true, 0.19f, 0.0975f, 0.5f);
        NativeKernels.dAdam(dev, at(dp, off), at(dg, off), at(dm, off), at(dv, off), len, 1e-3f, 0.9f, 0.95f, 1e-8f,
                0.1f, true, 0.19f, 0.0975f, 0.5f);
        assertArrayEquals(p, down(dp, n), "p");
        assertArrayEquals(m, down(dm, n), "m");
        assertArrayEquals(v, down(dv, n), "v");
    }

    @Test
    void addCopy3dAndDropout2dAreBitwiseTheHeapKernels() {
        int n = 50_000;
        float[] a = rand(n + 3, 1), b = rand(n + 5, 1), out = rand(n + 7, 1);
        long da = up(a), db = up(b), dout = up(out);
        heap.add(a, 3, b, 5, out, 7, n);
        NativeKernels.dAdd(dev, at(da, 3), at(db, 5), at(dout, 7), n);
        assertArrayEquals(out, down(dout, out.length), "add");
        heap.add(a, 3, b, 5, a, 3, n);
        NativeKernels.dAdd(dev, at(da, 3), at(db, 5), at(da, 3), n);
        assertArrayEquals(a, down(da, a.length), "add in place");

        int heads = 5, s = 37, hd = 24;
        float[] rows = rand(3 + s * heads * hd, 1), hm = rand(2 + heads * (s * hd + 7), 1);
        long drows = up(rows), dhm = up(hm);
        heap.copy3d(rows, 3, hm, 2, heads, s, hd, hd, heads * hd, s * hd + 7, hd);
        NativeKernels.dCopy3d(dev, at(drows, 3), at(dhm, 2), heads, s, hd, hd, heads * hd, s * hd + 7, hd);
        assertArrayEquals(hm, down(dhm, hm.length), "copy3d");

        int count = 3, r = 37, cols = 29, rs = 41, cs = r * rs + 13, len = 5 + count * cs;
        float[] x = rand(len, 1), y = rand(len, 1);
        long dx = up(x), dy = up(y);
        heap.dropoutForward2d(x, 5, y, 5, count, cs, r, rs, cols, 0.3f, 42, (1L << 33) + 17);
        NativeKernels.dDropout2d(dev, at(dx, 5), at(dy, 5), count, cs, r, rs, cols, 0.3f, 42, (1L << 33) + 17);
        assertArrayEquals(y, down(dy, len), "dropout2d");
    }

    @Test
    void absurdAllocationThrowsInsteadOfCrashing() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeKernels.nDevAlloc(dev, 1L << 62));
        assertTrue(e.getMessage().contains("device out of memory allocating " + (1L << 62) + " bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeKernels.nDevAlloc(dev, -1));
    }

    @Test
    void cudaDeviceWithoutAGpuThrowsWithAReason() {
        long cuda;
        try {
            cuda = NativeKernels.deviceCuda(0);
        } catch (IllegalStateException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "no reason given");
            return;
        }
        assumeTrue(false, "a GPU is present (" + NativeKernels.nDevName(cuda) + "): nothing to check here");
    }
}
