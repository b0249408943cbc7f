package org.neox.kernel;

/**
 * The compute kernels of a GPT-NeoX training step: pure functions of heap {@code float[]}
 * buffers, element offsets and explicit dimensions. All matrices are row-major.
 *
 * <p>Conventions shared by every method (so that a native implementation can follow them):
 * <ul>
 *   <li>"rows" means the flattened leading dimensions ({@code rows = batch·seq} for activations);
 *       {@code dim}/{@code cols} is the contiguous last dimension.</li>
 *   <li>Backward kernels <b>overwrite</b> input gradients ({@code dx}) and <b>accumulate</b>
 *       (+=) into parameter gradients ({@code dw}, {@code db}, {@code dg}), so gradient
 *       accumulation over micro-batches needs no extra pass.</li>
 *   <li>Unless a method says so, output buffers may not alias inputs.</li>
 *   <li>Statistics saved by a forward (mean, rstd, logsumexp) are per row, {@code float[rows]}.</li>
 *   <li>Dropout is counter-based: keep/drop of element {@code i} is a pure function of
 *       {@code (seed, counterBase + i)} (see {@link DropoutRng}), so backward regenerates the
 *       mask instead of storing it and results do not depend on threading.</li>
 * </ul>
 */
public interface Kernels {

    /** Short name logged once when the implementation is chosen ("reference", "cpu", "native"). */
    String name();

