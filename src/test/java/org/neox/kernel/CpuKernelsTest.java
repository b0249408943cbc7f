package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@link CpuKernels} kernel against {@link ReferenceKernels} on random data. Tolerance:
 * |cpu − ref| <= 2e-5·(1 + |ref|) for element-wise kernels (float vs double accumulation over
 * at most a few hundred terms; GeLU 1e-5 for the fast erf), 1e-4·(1 + |ref|) for GEMMs and reductions over long rows.
 */
class CpuKernelsTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final ReferenceKernels REF = new ReferenceKernels();
    private final Random rnd = new Random(7);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private float[] rand(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    static void close(float[] ref, float[] got, double tol) {
        assertEquals(ref.length, got.length);
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(ref[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(ref[i])), "index " + i + ": ref " + ref[i] + " got " + got[i]);
        }
    }

    @Test
    void gemmAllTransposesWithStridesAndBeta() {
        int m = 37, n = 29, k = 45, ld = 50;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = rand(3 + ld * 50, 1);
                float[] b = rand(5 + ld * 50, 1);
                float[] c1 = rand(2 + ld * m, 1);
                float[] c2 = c1.clone();
                REF.gemm(ta, tb, m, n, k, 0.7f, a, 3, ld, b, 5, ld, 0.5f, c1, 2, ld);
                CPU.gemm(ta, tb, m, n, k, 0.7f, a, 3, ld, b, 5, ld, 0.5f, c2, 2, ld);
                close(c1, c2, 1e-4);
            }
        }
    }

    @Test
    void gemmBatched() {
        int m = 16, n = 12, k = 8, count = 5;
        float[] a = rand(count * m * k + 4, 1);
        float[] b = rand(count * n * k, 1);
        float[] c1 = new float[count * m * n];
        float[] c2 = new float[count * m * n];
        REF.gemmBatched(false, true, m, n, k, 1f, a, 4, m * k, b, 0, n * k, 0f, c1, 0, m * n, count);
        CPU.gemmBatched(false, true, m, n, k, 1f, a, 4, m * k, b, 0, n * k, 0f, c2, 0, m * n, count);
        close(c1, c2, 1e-4);
    }

    @Test
    void layerNormForwardBackward() {
        int rows = 200, dim = 96;
        float[] x = rand(rows * dim, 2);
        float[] w = rand(dim, 1);
        float[] b = rand(dim, 1);
        float[] o1 = new float[rows * dim], o2 = new float[rows * dim];
        float[] m1 = new float[rows], m2 = new float[rows], r1 = new float[rows], r2 = new float[rows];
        REF.layerNormForward(x, 0, w, 0, b, 0, o1, 0, m1, r1, rows, dim, 1e-5f);
        CPU.layerNormForward(x, 0, w, 0, b, 0, o2, 0, m2, r2, rows, dim, 1e-5f);
        close(o1, o2, 2e-5);
        float[] d = rand(rows * dim, 1);
        float[] dx1 = new float[rows * dim], dx2 = new float[rows * dim];
        float[] dw1 = rand(dim, 1), dw2 = dw1.clone(), db1 = rand(dim, 1), db2 = db1.clone();
        REF.layerNormBackward(d, 0, x, 0, w, 0, m1, r1, dx1, 0, dw1, 0, db1, 0, rows, dim);
        CPU.layerNormBackward(d, 0, x, 0, w, 0, m1, r1, dx2, 0, dw2, 0, db2, 0, rows, dim);
        close(dx1, dx2, 2e-5);
        close(dw1, dw2, 1e-4);
        close(db1, db2, 1e-4);
    }

    @Test
    void rmsAndScaleNorm() {
        int rows = 20, dim = 64;
        float[] x = rand(rows * dim, 2);
        float[] s = rand(dim, 1);
        float[] o1 = new float[rows * dim], o2 = new float[rows * dim], i1 = new float[rows], i2 = new float[rows];
        REF.rmsNormForward(x, 0, s, 0, o1, 0, i1, rows, dim, 1e-8f);
        CPU.rmsNormForward(x, 0, s, 0, o2, 0, i2, rows, dim, 1e-8f);
        close(o1, o2, 2e-5);
        float[] d = rand(rows * dim, 1);
        float[] dx1 = new float[rows * dim], dx2 = new float[rows * dim], ds1 = new float[dim], ds2 = new float[dim];
        REF.rmsNormBackward(d, 0, x, 0, s, 0, i1, dx1, 0, ds1, 0, rows, dim);
        CPU.rmsNormBackward(d, 0, x, 0, s, 0, i1, dx2, 0, ds2, 0, rows, dim);
        close(dx1, dx2, 2e-5);
        close(ds1, ds2, 1e-4);
        float[] g = {1.3f};
        REF.scaleNormForward(x, 0, g, 0, o1, 0, i1, rows, dim, 1e-5f);
        CPU.scaleNormForward(x, 0, g, 0, o2, 0, i2, rows, dim, 1e-5f);
        close(o1, o2, 2e-5);
        float[] dg1 = {0.5f}, dg2 = {0.5f};
        REF.scaleNormBackward(d, 0, x, 0, g, 0, i1, dx1, 0, dg1, 0, rows, dim, 1e-5f);
        CPU.scaleNormBackward(d, 0, x, 0, g, 0, i1, dx2, 0, dg2, 0, rows, dim, 1e-5f);
        close(dx1, dx2, 2e-5);
        close(dg1, dg2, 1e-4);
    }

    @Test
    void biasGeluDropoutEmbedding() {
        int rows = 300, cols = 70, n = rows * cols;
        float[] x = rand(n, 3);
        float[] bias = rand(cols, 1);
        float[] x1 = x.clone(), x2 = x.clone();
        REF.biasAdd(x1, 0, bias, 0, rows, cols);
        CPU.biasAdd(x2, 0, bias, 0, rows, cols);
        close(x1, x2, 1e-6);
        float[] db1 = new float[cols], db2 = new float[cols];
        REF.biasGrad(x, 0, db1, 0, rows, cols);
        CPU.biasGrad(x, 0, db2, 0, rows, cols);
        close(db1, db2, 1e-4);
        for (ActivationKind gelu : new ActivationKind[] {ActivationKind.GELU, ActivationKind.GELU_TANH}) {
            float[] g1 = new float[n], g2 = new float[n];
            REF.activationForward(gelu, x, 0, g1, 0, n);
            CPU.activationForward(gelu, x, 0, g2, 0, n);
            close(g1, g2, 1e-5); // erfFast: 1.5e-7 absolute on erf, times |x| <= ~12
            float[] d = rand(n, 1);
            REF.activationBackward(gelu, x, 0, d, 0, g1, 0, n);
            CPU.activationBackward(gelu, x, 0, d, 0, g2, 0, n);
            close(g1, g2, 1e-5);
        }
        float[] d1 = new float[n], d2 = new float[n];
        REF.dropoutForward(x, 0, d1, 0, n, 0.25f, 42, 1000);
        CPU.dropoutForward(x, 0, d2, 0, n, 0.25f, 42, 1000);
        close(d1, d2, 1e-6);
        int zeros = 0;
        for (float v : d2) {
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(0.25, zeros / (double) n, 0.02);
        int[] tok = {3, 0, 9, 12, 5};
        float[] w = rand(10 * 8, 1);
        float[] e1 = new float[5 * 8], e2 = new float[5 * 8];
        REF.embeddingForward(tok, 0, w, 0, e1, 0, 5, 8, 2, 8);
        CPU.embeddingForward(tok, 0, w, 0, e2, 0, 5, 8, 2, 8);
        close(e1, e2, 0);
        float[] dw1 = new float[80], dw2 = new float[80];
        REF.embeddingBackward(tok, 0, e1, 0, dw1, 0, 5, 8, 2, 8);
        CPU.embeddingBackward(tok, 0, e1, 0, dw2, 0, 5, 8, 2, 8);
        close(dw1, dw2, 0);
    }

    @Test
    void rotaryAndInverse() {
        int count = 3, seq = 11, hd = 16, rd = 12;
        RotaryTables t = RotaryTables.of(seq, rd, 10000);
        float[] x = rand(count * seq * hd, 1);
        float[] x1 = x.clone(), x2 = x.clone();
        REF.rotaryForward(x1, 0, count, seq, hd, rd, t.cos(), t.sin());
        CPU.rotaryForward(x2, 0, count, seq, hd, rd, t.cos(), t.sin());
        close(x1, x2, 1e-6);
        CPU.rotaryBackward(x2, 0, count, seq, hd, rd, t.cos(), t.sin());
        close(x, x2, 1e-6);
    }

    @Test
    void causalSoftmaxFullAndTriangle() {
        int count = 3, sq = 33;
        int n = count * sq * sq;
        float[] x = rand(n, 4);
        float[] y1 = new float[n], y2 = new float[n], y3 = new float[n];
        REF.causalSoftmaxForward(x, 0, y1, 0, count, sq, 0.125f);
        CPU.causalSoftmaxForward(x, 0, y2, 0, count, sq, 0.125f);
        close(y1, y2, 2e-6);
        CPU.causalSoftmaxTriangleForward(x, 0, y3, 0, count, sq, 0.125f);
        close(y1, y3, 2e-6);
        float[] dy = rand(n, 1);
        float[] g1 = new float[n], g2 = new float[n], g3 = new float[n];
        REF.causalSoftmaxBackward(y1, 0, dy, 0, g1, 0, count, sq, 0.125f);
        CPU.causalSoftmaxBackward(y1, 0, dy, 0, g2, 0, count, sq, 0.125f);
        close(g1, g2, 2e-6);
        CPU.causalSoftmaxTriangleBackward(y1, 0, dy, 0, g3, 0, count, sq, 0.125f);
        close(g1, g3, 2e-6);
    }

    @Test
    void crossEntropy() {
        int rows = 17, vocab = 1000;
        float[] logits = rand(rows * vocab, 3);
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rnd.nextInt(vocab);
        }
        float[] l1 = new float[rows], l2 = new float[rows], s1 = new float[rows], s2 = new float[rows];
        REF.crossEntropyForward(logits, 0, labels, 0, l1, s1, rows, vocab);
        CPU.crossEntropyForward(logits, 0, labels, 0, l2, s2, rows, vocab);
        close(l1, l2, 1e-5);
        float[] dl = rand(rows, 1);
        dl[3] = 0f;
        float[] g1 = logits.clone(), g2 = logits.clone();
        REF.crossEntropyBackward(g1, 0, labels, 0, s1, dl, rows, vocab);
        CPU.crossEntropyBackward(g2, 0, labels, 0, s1, dl, rows, vocab);
        close(g1, g2, 2e-6);
        float[] g3 = logits.clone();
        float[] l3 = new float[rows];
        CPU.crossEntropyFused(g3, 0, labels, 0, dl, l3, rows, vocab);
        close(l1, l3, 1e-5);
        close(g1, g3, 2e-6);
    }

    @Test
    void adamAndAdamW() {
        for (boolean w : new boolean[] {false, true}) {
            int n = 1000;
            float[] p1 = rand(n, 1), g = rand(n, 1), m1 = rand(n, 0.1f), v1 = new float[n];
            for (int i = 0; i < n; i++) {
                v1[i] = Math.abs(rand(1, 0.1f)[0]);
            }
            float[] p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
            REF.adamStep(p1, g, m1, v1, 10, 10, 900, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
            CPU.adamStep(p2, g, m2, v2, 10, 10, 900, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
            close(p1, p2, 1e-6);
            close(m1, m2, 1e-6);
            close(v1, v2, 1e-6);
        }
    }
}
