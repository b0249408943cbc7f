package org.neox.model;

import org.neox.kernel.ActivationKind;
import org.neox.kernel.Kernels;

/**
 * Benchmark decorator: times every kernel call into three buckets. GEMMs with a dimension equal
 * to the head size are attention GEMMs; softmax and rotary count as attention too.
 */
final class TimedKernels implements Kernels {
    final Kernels k;
    private final int headDim;
    long gemmNs;
    long attentionNs;
    long elementwiseNs;
    double gemmFlops;
    double attentionFlops;

    TimedKernels(Kernels k, int headDim) {
        this.k = k;
        this.headDim = headDim;
    }

    final java.util.Map<String, Long> elementwise = new java.util.TreeMap<>();

    void reset() {
        gemmNs = attentionNs = elementwiseNs = 0;
        gemmFlops = attentionFlops = 0;
        elementwise.clear();
    }

    private void ew(String name, long t0) {
        long dt = t() - t0;
        elementwiseNs += dt;
        elementwise.merge(name, dt, Long::sum);
    }

    private long t() {
        return System.nanoTime();
    }

    @Override
    public String name() {
        return "timed " + k.name();
    }

    @Override
    public void gemm(boolean ta, boolean tb, int m, int n, int kk, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        long t0 = t();
        k.gemm(ta, tb, m, n, kk, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        long dt = t() - t0;
        if (m == headDim || n == headDim || kk == headDim) {
            attentionNs += dt;
            attentionFlops += 2.0 * m * n * kk;
        } else {
            gemmNs += dt;
            gemmFlops += 2.0 * m * n * kk;
        }
    }

    @Override
    public void gemmStridedBatched(boolean ta, boolean tb, int m, int n, int kk, float alpha, float[] a, int aOff,
                                   int lda, int sa, float[] b, int bOff, int ldb, int sb, float beta, float[] c,
                                   int cOff, int ldc, int sc, int count) {
        long t0 = t();
        k.gemmStridedBatched(ta, tb, m, n, kk, alpha, a, aOff, lda, sa, b, bOff, ldb, sb, beta, c, cOff, ldc, sc, count);
        attentionNs += t() - t0;
        attentionFlops += 2.0 * m * n * kk * count;
    }

    @Override
    public void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff, float[] out, int outOff,
                                 float[] mean, float[] rstd, int rows, int dim, float eps) {
        long t0 = t();
        k.layerNormForward(x, xOff, w, wOff, b, bOff, out, outOff, mean, rstd, rows, dim, eps);
        ew("layerNormForward", t0);
    }