    // ---------------------------------------------------------------- GEMM

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C}, with {@code op(A)} of shape {@code [m, k]} and
     * {@code op(B)} of shape {@code [k, n]}, C {@code [m, n]} (row-major, like cblas with
     * CblasRowMajor). Not transposed, A is stored {@code [m, k]} with row stride {@code lda >= k};
     * transposed, A is stored {@code [k, m]} with row stride {@code lda >= m}. Likewise B is stored
     * {@code [k, n]} ({@code ldb >= n}) or, transposed, {@code [n, k]} ({@code ldb >= k}); C has
     * row stride {@code ldc >= n}. {@code beta == 0} ignores C's previous contents (even NaN).
     *
     * <p>Linear layers with torch weights {@code W [out, in]}: forward {@code Y[r,out] = X[r,in]·Wᵀ}
     * is {@code gemm(false, true, r, out, in, ...)}; {@code dX = dY·W} is
     * {@code gemm(false, false, r, in, out, ...)}; {@code dW += dYᵀ·X} is
     * {@code gemm(true, false, out, in, r, 1, dY, X, beta 1, dW)}.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /**
     * {@code count} independent GEMMs with packed operands ({@code lda}, {@code ldb}, {@code ldc}
     * the packed row lengths as in {@link #gemm}); problem {@code p} uses
     * {@code aOff + p·strideA}, {@code bOff + p·strideB}, {@code cOff + p·strideC}.
     * Attention uses it over the {@code batch·heads} matrices of {@code [seq, headDim]}.
     */
    default void gemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int strideA, float[] b, int bOff, int strideB,
                             float beta, float[] c, int cOff, int strideC, int count) {
        gemmStridedBatched(transA, transB, m, n, k, alpha, a, aOff, transA ? m : k, strideA,
                b, bOff, transB ? k : n, strideB, beta, c, cOff, n, strideC, count);
    }

    /**
     * {@code count} independent {@link #gemm}s with the same shape and leading dimensions (cuBLAS's
     * {@code sgemmStridedBatched}): problem {@code p} is {@code gemm(..., a, aOff + p·strideA, lda,
     * b, bOff + p·strideB, ldb, beta, c, cOff + p·strideC, ldc)}. The C matrices of different
     * problems may not overlap. Block-triangular attention uses it for one block of query rows
     * (or key columns) of all {@code batch·heads} score matrices {@code [seq, seq]} at once.
     */
    void gemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, int strideA, float[] b, int bOff, int ldb, int strideB,
                            float beta, float[] c, int cOff, int ldc, int strideC, int count);

    // ---------------------------------------------------------------- norms

    /**
     * LayerNorm over the last dim (torch semantics, biased variance):
     * {@code out[r,:] = (x[r,:] − mean_r) · rstd_r · w + b}, {@code rstd_r = 1/sqrt(var_r + eps)}.
     * x, out {@code [rows, dim]}; w, b {@code [dim]}; saves {@code mean[rows]}, {@code rstd[rows]}.
     */
    void layerNormForward(float[] x, int xOff, float[] w, int wOff, float[] b, int bOff,
                          float[] out, int outOff, float[] mean, float[] rstd, int rows, int dim, float eps);

    /**
     * Backward of {@link #layerNormForward}: writes {@code dx [rows, dim]}, accumulates
     * {@code dw [dim]} and {@code db [dim]}. {@code mean}/{@code rstd} are the forward's.
     */
    void layerNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] w, int wOff,
                           float[] mean, float[] rstd, float[] dx, int dxOff,
                           float[] dw, int dwOff, float[] db, int dbOff, int rows, int dim);

    /**
     * GPT-NeoX RMSNorm: {@code out = scale · x / (‖x‖₂·dim^(−1/2) + eps)} (eps outside the root).
     * x, out {@code [rows, dim]}; scale {@code [dim]}; saves {@code inv[rows] = 1/(rms + eps)}.
     */
    void rmsNormForward(float[] x, int xOff, float[] scale, int sOff, float[] out, int outOff,
                        float[] inv, int rows, int dim, float eps);

    /** Backward of {@link #rmsNormForward}: writes dx, accumulates {@code dscale [dim]}. */
    void rmsNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] scale, int sOff,
                         float[] inv, float[] dx, int dxOff, float[] dscale, int dsOff, int rows, int dim);

    /**
     * ScaleNorm: {@code out = g · x / max(‖x‖₂, eps)} with one scalar {@code g = gBuf[gOff]}.
     * Saves {@code inv[rows] = 1/max(‖x‖₂, eps)}.
     */
    void scaleNormForward(float[] x, int xOff, float[] gBuf, int gOff, float[] out, int outOff,
                          float[] inv, int rows, int dim, float eps);

    /** Backward of {@link #scaleNormForward}: writes dx, accumulates the scalar {@code dg[dgOff]}. */
    void scaleNormBackward(float[] dout, int dOff, float[] x, int xOff, float[] gBuf, int gOff,
                           float[] inv, float[] dx, int dxOff, float[] dg, int dgOff, int rows, int dim, float eps);

    // ---------------------------------------------------------------- element-wise

    /** {@code x[r, c] += bias[c]} in place; x {@code [rows, cols]}, bias {@code [cols]}. */
    void biasAdd(float[] x, int xOff, float[] bias, int bOff, int rows, int cols);

    /** {@code db[c] += Σ_r dy[r, c]}; dy {@code [rows, cols]}, db {@code [cols]}. */
    void biasGrad(float[] dy, int dyOff, float[] db, int dbOff, int rows, int cols);

    /**
     * {@code out[i] = f(x[i])} for {@code i < n} with the MLP activation {@code kind} (spec §5.4;
     * {@link ActivationKind} gives each formula). {@code out} may alias {@code x}.
     */
    void activationForward(ActivationKind kind, float[] x, int xOff, float[] out, int outOff, int n);

    /** {@code dx[i] = dout[i] · f'(x[i])}; x is the forward input; dx may alias dout. */
    void activationBackward(ActivationKind kind, float[] x, int xOff, float[] dout, int dOff,
                            float[] dx, int dxOff, int n);

    /**
     * GPT-NeoX's GEGLU on the bias-added {@code dense_h_to_4h} output: each row of
     * {@code fc [rows, 2·half]} is {@code [x | gate]} (torch {@code chunk(2, -1)} of the rank-local
     * output); {@code out[r, j] = x[r, j] · gelu(gate[r, j])} with the exact erf GeLU;
     * out {@code [rows, half]} may not alias fc.
     */
    void gegluForward(float[] fc, int fcOff, float[] out, int outOff, int rows, int half);

    /**
     * Backward of {@link #gegluForward}: dout {@code [rows, half]}; writes dfc {@code [rows, 2·half]}
     * rows {@code [dout·gelu(gate) | dout·x·gelu'(gate)]}. dfc may not alias fc or dout.
     */
    void gegluBackward(float[] fc, int fcOff, float[] dout, int dOff, float[] dfc, int dfcOff, int rows, int half);

    /**
     * Inverted dropout: {@code out[i] = keep(seed, counterBase+i) ? x[i]/(1−p) : 0}, keep with
     * probability {@code 1−p} per {@link DropoutRng#keep}. {@code p == 0} copies. out may alias x.
     */
    void dropoutForward(float[] x, int xOff, float[] out, int outOff, int n, float p, long seed, long counterBase);

    /** Backward of {@link #dropoutForward}, same mask: {@code dx[i] = keep ? dy[i]/(1−p) : 0}; may alias. */
    default void dropoutBackward(float[] dy, int dyOff, float[] dx, int dxOff, int n, float p, long seed, long counterBase) {
        // the same mask and 1/(1-p) scaling applied to the gradient
        dropoutForward(dy, dyOff, dx, dxOff, n, p, seed, counterBase);
    }

    /**
     * {@link #dropoutForward} over a strided region of a flat buffer: element {@code (c, r, j)},
     * {@code c < count, r < rows, j < cols}, lies at {@code e = c·countStride + r·rowStride + j}
     * past xOff (outOff) and uses counter {@code counterBase + e}, exactly as the flat call over
     * the enclosing buffer would, so the kept entries match it bit for bit. Elements outside the
     * region are not touched. out may alias x (same offsets). Lets triangle attention drop only
     * the part of the {@code [count, s, s]} probabilities a causal block can make non-zero.
     */
    void dropoutForward2d(float[] x, int xOff, float[] out, int outOff, int count, int countStride, int rows,
                          int rowStride, int cols, float p, long seed, long counterBase);

    /** Backward of {@link #dropoutForward2d}, same region and mask; dx may alias dy. */
    default void dropoutBackward2d(float[] dy, int dyOff, float[] dx, int dxOff, int count, int countStride, int rows,
                                   int rowStride, int cols, float p, long seed, long counterBase) {
        // the same mask and 1/(1-p) scaling applied to the gradient
        dropoutForward2d(dy, dyOff, dx, dxOff, count, countStride, rows, rowStride, cols, p, seed, counterBase);
    }

    /** {@code out[i] = a[i] + b[i]} for {@code i < n}; out may alias a or b (same offset). */
    void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

    /** {@code x[off + i] = value} for {@code i < n}. */
    void fill(float[] x, int off, int n, float value);

    /**
     * {@code Σ_{i<n} (double) x[off + i]²}, each square and the sum in double: the squared
     * gradient norm of gradient clipping (DeepSpeed, spec §6.5). An inf or NaN element gives a
     * non-finite result (so an overflowed gradient is seen). The order of summation is the
     * backend's, fixed for a given {@code n} (the result does not depend on thread timing), so
     * backends agree to about 1e-12 relative, not bit for bit. {@code n == 0} gives 0.
     */
    double sumOfSquares(float[] x, int off, int n);

    /**
     * Strided 3-d copy with a contiguous innermost dimension: for {@code i0 < n0, i1 < n1, j < n2},
     * {@code dst[dstOff + i0·dstStride0 + i1·dstStride1 + j] = src[srcOff + i0·srcStride0 +
     * i1·srcStride1 + j]}. Strides are non-negative; the source and destination regions may not
     * overlap. Attention's qkv split/merge and its heads ↔ rows permutations are such copies,
     * e.g. rows {@code [b, s, heads·hd]} to heads {@code [b·heads, s, hd]} for one b is
     * {@code copy3d(rows, b·s·heads·hd, h, b·heads·s·hd, heads, s, hd, hd, heads·hd, s·hd, hd)}.
     */
    void copy3d(float[] src, int srcOff, float[] dst, int dstOff, int n0, int n1, int n2,
                int srcStride0, int srcStride1, int dstStride0, int dstStride1);

    /** {@code dst[dstOff, dstOff+n) = src[srcOff, srcOff+n)} (one {@link #copy3d} row); the ranges may not overlap. */
    default void copy(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        copy3d(src, srcOff, dst, dstOff, 1, 1, n, 0, 0, 0, 0);
    }

    /**
     * In each of the {@code count} row-major {@code [seq, seq]} matrices at {@code off + p·seq²},
     * sets {@code x[i][j] = 0} for {@code i < j < min(seq, (i/block + 1)·block)}: the part above
     * the diagonal inside each diagonal {@code block × block} tile, which block-triangular
     * attention's GEMMs read. Every other entry is untouched.
     */
    void zeroAboveDiagonalInBlocks(float[] x, int off, int count, int seq, int block);

    /**
     * ALiBi on attention scores {@code x [count, rows, cols]} at {@code off}: matrix {@code c}
     * belongs to head {@code c mod heads} with {@code slope = slopes[slopesOff + c mod heads]};
     * row {@code r} is query position {@code i = pos0 + r}; for keys {@code j < min(cols, i + 1)},
     * {@code x[c][r][j] += (float) (j − i) · slope}, product and sum each rounded to float (no
     * fused multiply-add), so every backend matches GPT-NeoX's float bias bit for bit.
     */
    void alibiBias(float[] x, int off, int count, int rows, int cols, int pos0, float[] slopes, int slopesOff,
                   int heads);

    // ---------------------------------------------------------------- embedding

    /**
     * Vocab-parallel lookup: {@code out[r,:] = W[tok[r] − vocabStart, :]} when
     * {@code vocabStart <= tok[r] < vocabStart + vocabRows}, else zeros (spec §6.2).
     * W {@code [vocabRows, dim]}, tokens {@code int[rows]}, out {@code [rows, dim]}.
     */
    void embeddingForward(int[] tokens, int tokOff, float[] w, int wOff, float[] out, int outOff,
                          int rows, int dim, int vocabStart, int vocabRows);

    /** Accumulates {@code dW[tok[r] − vocabStart, :] += dout[r, :]} for tokens in the local range. */
    void embeddingBackward(int[] tokens, int tokOff, float[] dout, int dOff, float[] dw, int dwOff,
                           int rows, int dim, int vocabStart, int vocabRows);

    // ---------------------------------------------------------------- rotary

    /**
     * GPT-NeoX rotary embedding, in place, on {@code x [count, seq, headDim]} (count = batch·heads):
     * for position t and the first {@code rd} dims with halves {@code x1 = x[0, rd/2)},
     * {@code x2 = x[rd/2, rd)}: {@code x1' = x1·cos − x2·sin}, {@code x2' = x2·cos + x1·sin}
     * (= {@code x·cos(emb) + rotate_half(x)·sin(emb)}); dims ≥ rd untouched.
     * {@code cos}, {@code sin}: {@code [seq, rd/2]} tables from {@link RotaryTables}.
     */
    void rotaryForward(float[] x, int xOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin);

    /** Backward of {@link #rotaryForward} in place on the gradient (the inverse rotation). */
    void rotaryBackward(float[] dx, int dxOff, int count, int seq, int headDim, int rd, float[] cos, float[] sin);

    // ---------------------------------------------------------------- attention softmax

    /**
     * Fused scale + upper-triangular mask + softmax (Megatron's ScaledUpperTriangMaskedSoftmax):
     * x, y {@code [count, sq, sq]}; {@code z[i,j] = scale·x[i,j]} for {@code j <= i} and −10000 for
     * {@code j > i}; {@code y[i,:] = softmax(z[i,:])} (masked entries come out as exact 0 in
     * float). y may alias x.
     */
    void causalSoftmaxForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale);

    /**
     * Backward of {@link #causalSoftmaxForward}: {@code dx = scale · y ⊙ (dy − Σ_j dy⊙y)}, full
     * square written (zeros above the diagonal). dx may alias dy.
     */
    void causalSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                               int count, int sq, float scale);

    /**
     * Triangle variant of {@link #causalSoftmaxForward}: reads and writes only {@code j <= i};
     * entries above the diagonal are neither read nor written (callers treat them as 0).
     */
    void causalSoftmaxTriangleForward(float[] x, int xOff, float[] y, int yOff, int count, int sq, float scale);

    /** Triangle variant of {@link #causalSoftmaxBackward}: touches only {@code j <= i}. */
    void causalSoftmaxTriangleBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                       int count, int sq, float scale);

    // ---------------------------------------------------------------- loss

    /**
     * Softmax cross-entropy per row: logits {@code [rows, vocab]}, labels {@code int[rows]}.
     * Writes {@code loss[r] = logsumexp(logits[r,:]) − logits[r, label_r]} (for every row, masked
     * or not) and saves {@code lse[r] = logsumexp(logits[r,:])}.
     */
    void crossEntropyForward(float[] logits, int lOff, int[] labels, int labOff, float[] loss, float[] lse,
                             int rows, int vocab);

    /**
     * Backward of {@link #crossEntropyForward} <b>in place</b> (the logits buffer becomes dlogits,
     * since the logits are the largest activation): {@code logits[r,j] ← (softmax_rj − [j == label_r])
     * · dloss[r]}. Rows with {@code dloss[r] == 0} (the loss mask) become zeros.
     */
    void crossEntropyBackward(float[] logits, int lOff, int[] labels, int labOff, float[] lse, float[] dloss,
                              int rows, int vocab);

    /**
     * Training fast path: {@link #crossEntropyForward} and {@link #crossEntropyBackward} in one
     * sweep (one exp per logit instead of two). Writes {@code loss[r]}; turns {@code logits} in
     * place into {@code (softmax − onehot) · dloss[r]}. {@code dloss} must be known up front (it
     * depends only on the loss mask).
     */
    void crossEntropyFused(float[] logits, int lOff, int[] labels, int labOff, float[] dloss, float[] loss,
                           int rows, int vocab);

    // ---------------------------------------------------------------- optimizer

    /**
     * One Adam/AdamW step on {@code p, g [off, off+len)} (fp32 master weights, gradient) with the
     * moments at {@code m, v [mOff, mOff+len)} (equal offsets unsharded; ZeRO keeps only its
     * partition of the moments), as DeepSpeed FusedAdam:
     * {@code g' = g·gradScale (+ weightDecay·p for Adam)}; {@code m = β1·m + (1−β1)·g'};
     * {@code v = β2·v + (1−β2)·g'²}; {@code p −= lr · ((m/bc1) / (sqrt(v/bc2) + eps) (+ weightDecay·p for AdamW))}
     * with {@code bc1 = 1 − β1^step}, {@code bc2 = 1 − β2^step} (pass 1, 1 to disable bias correction).
     */
    void adamStep(float[] p, float[] g, float[] m, float[] v, int off, int mOff, int len, float lr,
                  float beta1, float beta2, float eps, float weightDecay, boolean adamW,
                  float bc1, float bc2, float gradScale);

    // ---------------------------------------------------------------- buffer ownership

    /**
     * Hands {@code buffer} to host code: on return its host array holds the current values and
     * host code may read and write it; the next kernel that uses it sees what the host wrote.
     * Kernels that work on the host arrays themselves (every backend but {@link ResidentKernels})
     * do nothing. Host code must call this before it touches a buffer a kernel has used (read OR
     * written) since the host last owned it: a kernel's output, a gradient a kernel accumulated,
     * and also a buffer the host had taken back and a kernel then only read (any kernel use hands
     * the buffer back to the kernels).
     */
    default void toHost(float[] buffer) {
    }

    /**
     * Makes {@code buffer[off, off+len)} current on the host for READING only, leaving the buffer
     * to the kernels (host writes to it would not be seen). For data that host code reads while
     * kernels keep using the rest, e.g. gradient ranges a reduction sends while backward goes on.
     */
    default void readToHost(float[] buffer, int off, int len) {
    }

    /**
     * {@link #toHost} without the transfer, when the host copy is already current: the caller has
     * read with {@link #readToHost} (in pieces) every element kernels wrote since the host last
     * held the buffer, or overwrites the rest itself (ZeRO's all-gather), so that host changes made
     * meanwhile (e.g. reduced gradient ranges) are not overwritten by a download.
     */
    default void toHostAfterReading(float[] buffer) {
    }

    /**
     * Hands back to the kernels a buffer the host took with {@link #toHost}, when host code has
     * changed only {@code buffer[off, off+len)} since: the device copy gets that range now instead
     * of the whole buffer at the next kernel use (e.g. ZeRO's gradient partition after the
     * reduce-scatter). A buffer the host held longer is uploaded whole at its next use as usual.
     */
    default void toKernels(float[] buffer, int off, int len) {
    }

    /**
     * Whether buffers live away from the host between calls ({@link ResidentKernels}): then host
     * code should not compute on them itself (a matrix-vector product on the host would first
     * fetch the vector and hand the result back).
     */
    default boolean buffersOnDevice() {
        return false;
    }
}
