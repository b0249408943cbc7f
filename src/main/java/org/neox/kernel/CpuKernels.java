package org.neox.kernel;

/**
 * The fast CPU kernels: GEMMs through OpenBLAS ({@link OffHeapGemm}), element-wise work as
 * fused float loops over flat arrays, split by rows over a small fixed pool where a call
 * carries enough work. Accumulations that decide numerics (row sums, means, logsumexp) run in
 * float with the same order as the loops read, which keeps results within ~1e-5 relative of
 * {@link ReferenceKernels}. Thread-confined: one instance per training thread.
 */
public final class CpuKernels implements Kernels, AutoCloseable {
    private final RowParallel par;
    /** One OpenBLAS scratch per worker: OpenBLAS runs single-threaded and we split C's rows. */
    private final OffHeapGemm[] blas;
    /** Below this many multiply-adds a GEMM stays on the caller. */
    private static final long SPLIT_MIN_MACS = 1L << 20;
    private final CpuSoftmaxKernels softmax;

    /** @param threads element-wise worker threads (the caller included); 2 on the reference box */
    public CpuKernels(int threads) {
        this.par = new RowParallel(threads);
        this.softmax = new CpuSoftmaxKernels(par);
        this.blas = new OffHeapGemm[par.threads()];
        for (int i = 0; i < blas.length; i++) {
            blas[i] = new OffHeapGemm();
        }
        // Our pool splits every GEMM; OpenBLAS's own busy-waiting threads would fight it for the cores.
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
    }

    @Override
    public String name() {
        return "cpu(single-threaded openblas gemm split over " + par.threads() + " threads, fused element-wise loops)";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int tasks = (long) m * n * k < SPLIT_MIN_MACS || m < 2 * par.threads() ? 1 : par.threads();
        par.forTasks(tasks, t -> {
            int r0 = (int) ((long) m * t / tasks);
            int r1 = (int) ((long) m * (t + 1) / tasks);
            int aStart = transA ? aOff + r0 : aOff + r0 * lda;
            blas[t].gemm(transA, transB, r1 - r0, n, k, alpha, a, aStart, lda, b, bOff, ldb, beta, c, cOff + r0 * ldc, ldc);
        });
    }

