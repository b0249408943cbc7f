package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every {@link Kernels} operation of an implementation under test against {@link ReferenceKernels}
 * (double accumulation) on random data, at sizes that take the parallel paths (> 32768 elements)
 * and the GEMM's edge tiles and several K blocks. Subclasses supply the implementation.
 * Tolerances, as |got − ref| <= tol·(1 + |ref|): GEMM 1e-4 (float FMA over k <= 700 terms);
 * row reductions (norm statistics, sums of 300-1000 terms) 1e-4; element-wise 2e-5 (vector
 * expf/erff/tanhf within a few ulp, reassociated float sums); exact copies 0.
 */
abstract class KernelsContractTest {
    private final Random rnd = new Random(11);

    /** The implementation under test (the test is skipped when it is unavailable). */
    abstract Kernels kernels();

    private static final ReferenceKernels REF = new ReferenceKernels();

    float[] rand(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    static void close(float[] ref, float[] got, double tol, String what) {
        assertEquals(ref.length, got.length, what);
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(ref[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(ref[i])), what + " index " + i + ": ref " + ref[i] + " got " + got[i]);
        }
    }

    @Test
    void gemmTransposesStridesOffsetsAndBeta() {
        Kernels k = kernels();
        int[][] shapes = {{67, 45, 300}, {5, 3, 1}, {400, 40, 100}, {130, 300, 520}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], kk = s[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                int lda = (ta ? m : kk) + 3, ldb = (tb ? kk : n) + 5, ldc = n + 7;
                float[] a = rand(2 + lda * Math.max(m, kk), 1);
                float[] b = rand(4 + ldb * Math.max(n, kk), 1);
                float[] c1 = rand(1 + ldc * m, 1);
                float[] c2 = c1.clone();
                float beta = t == 3 ? 0f : 0.5f;
                if (beta == 0f) {
                    Arrays.fill(c2, 1, 1 + ldc * m, Float.NaN); // beta 0 must ignore C, even NaN
                    for (int i = 0; i < m; i++) {
                        for (int j = n; j < ldc && 1 + i * ldc + j < c2.length; j++) {
                            c2[1 + i * ldc + j] = c1[1 + i * ldc + j]; // gaps must survive
                        }
                    }
                }
                REF.gemm(ta, tb, m, n, kk, 0.7f, a, 2, lda, b, 4, ldb, beta, c1, 1, ldc);
                k.gemm(ta, tb, m, n, kk, 0.7f, a, 2, lda, b, 4, ldb, beta, c2, 1, ldc);
                close(c1, c2, 1e-4, "gemm " + m + "x" + n + "x" + kk + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    @Test
    void gemmBatchedAllTransposes() {
        Kernels k = kernels();
        int m = 33, n = 20, kk = 24, count = 6;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            float[] a = rand(count * m * kk + 4, 1);
            float[] b = rand(count * n * kk, 1);
            float[] c1 = rand(count * m * n, 1);
            float[] c2 = c1.clone();
            REF.gemmBatched(ta, tb, m, n, kk, 0.5f, a, 4, m * kk, b, 0, n * kk, 1f, c1, 0, m * n, count);
            k.gemmBatched(ta, tb, m, n, kk, 0.5f, a, 4, m * kk, b, 0, n * kk, 1f, c2, 0, m * n, count);
            close(c1, c2, 1e-4, "gemmBatched t=" + t);
        }
    }

    /**
     * Both sides run one strided batched GEMM on copies of C (random, so gaps between rows and
     * problems must survive); with beta 0 the implementation's C starts as NaN inside the products.
     */
    private void stridedBatched(Kernels k, boolean ta, boolean tb, int m, int n, int kk, int lda, int sA, int ldb, int sB,
                                float beta, int ldc, int sC, int count, float[] a, int aOff, float[] b, int bOff,
                                float[] c, int cOff, String what) {
        float[] c1 = c.clone();
        float[] c2 = c.clone();
        if (beta == 0f) {
            for (int p = 0; p < count; p++) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c2, cOff + p * sC + i * ldc, cOff + p * sC + i * ldc + n, Float.NaN);
                }
            }
        }
        REF.gemmStridedBatched(ta, tb, m, n, kk, 0.7f, a, aOff, lda, sA, b, bOff, ldb, sB, beta, c1, cOff, ldc, sC, count);
        k.gemmStridedBatched(ta, tb, m, n, kk, 0.7f, a, aOff, lda, sA, b, bOff, ldb, sB, beta, c2, cOff, ldc, sC, count);
        close(c1, c2, 1e-4, what);
    }

    /** Odd sizes, padded leading dims, gaps between problems, count 1, uneven and parallel counts. */
    @Test
    void gemmStridedBatchedTransposesLeadingDimsAndCounts() {
        Kernels k = kernels();
        int[][] shapes = {{7, 5, 3}, {67, 45, 130}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], kk = sh[2];
            for (int count : new int[] {1, 3, 9}) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                    int lda = (ta ? m : kk) + 3, ldb = (tb ? kk : n) + 2, ldc = n + 5;
                    int sA = lda * Math.max(m, kk) + 11, sB = ldb * Math.max(n, kk) + 1, sC = ldc * m + 7;
                    float[] a = rand(2 + count * sA, 1), b = rand(3 + count * sB, 1), c = rand(1 + count * sC, 1);
                    float beta = t == 2 ? 0f : 0.5f;
                    stridedBatched(k, ta, tb, m, n, kk, lda, sA, ldb, sB, beta, ldc, sC, count, a, 2, b, 3, c, 1,
                            "strided batched " + m + "x" + n + "x" + kk + " count " + count + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    /**
     * The calls of block-triangular attention over {@code count} score matrices {@code [s, s]} and
     * heads {@code [s, hd]}, per block of query rows {@code [i0, i1)}: QKᵀ (NT), P·V (NN) and
     * the accumulation of Pᵀ·dh into rows {@code [0, i1)} (TN, beta 1); s is not a multiple of
     * the block.
     */
    @Test
    void gemmStridedBatchedAttentionBlocks() {
        Kernels k = kernels();
        int count = 24, s = 130, hd = 64, blk = 32;
        float[] q = rand(count * s * hd, 1), kv = rand(count * s * hd, 1), p = rand(count * s * s, 1);
        float[] heads = rand(count * s * hd, 1), scores = rand(count * s * s, 1);
        for (int i0 = 0; i0 < s; i0 += blk) {
            int i1 = Math.min(s, i0 + blk);
            stridedBatched(k, false, true, i1 - i0, i1, hd, hd, s * hd, hd, s * hd, 0f, s, s * s, count,
                    q, i0 * hd, kv, 0, scores, i0 * s, "QK^T block " + i0);
            stridedBatched(k, false, false, i1 - i0, hd, i1, s, s * s, hd, s * hd, 0f, hd, s * hd, count,
                    p, i0 * s, kv, 0, heads, i0 * hd, "PV block " + i0);
            stridedBatched(k, true, false, i1, hd, i1 - i0, s, s * s, hd, s * hd, 1f, hd, s * hd, count,
                    p, i0 * s, q, i0 * hd, heads, 0, "P^T dh block " + i0);
        }
    }

    @Test
    void layerNormForwardBackward() {
        Kernels k = kernels();
        int rows = 300, dim = 200;
        float[] x = rand(rows * dim + 3, 2);
        float[] w = rand(dim, 1), b = rand(dim, 1);
        float[] o1 = new float[rows * dim], o2 = new float[rows * dim];
        float[] m1 = new float[rows], m2 = new float[rows], r1 = new float[rows], r2 = new float[rows];
        REF.layerNormForward(x, 3, w, 0, b, 0, o1, 0, m1, r1, rows, dim, 1e-5f);
        k.layerNormForward(x, 3, w, 0, b, 0, o2, 0, m2, r2, rows, dim, 1e-5f);
        close(o1, o2, 2e-5, "ln out");
        close(m1, m2, 2e-5, "ln mean");
        close(r1, r2, 2e-5, "ln rstd");
        float[] d = rand(rows * dim, 1);
        float[] dx1 = new float[rows * dim], dx2 = new float[rows * dim];
        float[] dw1 = rand(dim, 1), dw2 = dw1.clone(), db1 = rand(dim, 1), db2 = db1.clone();
        REF.layerNormBackward(d, 0, x, 3, w, 0, m1, r1, dx1, 0, dw1, 0, db1, 0, rows, dim);
        k.layerNormBackward(d, 0, x, 3, w, 0, m1, r1, dx2, 0, dw2, 0, db2, 0, rows, dim);
        close(dx1, dx2, 2e-5, "ln dx");
        close(dw1, dw2, 1e-4, "ln dw");
        close(db1, db2, 1e-4, "ln db");
    }

    @Test
    void rmsAndScaleNorm() {
        Kernels k = kernels();
        int rows = 40, dim = 96;
        float[] x = rand(rows * dim, 2), s = rand(dim, 1);
        float[] o1 = new float[rows * dim], o2 = new float[rows * dim], i1 = new float[rows], i2 = new float[rows];
        REF.rmsNormForward(x, 0, s, 0, o1, 0, i1, rows, dim, 1e-8f);
        k.rmsNormForward(x, 0, s, 0, o2, 0, i2, rows, dim, 1e-8f);
        close(o1, o2, 2e-5, "rms out");
        float[] d = rand(rows * dim, 1);
        float[] dx1 = new float[rows * dim], dx2 = new float[rows * dim], ds1 = new float[dim], ds2 = new float[dim];
        REF.rmsNormBackward(d, 0, x, 0, s, 0, i1, dx1, 0, ds1, 0, rows, dim);
        k.rmsNormBackward(d, 0, x, 0, s, 0, i1, dx2, 0, ds2, 0, rows, dim);
        close(dx1, dx2, 2e-5, "rms dx");
        close(ds1, ds2, 1e-4, "rms dscale");
        float[] g = {1.3f};
        REF.scaleNormForward(x, 0, g, 0, o1, 0, i1, rows, dim, 1e-5f);
        k.scaleNormForward(x, 0, g, 0, o2, 0, i2, rows, dim, 1e-5f);
        close(o1, o2, 2e-5, "scalenorm out");
        float[] dg1 = {0.5f}, dg2 = {0.5f};
        REF.scaleNormBackward(d, 0, x, 0, g, 0, i1, dx1, 0, dg1, 0, rows, dim, 1e-5f);
        k.scaleNormBackward(d, 0, x, 0, g, 0, i1, dx2, 0, dg2, 0, rows, dim, 1e-5f);
        close(dx1, dx2, 2e-5, "scalenorm dx");
        close(dg1, dg2, 1e-4, "scalenorm dg");
    }

    @Test
    void biasAddAndGrad() {
        Kernels k = kernels();
        int rows = 600, cols = 70, n = rows * cols;
        float[] x = rand(n, 3), bias = rand(cols, 1);
        float[] x1 = x.clone(), x2 = x.clone();
        REF.biasAdd(x1, 0, bias, 0, rows, cols);
        k.biasAdd(x2, 0, bias, 0, rows, cols);
        close(x1, x2, 1e-6, "biasAdd");
        float[] db1 = rand(cols, 1), db2 = db1.clone();
        REF.biasGrad(x, 0, db1, 0, rows, cols);
        k.biasGrad(x, 0, db2, 0, rows, cols);
        close(db1, db2, 1e-4, "biasGrad");
    }

    /** Every MLP activation kind, forward and backward, with aliasing; inputs cover softplus's linear range. */
    @Test
    void activationsMatchTheReference() {
        Kernels k = kernels();
        int n = 40_000;
        float[] x = rand(n, 4);
        x[0] = 0f;
        x[1] = 25f;
        x[2] = -95f;
        for (ActivationKind kind : ActivationKind.values()) {
            float[] a1 = new float[n], a2 = x.clone();
            REF.activationForward(kind, x, 0, a1, 0, n);
            k.activationForward(kind, a2, 0, a2, 0, n); // out aliases x
            close(a1, a2, 2e-5, kind + " forward");
            float[] d = rand(n, 1), d2 = d.clone();
            REF.activationBackward(kind, x, 0, d, 0, a1, 0, n);
            k.activationBackward(kind, x, 0, d2, 0, d2, 0, n); // dx aliases dout
            close(a1, d2, 2e-5, kind + " backward");
        }
    }

    @Test
    void gegluMatchesTheReference() {
        Kernels k = kernels();
        int rows = 300, half = 70;
        float[] fc = rand(3 + 2 * rows * half, 2);
        float[] o1 = new float[rows * half + 1], o2 = new float[rows * half + 1];
        REF.gegluForward(fc, 3, o1, 1, rows, half);
        k.gegluForward(fc, 3, o2, 1, rows, half);
        close(o1, o2, 2e-5, "geglu forward");
        float[] d = rand(rows * half, 1);
        float[] g1 = new float[2 * rows * half + 2], g2 = new float[2 * rows * half + 2];
        REF.gegluBackward(fc, 3, d, 0, g1, 2, rows, half);
        k.gegluBackward(fc, 3, d, 0, g2, 2, rows, half);
        close(g1, g2, 2e-5, "geglu backward");
    }

    @Test
    void dropoutMatchesTheJavaMask() {
        Kernels k = kernels();
        int n = 50_000;
        float[] x = rand(n, 1);
        float[] d1 = new float[n], d2 = new float[n];
        REF.dropoutForward(x, 0, d1, 0, n, 0.25f, 42, 1L << 33);
        k.dropoutForward(x, 0, d2, 0, n, 0.25f, 42, 1L << 33);
        close(d1, d2, 1e-6, "dropout");
        REF.dropoutBackward(x, 0, d1, 0, n, 0f, 7, 0);
        k.dropoutBackward(x, 0, d2, 0, n, 0f, 7, 0);
        close(d1, d2, 0, "dropout p=0");
    }

    /**
     * The strided region variant: bit for bit the flat call over the enclosing buffer on the
     * region (same counters), the gaps untouched, within 1e-6 of the reference (which scales in
     * double), in place too. Odd sizes, count > 1, row and count strides with gaps; the second
     * shape takes the parallel path.
     */
    @Test
    void dropout2dIsTheFlatMaskOnItsRegion() {
        Kernels k = kernels();
        int[][] shapes = {{3, 37, 29, 41, 37 * 41 + 13}, {4, 130, 129, 200, 130 * 200}};
        for (int[] sh : shapes) {
            int count = sh[0], rows = sh[1], cols = sh[2], rs = sh[3], cs = sh[4], off = 5;
            int len = off + count * cs + 7;
            float[] x = rand(len, 1);
            long base = (1L << 33) + 17;
            float[] flat = new float[len];
            k.dropoutForward(x, off, flat, off, len - off, 0.3f, 42, base);
            float[] got = rand(len, 1);
            float[] before = got.clone();
            k.dropoutForward2d(x, off, got, off, count, cs, rows, rs, cols, 0.3f, 42, base);
            float[] want = onRegion(before, flat, off, count, cs, rows, rs, cols);
            float[] ref = before.clone();
            REF.dropoutForward2d(x, off, ref, off, count, cs, rows, rs, cols, 0.3f, 42, base);
            close(want, got, 0, "dropout2d vs flat " + Arrays.toString(sh));
            close(ref, got, 1e-6, "dropout2d vs reference " + Arrays.toString(sh));
            float[] inPlace = x.clone();
            k.dropoutBackward2d(inPlace, off, inPlace, off, count, cs, rows, rs, cols, 0.3f, 42, base);
            float[] wantInPlace = onRegion(x, flat, off, count, cs, rows, rs, cols);
            close(wantInPlace, inPlace, 0, "dropout2d backward in place " + Arrays.toString(sh));
            float[] copy = before.clone();
            k.dropoutForward2d(x, off, copy, off, count, cs, rows, rs, cols, 0f, 7, 0);
            float[] wantCopy = onRegion(before, x, off, count, cs, rows, rs, cols);
            close(wantCopy, copy, 0, "dropout2d p=0 " + Arrays.toString(sh));
        }
    }

    /** A copy of outside with the strided region taken from region. */
    private static float[] onRegion(float[] outside, float[] region, int off, int count, int cs, int rows, int rs,
                                    int cols) {
        float[] r = outside.clone();
        for (int c = 0; c < count; c++) {
            for (int i = 0; i < rows; i++) {
                int o = off + c * cs + i * rs;
                System.arraycopy(region, o, r, o, cols);
            }
        }
        return r;
    }

    /** Bitwise (one float add per element) at an offset, over the parallel threshold, and in place on a and on b. */
    @Test
    void addMatchesTheReferenceAndMayAlias() {
        Kernels k = kernels();
        int n = 70_000;
        float[] a = rand(n + 3, 1), b = rand(n + 5, 1);
        float[] o1 = rand(n + 7, 1), o2 = o1.clone();
        REF.add(a, 3, b, 5, o1, 7, n);
        k.add(a, 3, b, 5, o2, 7, n);
        close(o1, o2, 0, "add");
        float[] a1 = a.clone(), a2 = a.clone();
        REF.add(a1, 3, b, 5, a1, 3, n);
        k.add(a2, 3, b, 5, a2, 3, n);
        close(a1, a2, 0, "add in place on a");
        float[] b1 = b.clone(), b2 = b.clone();
        REF.add(a, 3, b1, 5, b1, 5, n);
        k.add(a, 3, b2, 5, b2, 5, n);
        close(b1, b2, 0, "add in place on b");
    }

    /** Double accumulation in the backend's order: within 1e-12 relative of the reference, at offsets. */
    @Test
    void sumOfSquaresMatchesTheReferenceInDouble() {
        Kernels k = kernels();
        for (int n : new int[] {0, 1, 7, 100_003}) {
            float[] x = rand(n + 9, 3);
            for (int off : new int[] {0, 5}) {
                double want = REF.sumOfSquares(x, off, n);
                double got = k.sumOfSquares(x, off, n);
                assertTrue(Math.abs(got - want) <= 1e-12 * want, "n " + n + " off " + off + ": ref " + want + " got " + got);
            }
        }
        assertEquals(0.0, k.sumOfSquares(new float[3], 3, 0), "empty range at the end");
        float[] big = {3e38f, 3e38f};
        double sq = (double) big[0] * big[0];
        assertEquals(2 * sq, k.sumOfSquares(big, 0, 2), 1e-12 * sq, "squares beyond float range stay finite in double");
    }

    /** An inf or NaN element (also past the parallel threshold and in a tail) makes the result non-finite. */
    @Test
    void sumOfSquaresPropagatesInfAndNaN() {
        Kernels k = kernels();
        for (int n : new int[] {7, 100_003}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int at : new int[] {0, n - 1, n / 2}) {
                    float[] x = rand(n + 2, 1);
                    x[2 + at] = bad;
                    double s = k.sumOfSquares(x, 2, n);
                    assertTrue(!Double.isFinite(s), bad + " at " + at + " of " + n + " gave " + s);
                    if (Float.isNaN(bad)) {
                        assertTrue(Double.isNaN(s), "NaN at " + at + " of " + n + " gave " + s);
                    }
                }
            }
        }
    }

    @Test
    void fillSetsOnlyItsRange() {
        Kernels k = kernels();
        float[] x1 = rand(70_010, 1), x2 = x1.clone();
        REF.fill(x1, 4, 70_000, -0.375f);
        k.fill(x2, 4, 70_000, -0.375f);
        close(x1, x2, 0, "fill");
    }

    /**
     * Rows {@code [s, heads·hd]} to heads {@code [heads, s, hd]} into a destination with gaps
     * between the head matrices, and a larger strided copy over the parallel threshold; the
     * destination starts random, so untouched entries must survive.
     */
    @Test
    void copy3dStridedRegions() {
        Kernels k = kernels();
        int[][] cases = { // n0, n1, n2, ss0, ss1, ds0, ds1
            {5, 37, 24, 24, 5 * 24, 37 * 24 + 7, 24},
            {8, 130, 70, 70, 8 * 70 + 3, 130 * 72, 72},
        };
        for (int[] c : cases) {
            int n0 = c[0], n1 = c[1], n2 = c[2];
            int srcLen = 3 + (n0 - 1) * c[3] + (n1 - 1) * c[4] + n2 + 4;
            int dstLen = 2 + (n0 - 1) * c[5] + (n1 - 1) * c[6] + n2 + 5;
            float[] src = rand(srcLen, 1);
            float[] d1 = rand(dstLen, 1), d2 = d1.clone();
            REF.copy3d(src, 3, d1, 2, n0, n1, n2, c[3], c[4], c[5], c[6]);
            k.copy3d(src, 3, d2, 2, n0, n1, n2, c[3], c[4], c[5], c[6]);
            close(d1, d2, 0, "copy3d " + Arrays.toString(c));
        }
    }

    /** Blocks that divide seq, that do not, of one row, and wider than seq (the whole upper triangle). */
    @Test
    void zeroAboveDiagonalInBlocks() {
        Kernels k = kernels();
        int[][] cases = {{5, 77, 16}, {8, 128, 32}, {3, 20, 1}, {2, 19, 64}}; // count, seq, block
        for (int[] c : cases) {
            int count = c[0], seq = c[1], block = c[2];
            float[] x1 = rand(3 + count * seq * seq + 2, 1), x2 = x1.clone();
            REF.zeroAboveDiagonalInBlocks(x1, 3, count, seq, block);
            k.zeroAboveDiagonalInBlocks(x2, 3, count, seq, block);
            close(x1, x2, 0, "zeroAboveDiagonalInBlocks " + Arrays.toString(c));
        }
    }

    /** Query rows from position pos0 (a trailing block), more matrices than heads, slopes at an offset. */
    @Test
    void alibiBiasIsBitwiseTheFloatLoop() {
        Kernels k = kernels();
        int[][] cases = {{6, 50, 77, 27}, {8, 128, 128, 0}, {4, 16, 40, 3}}; // count, rows, cols, pos0
        float[] slopes = {9f, 0.70710677f, 0.35355338f, 0.3f, 0.1f, 9f}; // inexact products: an FMA would differ
        for (int[] c : cases) {
            int count = c[0], rows = c[1], cols = c[2], pos0 = c[3];
            float[] x1 = rand(5 + count * rows * cols + 1, 3), x2 = x1.clone();
            REF.alibiBias(x1, 5, count, rows, cols, pos0, slopes, 1, 4);
            k.alibiBias(x2, 5, count, rows, cols, pos0, slopes, 1, 4);
            close(x1, x2, 0, "alibiBias " + Arrays.toString(c));
        }
    }

    @Test
    void embeddingVocabParallel() {
        Kernels k = kernels();
        int[] tok = {3, 0, 9, 12, 5, 3};
        float[] w = rand(10 * 8, 1);
        float[] e1 = new float[6 * 8], e2 = rand(6 * 8, 1);
        REF.embeddingForward(tok, 0, w, 0, e1, 0, 6, 8, 2, 8);
        k.embeddingForward(tok, 0, w, 0, e2, 0, 6, 8, 2, 8);
        close(e1, e2, 0, "embedding");
        float[] dw1 = rand(80, 1), dw2 = dw1.clone();
        REF.embeddingBackward(tok, 0, e1, 0, dw1, 0, 6, 8, 2, 8);
        k.embeddingBackward(tok, 0, e1, 0, dw2, 0, 6, 8, 2, 8);
        close(dw1, dw2, 1e-6, "embedding grad");
    }

    @Test
    void rotaryAndInverse() {
        Kernels k = kernels();
        int count = 24, seq = 64, hd = 32, rd = 24;
        RotaryTables t = RotaryTables.of(seq, rd, 10000);
        float[] x = rand(count * seq * hd + 5, 1);
        float[] x1 = x.clone(), x2 = x.clone();
        REF.rotaryForward(x1, 5, count, seq, hd, rd, t.cos(), t.sin());
        k.rotaryForward(x2, 5, count, seq, hd, rd, t.cos(), t.sin());
        close(x1, x2, 1e-6, "rotary");
        k.rotaryBackward(x2, 5, count, seq, hd, rd, t.cos(), t.sin());
        close(x, x2, 1e-6, "rotary inverse");
    }

    @Test
    void causalSoftmaxFullAndTriangle() {
        Kernels k = kernels();
        int count = 6, sq = 97, n = count * sq * sq;
        float[] x = rand(n, 4);
        float[] y1 = new float[n], y2 = x.clone(), y3 = new float[n];
        REF.causalSoftmaxForward(x, 0, y1, 0, count, sq, 0.125f);
        k.causalSoftmaxForward(y2, 0, y2, 0, count, sq, 0.125f); // y aliases x
        close(y1, y2, 2e-6, "softmax");
        k.causalSoftmaxTriangleForward(x, 0, y3, 0, count, sq, 0.125f);
        close(y1, y3, 2e-6, "softmax triangle");
        float[] dy = rand(n, 1);
        float[] g1 = new float[n], g2 = dy.clone(), g3 = new float[n];
        REF.causalSoftmaxBackward(y1, 0, dy, 0, g1, 0, count, sq, 0.125f);
        k.causalSoftmaxBackward(y1, 0, g2, 0, g2, 0, count, sq, 0.125f); // dx aliases dy
        close(g1, g2, 2e-6, "softmax'");
        k.causalSoftmaxTriangleBackward(y1, 0, dy, 0, g3, 0, count, sq, 0.125f);
        close(g1, g3, 2e-6, "softmax' triangle");
    }

    @Test
    void crossEntropy() {
        Kernels k = kernels();
        int rows = 37, vocab = 5003;
        float[] logits = rand(rows * vocab, 3);
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rnd.nextInt(vocab);
        }
        float[] l1 = new float[rows], l2 = new float[rows], s1 = new float[rows], s2 = new float[rows];
        REF.crossEntropyForward(logits, 0, labels, 0, l1, s1, rows, vocab);
        k.crossEntropyForward(logits, 0, labels, 0, l2, s2, rows, vocab);
        close(l1, l2, 2e-5, "xent loss");
        close(s1, s2, 2e-5, "xent lse");
        float[] dl = rand(rows, 1);
        dl[3] = 0f;
        float[] g1 = logits.clone(), g2 = logits.clone();
        REF.crossEntropyBackward(g1, 0, labels, 0, s1, dl, rows, vocab);
        k.crossEntropyBackward(g2, 0, labels, 0, s1, dl, rows, vocab);
        close(g1, g2, 2e-6, "xent dlogits");
        float[] g3 = logits.clone(), l3 = new float[rows];
        k.crossEntropyFused(g3, 0, labels, 0, dl, l3, rows, vocab);
        close(l1, l3, 2e-5, "xent fused loss");
        close(g1, g3, 2e-6, "xent fused dlogits");
    }

    @Test
    void adamAndAdamW() {
        Kernels k = kernels();
        for (boolean w : new boolean[] {false, true}) {
            int n = 70_000;
            float[] p1 = rand(n, 1), g = rand(n, 1), m1 = rand(n, 0.1f), v1 = rand(n, 0.1f);
            for (int i = 0; i < n; i++) {
                v1[i] = Math.abs(v1[i]);
            }
            float[] p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
            // moments at another offset than the parameters (ZeRO's partition of them)
            REF.adamStep(p1, g, m1, v1, 10, 3, n - 20, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
            k.adamStep(p2, g, m2, v2, 10, 3, n - 20, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
            close(p1, p2, 1e-6, "adam p");
            close(m1, m2, 1e-6, "adam m");
            close(v1, v2, 1e-6, "adam v");
        }
    }
}
