package org.neox.kernel;

/**
 * The oracle: every kernel as the plainest loop, accumulating in double. Slow by design; tests
 * compare {@link CpuKernels} (and later native kernels) against it.
 */
public final class ReferenceKernels implements Kernels {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += (double) av * bv;
                }
                int ci = cOff + i * ldc + j;
                double prev = beta == 0f ? 0.0 : (double) beta * c[ci];
                c[ci] = (float) (alpha * s + prev);
            }
        }
    }

    @Override
    public void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                                   float beta, float[] c, int cOff, int ldc, int strideC, int count) {
        for (int p = 0; p < count; p++) {
            gemm(transA, transB, m, n, k, alpha, a, aOff + p * strideA, lda, b, bOff + p * strideB, ldb,
                    beta, c, cOff + p * strideC, ldc);
        }
    }

    @Override
    public void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                                 float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = xOff + r * dim;
            double mu = 0;
            for (int i = 0; i < dim; i++) {
                mu += x[o + i];
            }
            mu /= dim;
            double var = 0;
            for (int i = 0; i < dim; i++) {
                double d = x[o + i] - mu;
                var += d * d;
            }
            var /= dim;
            double rs = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < dim; i++) {
                out[outOff + r * dim + i] = (float) ((x[o + i] - mu) * rs * w[wOff + i] + b[bOff + i]);
            }
            mean[r] = (float) mu;
            rstd[r] = (float) rs;
        }
    }

    @Override
    public void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                  float[] mean, float[] rstd, float[] dx, int dxOff,
                                  float[] dw, int dwOff, float[] db, int dbOff, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double mu = mean[r];
            double rs = rstd[r];
            double sumG = 0;
            double sumGX = 0;
            for (int i = 0; i < dim; i++) {
                double xh = (x[xOff + r * dim + i] - mu) * rs;
                double g = (double) dout[dOff + r * dim + i] * w[wOff + i];
                sumG += g;
                sumGX += g * xh;
                dw[dwOff + i] += (float) (dout[dOff + r * dim + i] * xh);
                db[dbOff + i] += dout[dOff + r * dim + i];
            }
            sumG /= dim;
            sumGX /= dim;
            for (int i = 0; i < dim; i++) {
                double xh = (x[xOff + r * dim + i] - mu) * rs;
                double g = (double) dout[dOff + r * dim + i] * w[wOff + i];
                dx[dxOff + r * dim + i] = (float) (rs * (g - sumG - xh * sumGX));
            }
        }
    }

    @Override
    public void rmsNormForward(float[] x, int xOff, float[] scale, int sOff, float[] out, int outOff,
                               float[] inv, int rows, int dim, float eps) {
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                ss += (double) x[xOff + r * dim + i] * x[xOff + r * dim + i];
            }
            double iv = 1.0 / (Math.sqrt(ss / dim) + eps);
            for (int i = 0; i < dim; i++) {
                out[outOff + r * dim + i] = (float) (scale[sOff + i] * x[xOff + r * dim + i] * iv);
            }
            inv[r] = (float) iv;
        }
    }

    @Override
    public void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] scale, int sOff,
                                float[] inv, float[] dx, int dxOff, float[] dscale, int dsOff, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            double dot = 0;
            for (int i = 0; i < dim; i++) {
                double xv = x[xOff + r * dim + i];
                ss += xv * xv;
                dot += (double) dout[dOff + r * dim + i] * scale[sOff + i] * xv;
            }
            double rms = Math.sqrt(ss / dim);
            double iv = inv[r];
            // d(rms)/dx_i = x_i / (dim · rms); out = s·x·iv with iv = 1/(rms+eps).
            double coef = rms == 0 ? 0 : iv * iv * dot / (dim * rms);
            for (int i = 0; i < dim; i++) {
                double xv = x[xOff + r * dim + i];
                double g = dout[dOff + r * dim + i];
                dscale[dsOff + i] += (float) (g * xv * iv);
                dx[dxOff + r * dim + i] = (float) (g * scale[sOff + i] * iv - coef * xv);
            }
        }
    }

    @Override
    public void scaleNormForward(float[] x, int xOff, float[] gBuf, int gOff, float[] out, int outOff,
                                 float[] inv, int rows, int dim, float eps) {
        double g = gBuf[gOff];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                ss += (double) x[xOff + r * dim + i] * x[xOff + r * dim + i];
            }
            double iv = 1.0 / Math.max(Math.sqrt(ss), eps);
            for (int i = 0; i < dim; i++) {
                out[outOff + r * dim + i] = (float) (g * x[xOff + r * dim + i] * iv);
            }
            inv[r] = (float) iv;
        }
    }

    @Override
    public void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] gBuf, int gOff,
                                  float[] inv, float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps) {
        double g = gBuf[gOff];
        double dgs = 0;
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            double dot = 0;
            for (int i = 0; i < dim; i++) {
                double xv = x[xOff + r * dim + i];
                ss += xv * xv;
                dot += dout[dOff + r * dim + i] * xv;
            }
            double norm = Math.sqrt(ss);
            boolean clamped = norm < eps;
            double iv = 1.0 / Math.max(norm, eps);
            dgs += dot * iv;
            double coef = clamped ? 0 : g * dot * iv * iv * iv;
            for (int i = 0; i < dim; i++) {
                double xv = x[xOff + r * dim + i];
                dx[dxOff + r * dim + i] = (float) (g * dout[dOff + r * dim + i] * iv - coef * xv);
            }
        }
        dg[dgOff] += (float) dgs;
    }

    @Override
    public void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                x[xOff + r * cols + c] = (float) ((double) x[xOff + r * cols + c] + bias[bOff + c]);
            }
        }
    }

    @Override
    public void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols) {
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += dy[dyOff + r * cols + c];
            }
            db[dbOff + c] += (float) s;
        }
    }

    @Override
    public void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (float) Activations.value(kind, x[xOff + i]);
        }
    }

    @Override
    public void activationBackward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff,
                                   float[] dx, int dxOff, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] = (float) (dout[dOff + i] * Activations.derivative(kind, x[xOff + i]));
        }
    }

    @Override
    public void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < half; j++) {
                int i = fcOff + r * 2 * half + j;
                out[outOff + r * half + j] = (float) (fc[i] * Gelu.value(fc[i + half], false));
            }
        }
    }

    @Override
    public void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int rows, int half) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < half; j++) {
                int i = r * 2 * half + j;
                double x = fc[fcOff + i];
                double g = fc[fcOff + i + half];
                double d = dout[dOff + r * half + j];
                dfc[dfcOff + i] = (float) (d * Gelu.value(g, false));
                dfc[dfcOff + i + half] = (float) (d * x * Gelu.derivative(g, false));
            }
        }
    }

    @Override
    public void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long counterBase) {
        double s = p == 0f ? 1.0 : 1.0 / (1.0 - p);
        for (int i = 0; i < n; i++) {
            boolean keep = p == 0f || DropoutRng.keep(seed, counterBase + i, p);
            out[outOff + i] = keep ? (float) (x[xOff + i] * s) : 0f;
        }
    }

    @Override
    public void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int countStride, int rows,
                                 int rowStride, int cols, float p, long seed, long counterBase) {
        for (int c = 0; c < count; c++) {
            for (int r = 0; r < rows; r++) {
                int e = c * countStride + r * rowStride;
                dropoutForward(x, xOff + e, out, outOff + e, cols, p, seed, counterBase + e);
            }
        }
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void fill(float[] x, int off, int n, float value) {
        for (int i = 0; i < n; i++) {
            x[off + i] = value;
        }
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            s += v * v;
        }
        return s;
    }

    @Override
    public void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                       int srcStride0, int srcStride1, int dstStride0, int dstStride1) {
        for (int i0 = 0; i0 < n0; i0++) {
            for (int i1 = 0; i1 < n1; i1++) {
                for (int j = 0; j < n2; j++) {
                    dst[dstOff + i0 * dstStride0 + i1 * dstStride1 + j] = src[srcOff + i0 * srcStride0 + i1 * srcStride1 + j];
                }
            }
        }
    }

    @Override
    public void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block) {
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < seq; i++) {
                int end = Math.min(seq, (i / block + 1) * block);
                for (int j = i + 1; j < end; j++) {
                    x[off + (p * seq + i) * seq + j] = 0f;
                }
            }
        }
    }

    @Override
    public void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                          int heads) {
        for (int c = 0; c < count; c++) {
            float slope = slopes[slopesOff + c % heads];
            for (int r = 0; r < rows; r++) {
                int i = pos0 + r;
                for (int j = 0; j < Math.min(cols, i + 1); j++) {
                    x[off + (c * rows + r) * cols + j] += (float) (j - i) * slope;
                }
            }
        }
    }

    @Override
    public void embeddingForward(int[] tokens, int tokOff, float[] w, int wOff, float[] out, int outOff,
                                 int rows, int dim, int vocabStart, int vocabRows) {
        for (int r = 0; r < rows; r++) {
            int t = tokens[tokOff + r] - vocabStart;
            boolean local = t >= 0 && t < vocabRows;
            for (int i = 0; i < dim; i++) {
                out[outOff + r * dim + i] = local ? w[wOff + t * dim + i] : 0f;
            }
        }
    }

    @Override
    public void embeddingBackward(int[] tokens, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                                  int rows, int dim, int vocabStart, int vocabRows) {
        for (int r = 0; r < rows; r++) {
            int t = tokens[tokOff + r] - vocabStart;
            if (t >= 0 && t < vocabRows) {
                for (int i = 0; i < dim; i++) {
                    dw[dwOff + t * dim + i] += dout[dOff + r * dim + i];
                }
            }
        }
    }

    @Override
    public void rotaryForward(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin) {
        rotate(x, xOff, count, seq, headDim, rd, cos, sin, 1.0);
    }

    @Override
    public void rotaryBackward(float[] dx, int dxOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin) {
        rotate(dx, dxOff, count, seq, headDim, rd, cos, sin, -1.0);
    }

    private static void rotate(float[] x, int off, int count, int seq, int headDim, int rd,
                               float[] cos, float[] sin, double sign) {
        int half = rd / 2;
        for (int c = 0; c < count; c++) {
            for (int t = 0; t < seq; t++) {
                int o = off + (c * seq + t) * headDim;
                for (int i = 0; i < half; i++) {
                    double cs = cos[t * half + i];
                    double sn = sign * sin[t * half + i];
                    double x1 = x[o + i];
                    double x2 = x[o + half + i];
                    x[o + i] = (float) (x1 * cs - x2 * sn);
                    x[o + half + i] = (float) (x2 * cs + x1 * sn);
                }
            }
        }
    }

    @Override
    public void causalSoftmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        double[] z = new double[sq];
        for (int row = 0; row < count * sq; row++) {
            int i = row % sq;
            int o = row * sq;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < sq; j++) {
                z[j] = j <= i ? (double) scale * x[xOff + o + j] : -10000.0;
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (int j = 0; j < sq; j++) {
                z[j] = Math.exp(z[j] - max);
                sum += z[j];
            }
            for (int j = 0; j < sq; j++) {
                y[yOff + o + j] = (float) (z[j] / sum);
            }
        }
    }

    @Override
    public void causalSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                      int count, int sq, float scale) {
        for (int row = 0; row < count * sq; row++) {
            int o = row * sq;
            double dot = 0;
            for (int j = 0; j < sq; j++) {
                dot += (double) dy[dyOff + o + j] * y[yOff + o + j];
            }
            for (int j = 0; j < sq; j++) {
                dx[dxOff + o + j] = (float) (scale * y[yOff + o + j] * (dy[dyOff + o + j] - dot));
            }
        }
    }

    @Override
    public void causalSoftmaxTriangleForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        for (int row = 0; row < count * sq; row++) {
            int i = row % sq;
            int o = row * sq;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, (double) scale * x[xOff + o + j]);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                sum += Math.exp(scale * (double) x[xOff + o + j] - max);
            }
            for (int j = 0; j <= i; j++) {
                y[yOff + o + j] = (float) (Math.exp(scale * (double) x[xOff + o + j] - max) / sum);
            }
        }
    }

    @Override
    public void causalSoftmaxTriangleBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                              int count, int sq, float scale) {
        for (int row = 0; row < count * sq; row++) {
            int i = row % sq;
            int o = row * sq;
            double dot = 0;
            for (int j = 0; j <= i; j++) {
                dot += (double) dy[dyOff + o + j] * y[yOff + o + j];
            }
            for (int j = 0; j <= i; j++) {
                dx[dxOff + o + j] = (float) (scale * y[yOff + o + j] * (dy[dyOff + o + j] - dot));
            }
        }
    }

    @Override
    public void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                                    int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            int o = lOff + r * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                max = Math.max(max, logits[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < vocab; j++) {
                sum += Math.exp(logits[o + j] - max);
            }
            double l = max + Math.log(sum);
            lse[r] = (float) l;
            loss[r] = (float) (l - logits[o + labels[labOff + r]]);
        }
    }

    @Override
    public void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                                     int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            int o = lOff + r * vocab;
            double d = dloss[r];
            int label = labels[labOff + r];
            for (int j = 0; j < vocab; j++) {
                double p = Math.exp((double) logits[o + j] - lse[r]);
                logits[o + j] = (float) ((p - (j == label ? 1.0 : 0.0)) * d);
            }
        }
    }

    @Override
    public void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                                  int rows, int vocab) {
        float[] lse = new float[rows];
        crossEntropyForward(logits, lOff, labels, labOff, loss, lse, rows, vocab);
        crossEntropyBackward(logits, lOff, labels, labOff, lse, dloss, rows, vocab);
    }

    @Override
    public void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                         float bc1, float bc2, float gradScale) {
        for (int i = off; i < off + len; i++) {
            int j = i - off + mOff;
            double gi = (double) g[i] * gradScale;
            if (!adamW) {
                gi += (double) weightDecay * p[i];
            }
            double mi = beta1 * (double) m[j] + (1.0 - beta1) * gi;
            double vi = beta2 * (double) v[j] + (1.0 - beta2) * gi * gi;
            m[j] = (float) mi;
            v[j] = (float) vi;
            double upd = (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
            if (adamW) {
                upd += (double) weightDecay * p[i];
            }
            p[i] = (float) (p[i] - lr * upd);
        }
    }
}