    /**
     * Whole problems per thread when there are enough to balance (attention's batch·heads per-head
     * products), each one single-threaded OpenBLAS call: splitting such small GEMMs by rows costs
     * a pool hand-off per problem and copies B once per thread. Threads take the next problem
     * from a shared counter, so a thread the shared machine preempts holds up only its current
     * problem; each problem is computed whole by one thread, so results do not depend on it.
     */
    @Override
    public void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                                   float beta, float[] c, int cOff, int ldc, int strideC, int count) {
        int threads = par.threads();
        boolean perProblem = (long) m * n * k * count >= SPLIT_MIN_MACS
                && (count % threads == 0 || count >= 4 * threads);
        if (!perProblem) {
            for (int p = 0; p < count; p++) {
                gemm(transA, transB, m, n, k, alpha, a, aOff + p * strideA, lda, b, bOff + p * strideB, ldb,
                        beta, c, cOff + p * strideC, ldc);
            }
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        par.forTasks(threads, t -> {
            for (int p = next.getAndIncrement(); p < count; p = next.getAndIncrement()) {
                blas[t].gemm(transA, transB, m, n, k, alpha, a, aOff + p * strideA, lda, b, bOff + p * strideB, ldb,
                        beta, c, cOff + p * strideC, ldc);
            }
        });
    }

    @Override
    public void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                                 float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps) {
        par.forRows(rows, 64, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = xOff + r * dim;
                float s = 0f;
                for (int i = 0; i < dim; i++) {
                    s += x[o + i];
                }
                float mu = s / dim;
                float v = 0f;
                for (int i = 0; i < dim; i++) {
                    float d = x[o + i] - mu;
                    v += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(v / dim + eps));
                int q = outOff + r * dim;
                for (int i = 0; i < dim; i++) {
                    out[q + i] = (x[o + i] - mu) * rs * w[wOff + i] + b[bOff + i];
                }
                mean[r] = mu;
                rstd[r] = rs;
            }
        });
    }

    @Override
    public void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                  float[] mean, float[] rstd, float[] dx, int dxOff,
                                  float[] dw, int dwOff, float[] db, int dbOff, int rows, int dim) {
        // dx rows in parallel; dw/db are column sums, reduced per task then added in task order.
        int tasks = Math.min(par.threads(), Math.max(1, rows / 64));
        float[][] pw = new float[tasks][dim];
        float[][] pb = new float[tasks][dim];
        par.forRows(tasks, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int from = (int) ((long) rows * t / tasks);
                int to = (int) ((long) rows * (t + 1) / tasks);
                layerNormBackwardRows(dout, dOff, x, xOff, w, wOff, mean, rstd, dx, dxOff, pw[t], pb[t], from, to, dim);
            }
        });
        for (int t = 0; t < tasks; t++) {
            for (int i = 0; i < dim; i++) {
                dw[dwOff + i] += pw[t][i];
                db[dbOff + i] += pb[t][i];
            }
        }
    }

    private static void layerNormBackwardRows(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                                              float[] mean, float[] rstd, float[] dx, int dxOff,
                                              float[] dw, float[] db, int from, int to, int dim) {
        for (int r = from; r < to; r++) {
            int o = r * dim;
            float mu = mean[r];
            float rs = rstd[r];
            float sumG = 0f;
            float sumGX = 0f;
            for (int i = 0; i < dim; i++) {
                float xh = (x[xOff + o + i] - mu) * rs;
                float d = dout[dOff + o + i];
                float g = d * w[wOff + i];
                sumG += g;
                sumGX += g * xh;
                dw[i] += d * xh;
                db[i] += d;
            }
            sumG /= dim;
            sumGX /= dim;
            for (int i = 0; i < dim; i++) {
                float xh = (x[xOff + o + i] - mu) * rs;
                float g = dout[dOff + o + i] * w[wOff + i];
                dx[dxOff + o + i] = rs * (g - sumG - xh * sumGX);
            }
        }
    }

    @Override
    public void rmsNormForward(float[] x, int xOff, float[] scale, int sOff, float[] out, int outOff,
                               float[] inv, int rows, int dim, float eps) {
        par.forRows(rows, 64, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * dim;
                float ss = 0f;
                for (int i = 0; i < dim; i++) {
                    ss += x[xOff + o + i] * x[xOff + o + i];
                }
                float iv = (float) (1.0 / (Math.sqrt(ss / dim) + eps));
                for (int i = 0; i < dim; i++) {
                    out[outOff + o + i] = scale[sOff + i] * x[xOff + o + i] * iv;
                }
                inv[r] = iv;
            }
        });
    }

    @Override
    public void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] scale, int sOff,
                                float[] inv, float[] dx, int dxOff, float[] dscale, int dsOff, int rows, int dim) {
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float ss = 0f;
            float dot = 0f;
            for (int i = 0; i < dim; i++) {
                float xv = x[xOff + o + i];
                ss += xv * xv;
                dot += dout[dOff + o + i] * scale[sOff + i] * xv;
            }
            float rms = (float) Math.sqrt(ss / dim);
            float iv = inv[r];
            float coef = rms == 0f ? 0f : iv * iv * dot / (dim * rms);
            for (int i = 0; i < dim; i++) {
                float xv = x[xOff + o + i];
                float g = dout[dOff + o + i];
                dscale[dsOff + i] += g * xv * iv;
                dx[dxOff + o + i] = g * scale[sOff + i] * iv - coef * xv;
            }
        }
    }

    @Override
    public void scaleNormForward(float[] x, int xOff, float[] gBuf, int gOff, float[] out, int outOff,
                                 float[] inv, int rows, int dim, float eps) {
        float g = gBuf[gOff];
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float ss = 0f;
            for (int i = 0; i < dim; i++) {
                ss += x[xOff + o + i] * x[xOff + o + i];
            }
            float iv = (float) (1.0 / Math.max(Math.sqrt(ss), eps));
            for (int i = 0; i < dim; i++) {
                out[outOff + o + i] = g * x[xOff + o + i] * iv;
            }
            inv[r] = iv;
        }
    }

    @Override
    public void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] gBuf, int gOff,
                                  float[] inv, float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps) {
        float g = gBuf[gOff];
        double dgs = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            float ss = 0f;
            float dot = 0f;
            for (int i = 0; i < dim; i++) {
                float xv = x[xOff + o + i];
                ss += xv * xv;
                dot += dout[dOff + o + i] * xv;
            }
            float iv = inv[r];
            dgs += dot * iv;
            float coef = Math.sqrt(ss) < eps ? 0f : g * dot * iv * iv * iv;
            for (int i = 0; i < dim; i++) {
                dx[dxOff + o + i] = g * dout[dOff + o + i] * iv - coef * x[xOff + o + i];
            }
        }
        dg[dgOff] += (float) dgs;
    }

    @Override
    public void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols) {
        par.forRows(rows, 128, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = xOff + r * cols;
                for (int c = 0; c < cols; c++) {
                    x[o + c] += bias[bOff + c];
                }
            }
        });
    }

    @Override
    public void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols) {
        par.forRows(cols, 256, (c0, c1) -> {
            float[] acc = new float[c1 - c0];
            for (int r = 0; r < rows; r++) {
                int o = dyOff + r * cols;
                for (int c = c0; c < c1; c++) {
                    acc[c - c0] += dy[o + c];
                }
            }
            for (int c = c0; c < c1; c++) {
                db[dbOff + c] += acc[c - c0];
            }
        });
    }

    @Override
    public void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n) {
        par.forRows(n, 65536, (from, to) -> CpuActivations.forward(kind, x, xOff, out, outOff, from, to));
    }

    @Override
    public void activationBackward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff,
                                   float[] dx, int dxOff, int n) {
        par.forRows(n, 65536, (from, to) -> CpuActivations.backward(kind, x, xOff, dout, dOff, dx, dxOff, from, to));
    }

    @Override
    public void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half) {
        par.forRows(rows, Math.max(1, 32768 / Math.max(1, half)),
                (from, to) -> CpuActivations.gegluForward(fc, fcOff, out, outOff, half, from, to));
    }

    @Override
    public void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int rows, int half) {
        par.forRows(rows, Math.max(1, 32768 / Math.max(1, half)),
                (from, to) -> CpuActivations.gegluBackward(fc, fcOff, dout, dOff, dfc, dfcOff, half, from, to));
    }

    @Override
    public void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long counterBase) {
        if (p == 0f) {
            if (x != out || xOff != outOff) {
                System.arraycopy(x, xOff, out, outOff, n);
            }
            return;
        }
        float s = 1f / (1f - p);
        par.forRows(n, 65536, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[outOff + i] = DropoutRng.keep(seed, counterBase + i, p) ? x[xOff + i] * s : 0f;
            }
        });
    }

    /** Parallel over the {@code count·rows} row segments; each is {@link #dropoutForward}'s loop. */
    @Override
    public void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int countStride, int rows,
                                 int rowStride, int cols, float p, long seed, long counterBase) {
        if (rows <= 0) {
            return;
        }
        float s = p == 0f ? 1f : 1f / (1f - p);
        par.forRows(count * rows, Math.max(1, 65536 / Math.max(1, cols)), (from, to) -> {
            for (int cr = from; cr < to; cr++) {
                int e = (cr / rows) * countStride + (cr % rows) * rowStride;
                for (int j = 0; j < cols; j++) {
                    float v = x[xOff + e + j];
                    out[outOff + e + j] = p == 0f ? v : DropoutRng.keep(seed, counterBase + e + j, p) ? v * s : 0f;
                }
            }
        });
    }

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        par.forRows(n, 65536, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[outOff + i] = a[aOff + i] + b[bOff + i];
            }
        });
    }

    @Override
    public void fill(float[] x, int off, int n, float value) {
        java.util.Arrays.fill(x, off, off + n, value);
    }

    /** Elements per partial sum of {@link #sumOfSquares}. */
    private static final int SUM_CHUNK = 65536;

    /**
     * Partial sums over fixed chunks of {@link #SUM_CHUNK} elements (parallel), added in chunk
     * order: the result depends on n only, not on the thread count or timing.
     */
    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        if (n <= 0) {
            return 0;
        }
        int chunks = (n - 1) / SUM_CHUNK + 1;
        double[] part = new double[chunks];
        par.forRows(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = c * SUM_CHUNK, to = Math.min(n, from + SUM_CHUNK);
                double s = 0;
                for (int i = from; i < to; i++) {
                    double v = x[off + i];
                    s += v * v;
                }
                part[c] = s;
            }
        });
        double s = 0;
        for (double p : part) {
            s += p;
        }
        return s;
    }

    /** Parallel over the {@code n0·n1} contiguous rows of {@code n2} elements. */
    @Override
    public void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                       int srcStride0, int srcStride1, int dstStride0, int dstStride1) {
        if (n0 <= 0 || n1 <= 0 || n2 <= 0) {
            return;
        }
        par.forRows(n0 * n1, Math.max(1, 65536 / n2), (from, to) -> {
            for (int r = from; r < to; r++) {
                int i0 = r / n1, i1 = r % n1;
                System.arraycopy(src, srcOff + i0 * srcStride0 + i1 * srcStride1,
                        dst, dstOff + i0 * dstStride0 + i1 * dstStride1, n2);
            }
        });
    }

    @Override
    public void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block) {
        par.forRows(count * seq, Math.max(1, 65536 / Math.max(1, seq)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int i = r % seq;
                int end = Math.min(seq, (i / block + 1) * block);
                int o = off + r * seq;
                if (end > i + 1) {
                    java.util.Arrays.fill(x, o + i + 1, o + end, 0f);
                }
            }
        });
    }

    @Override
    public void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                          int heads) {
        par.forRows(count * rows, Math.max(1, 65536 / Math.max(1, cols)), (from, to) -> {
            for (int cr = from; cr < to; cr++) {
                float slope = slopes[slopesOff + (cr / rows) % heads];
                int i = pos0 + cr % rows;
                int o = off + cr * cols;
                int end = Math.min(cols, i + 1);
                for (int j = 0; j < end; j++) {
                    x[o + j] += (float) (j - i) * slope;
                }
            }
        });
    }

    @Override
    public void embeddingForward(int[] tokens, int tokOff, float[] w, int wOff, float[] out, int outOff,
                                 int rows, int dim, int vocabStart, int vocabRows) {
        for (int r = 0; r < rows; r++) {
            int t = tokens[tokOff + r] - vocabStart;
            if (t >= 0 && t < vocabRows) {
                System.arraycopy(w, wOff + t * dim, out, outOff + r * dim, dim);
            } else {
                java.util.Arrays.fill(out, outOff + r * dim, outOff + (r + 1) * dim, 0f);
            }
        }
    }

    @Override
    public void embeddingBackward(int[] tokens, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                                  int rows, int dim, int vocabStart, int vocabRows) {
        for (int r = 0; r < rows; r++) {
            int t = tokens[tokOff + r] - vocabStart;
            if (t >= 0 && t < vocabRows) {
                int o = dwOff + t * dim;
                int d = dOff + r * dim;
                for (int i = 0; i < dim; i++) {
                    dw[o + i] += dout[d + i];
                }
            }
        }
    }

    @Override
    public void rotaryForward(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin) {
        par.forRows(count, 1, (c0, c1) -> CpuSoftmaxKernels.rotate(x, xOff, c0, c1, seq, headDim, rd, cos, sin, 1f));
    }

    @Override
    public void rotaryBackward(float[] dx, int dxOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin) {
        par.forRows(count, 1, (c0, c1) -> CpuSoftmaxKernels.rotate(dx, dxOff, c0, c1, seq, headDim, rd, cos, sin, -1f));
    }

    @Override
    public void causalSoftmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        softmax.forward(x, xOff, y, yOff, count, sq, scale, false);
    }

    @Override
    public void causalSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                      int count, int sq, float scale) {
        softmax.backward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale, false);
    }

    @Override
    public void causalSoftmaxTriangleForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale) {
        softmax.forward(x, xOff, y, yOff, count, sq, scale, true);
    }

    @Override
    public void causalSoftmaxTriangleBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                              int count, int sq, float scale) {
        softmax.backward(y, yOff, dy, dyOff, dx, dxOff, count, sq, scale, true);
    }

    @Override
    public void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                                    int rows, int vocab) {
        softmax.crossEntropyForward(logits, lOff, labels, labOff, loss, lse, rows, vocab);
    }

    @Override
    public void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                                     int rows, int vocab) {
        softmax.crossEntropyBackward(logits, lOff, labels, labOff, lse, dloss, rows, vocab);
    }

    @Override
    public void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                                  int rows, int vocab) {
        softmax.crossEntropyFused(logits, lOff, labels, labOff, dloss, loss, rows, vocab);
    }

    @Override
    public void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                         float bc1, float bc2, float gradScale) {
        float wdAdam = adamW ? 0f : weightDecay;
        float wdW = adamW ? weightDecay : 0f;
        float ib1 = 1f - beta1;
        float ib2 = 1f - beta2;
        par.forRows(len, 65536, (from, to) -> {
            for (int i = off + from; i < off + to; i++) {
                int j = i - off + mOff;
                float gi = g[i] * gradScale + wdAdam * p[i];
                float mi = beta1 * m[j] + ib1 * gi;
                float vi = beta2 * v[j] + ib2 * gi * gi;
                m[j] = mi;
                v[j] = vi;
                p[i] -= lr * ((mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps) + wdW * p[i]);
            }
        });
    }

    @Override
    public void close() {
        par.close();
        for (OffHeapGemm g : blas) {
            g.close();
        }
    }
}