    @Override
    public void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff, float[] mean,
                                  float[] rstd, float[] dx, int dxOff, float[] dw, int dwOff, float[] db, int dbOff,
                                  int rows, int dim) {
        long t0 = t();
        k.layerNormBackward(dout, dOff, x, xOff, w, wOff, mean, rstd, dx, dxOff, dw, dwOff, db, dbOff, rows, dim);
        ew("layerNormBackward", t0);
    }

    @Override
    public void rmsNormForward(float[] x, int xOff, float[] s, int sOff, float[] out, int outOff, float[] inv, int rows,
                               int dim, float eps) {
        long t0 = t();
        k.rmsNormForward(x, xOff, s, sOff, out, outOff, inv, rows, dim, eps);
        ew("rmsNormForward", t0);
    }

    @Override
    public void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] s, int sOff, float[] inv,
                                float[] dx, int dxOff, float[] ds, int dsOff, int rows, int dim) {
        long t0 = t();
        k.rmsNormBackward(dout, dOff, x, xOff, s, sOff, inv, dx, dxOff, ds, dsOff, rows, dim);
        ew("rmsNormBackward", t0);
    }

    @Override
    public void scaleNormForward(float[] x, int xOff, float[] g, int gOff, float[] out, int outOff, float[] inv,
                                 int rows, int dim, float eps) {
        long t0 = t();
        k.scaleNormForward(x, xOff, g, gOff, out, outOff, inv, rows, dim, eps);
        ew("scaleNormForward", t0);
    }

    @Override
    public void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] g, int gOff, float[] inv,
                                  float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps) {
        long t0 = t();
        k.scaleNormBackward(dout, dOff, x, xOff, g, gOff, inv, dx, dxOff, dg, dgOff, rows, dim, eps);
        ew("scaleNormBackward", t0);
    }

    @Override
    public void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols) {
        long t0 = t();
        k.biasAdd(x, xOff, bias, bOff, rows, cols);
        ew("biasAdd", t0);
    }

    @Override
    public void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols) {
        long t0 = t();
        k.biasGrad(dy, dyOff, db, dbOff, rows, cols);
        ew("biasGrad", t0);
    }

    @Override
    public void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n) {
        long t0 = t();
        k.activationForward(kind, x, xOff, out, outOff, n);
        ew("activationForward", t0);
    }

    @Override
    public void activationBackward(ActivationKind kind, float[] x, int xOff, float[] d, int dOff, float[] dx, int dxOff, int n) {
        long t0 = t();
        k.activationBackward(kind, x, xOff, d, dOff, dx, dxOff, n);
        ew("activationBackward", t0);
    }

    @Override
    public void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half) {
        long t0 = t();
        k.gegluForward(fc, fcOff, out, outOff, rows, half);
        ew("gegluForward", t0);
    }

    @Override
    public void gegluBackward(float[] fc, int fcOff, float[] d, int dOff, float[] dfc, int dfcOff, int rows, int half) {
        long t0 = t();
        k.gegluBackward(fc, fcOff, d, dOff, dfc, dfcOff, rows, half);
        ew("gegluBackward", t0);
    }

    @Override
    public void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long base) {
        long t0 = t();
        k.dropoutForward(x, xOff, out, outOff, n, p, seed, base);
        ew("dropoutForward", t0);
    }

    @Override
    public void dropoutBackward(float[] dy, int dyOff, float[] dx, int dxOff, int n, float p, long seed, long base) {
        long t0 = t();
        k.dropoutBackward(dy, dyOff, dx, dxOff, n, p, seed, base);
        ew("dropoutBackward", t0);
    }

    @Override
    public void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int cs, int rows, int rs,
                                 int cols, float p, long seed, long base) {
        long t0 = t();
        k.dropoutForward2d(x, xOff, out, outOff, count, cs, rows, rs, cols, p, seed, base);
        ew("dropoutForward", t0);
    }

    @Override
    public void dropoutBackward2d(float[] dy, int dyOff, float[] dx, int dxOff, int count, int cs, int rows, int rs,
                                  int cols, float p, long seed, long base) {
        long t0 = t();
        k.dropoutBackward2d(dy, dyOff, dx, dxOff, count, cs, rows, rs, cols, p, seed, base);
        ew("dropoutBackward", t0);
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        long t0 = t();
        k.add(a, aOff, b, bOff, out, outOff, n);
        ew("add", t0);
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        long t0 = t();
        double s = k.sumOfSquares(x, off, n);
        ew("sumOfSquares", t0);
        return s;
    }

    @Override
    public void fill(float[] x, int off, int n, float value) {
        long t0 = t();
        k.fill(x, off, n, value);
        ew("fill", t0);
    }

    @Override
    public void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2, int ss0, int ss1,
                       int ds0, int ds1) {
        long t0 = t();
        k.copy3d(src, srcOff, dst, dstOff, n0, n1, n2, ss0, ss1, ds0, ds1);
        ew("copy3d", t0);
    }

    @Override
    public void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block) {
        long t0 = t();
        k.zeroAboveDiagonalInBlocks(x, off, count, seq, block);
        attentionNs += t() - t0;
    }

    @Override
    public void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                          int heads) {
        long t0 = t();
        k.alibiBias(x, off, count, rows, cols, pos0, slopes, slopesOff, heads);
        attentionNs += t() - t0;
    }

    @Override
    public void embeddingForward(int[] tok, int tokOff, float[] w, int wOff, float[] out, int outOff, int rows, int dim,
                                 int vs, int vr) {
        long t0 = t();
        k.embeddingForward(tok, tokOff, w, wOff, out, outOff, rows, dim, vs, vr);
        ew("embeddingForward", t0);
    }

    @Override
    public void embeddingBackward(int[] tok, int tokOff, float[] d, int dOff, float[] dw, int dwOff, int rows, int dim,
                                  int vs, int vr) {
        long t0 = t();
        k.embeddingBackward(tok, tokOff, d, dOff, dw, dwOff, rows, dim, vs, vr);
        ew("embeddingBackward", t0);
    }

    @Override
    public void rotaryForward(float[] x, int xOff, int count, int seq, int hd, int rd, float[] cos, float[] sin) {
        long t0 = t();
        k.rotaryForward(x, xOff, count, seq, hd, rd, cos, sin);
        attentionNs += t() - t0;
    }

    @Override
    public void rotaryBackward(float[] dx, int dxOff, int count, int seq, int hd, int rd, float[] cos, float[] sin) {
        long t0 = t();
        k.rotaryBackward(dx, dxOff, count, seq, hd, rd, cos, sin);
        attentionNs += t() - t0;
    }

    @Override
    public void causalSoftmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        long t0 = t();
        k.causalSoftmaxForward(x, xOff, y, yOff, count, sq, scale);
        attentionNs += t() - t0;
    }

    @Override
    public void causalSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int count,
                                      int sq, float scale) {
        long t0 = t();
        k.causalSoftmaxBackward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale);
        attentionNs += t() - t0;
    }

    @Override
    public void causalSoftmaxTriangleForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        long t0 = t();
        k.causalSoftmaxTriangleForward(x, xOff, y, yOff, count, sq, scale);
        attentionNs += t() - t0;
    }

    @Override
    public void causalSoftmaxTriangleBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                              int count, int sq, float scale) {
        long t0 = t();
        k.causalSoftmaxTriangleBackward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale);
        attentionNs += t() - t0;
    }

    @Override
    public void crossEntropyForward(float[] l, int lOff, int[] lab, int labOff, float[] loss, float[] lse, int rows,
                                    int vocab) {
        long t0 = t();
        k.crossEntropyForward(l, lOff, lab, labOff, loss, lse, rows, vocab);
        ew("crossEntropyForward", t0);
    }

    @Override
    public void crossEntropyBackward(float[] l, int lOff, int[] lab, int labOff, float[] lse, float[] dl, int rows,
                                     int vocab) {
        long t0 = t();
        k.crossEntropyBackward(l, lOff, lab, labOff, lse, dl, rows, vocab);
        ew("crossEntropyBackward", t0);
    }

    @Override
    public void crossEntropyFused(float[] l, int lOff, int[] lab, int labOff, float[] dl, float[] loss, int rows,
                                  int vocab) {
        long t0 = t();
        k.crossEntropyFused(l, lOff, lab, labOff, dl, loss, rows, vocab);
        ew("crossEntropyFused", t0);
    }

    @Override
    public void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr, float b1, float b2,
                         float eps, float wd, boolean w, float bc1, float bc2, float gs) {
        long t0 = t();
        k.adamStep(p, g, m, v, off, mOff, len, lr, b1, b2, eps, wd, w, bc1, bc2, gs);
        ew("adamStep", t0);
    }
}
