package org.neox.model;

import org.neox.kernel.Kernels;
import org.neox.kernel.RotaryTables;

/**
 * Self-attention between the fused QKV projection and the dense projection (spec §5.3):
 * split of GPT-NeoX's head-interleaved {@code qkv [R, heads·3·hd]} (per head: q | k | v) into
 * per-head {@code q, k, v [c, s, hd]}, rotary on the first {@code rd} dims of q and k,
 * {@code softmax(scale·q·kᵀ, causal)} (fused kernel), attention dropout, {@code ctx = P·v},
 * merged back to rows {@code [R, hl]} (column {@code head·hd + dim}).
 *
 * <p>With ALiBi (per-head {@code slopes} of this rank) the order is GPT-NeoX's: the score GEMM
 * scales by {@code 1/√hd} (its {@code baddbmm alpha}), the bias {@code −slope·(i−j)} is added,
 * and the softmax runs with scale 1; backward, the softmax gradient (scale 1) is the gradient of
 * the scaled scores (the bias has no parameters) and the dq/dk GEMMs scale by {@code 1/√hd}.
 * Without ALiBi the softmax kernel applies the scale and the GEMMs use 1. The T5 relative
 * position bias ({@link RelativePositionBias}, shared by the layers) takes the same path, and its
 * backward sums the biased scores' gradient into the bias gradient. With
 * {@code apply_query_key_layer_scaling} and a bias, the score GEMMs scale by {@code 1/(c·√hd)} and
 * the softmax by {@code c} ({@code c = max(1, layer)}), as in GPT-NeoX, so the bias counts c times.
 *
 * <p>Triangle mode computes, per block of {@link #block} query rows {@code [i0, i1)}, only the
 * key columns {@code [0, i1)}: scores, softmax, {@code P·v} and all their gradients touch the
 * blocks on or below the diagonal (about {@code (n+1)/2n} of the square for n blocks). Each
 * block is one strided batched GEMM over all {@code batch·heads} matrices (the kernels run whole
 * matrices per thread); the products that reduce over query rows ({@code dv = Pᵀ·dh},
 * {@code dk = dSᵀ·q}) accumulate block by block into rows {@code [0, i1)} (measured faster in
 * the native kernel than one product per block of key columns over the rows below it). Inside
 * the diagonal blocks the entries above the diagonal are read by these GEMMs and are zeroed first.
 * Attention dropout runs on the same blocks only ({@code [i0, i1) × [0, i1)}), with the counters
 * the full-square call would use, so the kept entries are identical and the untouched rest is
 * never read.
 *
 * <p>Sparse layers ({@link BlockLayout}) add an additive mask {@code [maskHeads, s, s]} (0 or
 * {@link BlockLayout#MASKED}) to the scores before the softmax: the masked probabilities come out
 * as exact zeros, and so do their gradients, which is DeepSpeed's block-sparse attention. In
 * triangle mode each block of query rows also skips the key columns before the first one any of
 * its rows keeps ({@code [0, lo)}): a sliding window's GEMMs cover about the window, not the
 * triangle. Those skipped scores keep whatever the buffer held, plus the mask (finite: probs
 * hold earlier probabilities or zeros), so the softmax gives them exact zeros as well.
 */
final class AttentionCore {
    /** Query rows per triangle block: 128 for long sequences, a quarter of short ones (tests). */
    static int block(int seq) {
        return Math.max(1, Math.min(128, seq / 4));
    }

    private final Kernels k;
    private final Dims d;
    private final RotaryTables rotary;
    /** ALiBi slopes of this rank's heads, or null */
    private final float[] alibi;
    /** the relative position bias, or null */
    private final RelativePositionBias rpe;
    /** the sparse layout's additive score mask [maskHeads, s, s], or null */
    private final float[] mask;
    private final int maskHeads;
    /** per triangle block of query rows: the first key column any of its rows keeps (0 when dense) */
    private final int[] keyStart;
    /** alpha of the score GEMM and of the dq/dk GEMMs */
    private final float qkAlpha;
    /** scale the softmax kernels apply */
    private final float scale;
    private final boolean triangle;
    private final float dropout;
    private final int blk;

    /** @param layerScale c of apply_query_key_layer_scaling (1 without it); used only with a bias */
    AttentionCore(Kernels k, Dims d, RotaryTables rotary, float[] alibiSlopes, BlockLayout layout, boolean triangle,
                  float attentionDropout, RelativePositionBias rpe, int layerScale) {
        this.k = k;
        this.d = d;
        this.rotary = rotary;
        this.alibi = alibiSlopes;
        this.rpe = rpe;
        this.mask = layout != null ? layout.additiveMask(d.seq()) : null;
        this.maskHeads = mask == null ? 0 : mask.length / (d.seq() * d.seq());
        boolean bias = alibiSlopes != null || rpe != null;
        float norm = (float) (1.0 / (Math.sqrt(d.headDim()) * layerScale));
        this.qkAlpha = bias ? norm : 1f;
        this.scale = bias ? layerScale : norm;
        this.triangle = triangle;
        this.dropout = attentionDropout;
        this.blk = block(d.seq());
        this.keyStart = new int[(d.seq() + blk - 1) / blk];
        for (int b = 0; layout != null && b < keyStart.length; b++) {
            keyStart[b] = layout.firstKeptKey(b * blk, Math.min(d.seq(), (b + 1) * blk));
        }
    }

    /** qkv [R, 3hl] → c.q, c.k, c.v (rotated) → c.probs → c.ctx [R, hl]; heads is scratch. */
    void forward(float[] qkv, LayerCache c, float[] heads, boolean train, long seed, long counter) {
        split(qkv, c.q, c.k, c.v);
        if (rotary != null) {
            k.rotaryForward(c.q, 0, d.count(), d.seq(), d.headDim(), rotary.rd(), rotary.cos(), rotary.sin());
            k.rotaryForward(c.k, 0, d.count(), d.seq(), d.headDim(), rotary.rd(), rotary.cos(), rotary.sin());
        }
        int s = d.seq();
        int hd = d.headDim();
        int n = d.count();
        float[] pd = c.probs;
        if (triangle) {
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(false, true, i1 - i0, i1 - lo, hd, qkAlpha, c.q, i0 * hd, hd,
                    s * hd, c.k, lo * hd, hd, s * hd, 0f, c.probs, i0 * s + lo, s, s * s, n));
            addBias(c.probs);
            addMask(c.probs);
            k.causalSoftmaxTriangleForward(c.probs, 0, c.probs, 0, n, s, scale);
            k.zeroAboveDiagonalInBlocks(c.probs, 0, n, s, blk);
        } else {
            k.gemmBatched(false, true, s, s, hd, qkAlpha, c.q, 0, s * hd, c.k, 0, s * hd, 0f, c.probs, 0, s * s, n);
            addBias(c.probs);
            addMask(c.probs);
            k.causalSoftmaxForward(c.probs, 0, c.probs, 0, n, s, scale);
        }
        if (train && dropout > 0f) {
            if (triangle) {
                forEachBlock((i0, i1, lo) -> k.dropoutForward2d(c.probs, i0 * s, c.probsDropped, i0 * s, n, s * s,
                        i1 - i0, s, i1, dropout, seed, counter + (long) i0 * s));
            } else {
                k.dropoutForward(c.probs, 0, c.probsDropped, 0, n * s * s, dropout, seed, counter);
            }
            pd = c.probsDropped;
        }
        if (triangle) {
            float[] p2 = pd;
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(false, false, i1 - i0, hd, i1 - lo, 1f, p2, i0 * s + lo, s,
                    s * s, c.v, lo * hd, hd, s * hd, 0f, heads, i0 * hd, hd, s * hd, n));
        } else {
            k.gemmBatched(false, false, s, hd, s, 1f, pd, 0, s * s, c.v, 0, s * hd, 0f, heads, 0, s * hd, n);
        }
        headsToRows(heads, c.ctx);
    }

    /** dctx [R, hl] → dqkv [R, 3hl] (written), using scratch for per-head gradients. */
    void backward(float[] dctx, LayerCache c, Scratch sc, float[] dqkv, boolean train, long seed, long counter) {
        int s = d.seq();
        int hd = d.headDim();
        int n = d.count();
        float[] dh = sc.heads;
        rowsToHeads(dctx, dh);
        float[] pd = train && dropout > 0f ? c.probsDropped : c.probs;
        float[] dp = sc.dprobs;
        if (triangle) {
            if (mask != null) {
                // keys before a block's first kept key get no dp; the softmax backward reads them
                // (times a zero probability), so they must be finite: the scratch may hold anything
                k.fill(dp, 0, n * s * s, 0f);
            }
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(false, true, i1 - i0, i1 - lo, hd, 1f, dh, i0 * hd, hd,
                    s * hd, c.v, lo * hd, hd, s * hd, 0f, dp, i0 * s + lo, s, s * s, n));
            k.fill(sc.dv, 0, sc.dv.length, 0f);
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(true, false, i1 - lo, hd, i1 - i0, 1f, pd, i0 * s + lo, s,
                    s * s, dh, i0 * hd, hd, s * hd, 1f, sc.dv, lo * hd, hd, s * hd, n));
        } else {
            k.gemmBatched(false, true, s, s, hd, 1f, dh, 0, s * hd, c.v, 0, s * hd, 0f, dp, 0, s * s, n);
            k.gemmBatched(true, false, s, hd, s, 1f, pd, 0, s * s, dh, 0, s * hd, 0f, sc.dv, 0, s * hd, n);
        }
        if (train && dropout > 0f) {
            if (triangle) {
                forEachBlock((i0, i1, lo) -> k.dropoutBackward2d(dp, i0 * s, dp, i0 * s, n, s * s, i1 - i0, s, i1,
                        dropout, seed, counter + (long) i0 * s));
            } else {
                k.dropoutBackward(dp, 0, dp, 0, n * s * s, dropout, seed, counter);
            }
        }
        if (triangle) {
            k.causalSoftmaxTriangleBackward(c.probs, 0, dp, 0, dp, 0, n, s, scale);
            k.zeroAboveDiagonalInBlocks(dp, 0, n, s, blk);
            accumulateBias(dp);
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(false, false, i1 - i0, hd, i1 - lo, qkAlpha, dp,
                    i0 * s + lo, s, s * s, c.k, lo * hd, hd, s * hd, 0f, sc.dq, i0 * hd, hd, s * hd, n));
            k.fill(sc.dk, 0, sc.dk.length, 0f);
            forEachBlock((i0, i1, lo) -> k.gemmStridedBatched(true, false, i1 - lo, hd, i1 - i0, qkAlpha, dp,
                    i0 * s + lo, s, s * s, c.q, i0 * hd, hd, s * hd, 1f, sc.dk, lo * hd, hd, s * hd, n));
        } else {
            k.causalSoftmaxBackward(c.probs, 0, dp, 0, dp, 0, n, s, scale);
            accumulateBias(dp);
            k.gemmBatched(false, false, s, hd, s, qkAlpha, dp, 0, s * s, c.k, 0, s * hd, 0f, sc.dq, 0, s * hd, n);
            k.gemmBatched(true, false, s, hd, s, qkAlpha, dp, 0, s * s, c.q, 0, s * hd, 0f, sc.dk, 0, s * hd, n);
        }
        if (rotary != null) {
            k.rotaryBackward(sc.dq, 0, n, s, hd, rotary.rd(), rotary.cos(), rotary.sin());
            k.rotaryBackward(sc.dk, 0, n, s, hd, rotary.rd(), rotary.cos(), rotary.sin());
        }
        merge(sc.dq, sc.dk, sc.dv, dqkv);
    }

    /** Scores {@code [count, s, s]} += the ALiBi or relative position bias (no-op without one). */
    private void addBias(float[] scores) {
        if (alibi != null) {
            k.alibiBias(scores, 0, d.count(), d.seq(), d.seq(), 0, alibi, 0, alibi.length);
        }
        if (rpe != null) {
            rpe.addTo(scores, d.batch());
        }
    }

    private void accumulateBias(float[] dscores) {
        if (rpe != null) {
            rpe.accumulate(dscores, d.batch());
        }
    }

    /** Scores {@code [count, s, s]} += the sparse layout's mask of each matrix's head (no-op when dense). */
    private void addMask(float[] scores) {
        if (mask == null) {
            return;
        }
        int ss = d.seq() * d.seq();
        for (int m = 0; m < d.count(); m++) {
            int head = maskHeads == 1 ? 0 : m % d.headsLocal();
            k.add(scores, m * ss, mask, head * ss, scores, m * ss, ss);
        }
    }

    /**
     * One block {@code [from, to)} of query rows, for all matrices at once; its rows need the key
     * columns {@code [lo, to)} (0 unless a sparse layout masks a block's first keys).
     */
    private interface BlockBody {
        void run(int from, int to, int lo);
    }

    private void forEachBlock(BlockBody body) {
        int s = d.seq();
        for (int i0 = 0; i0 < s; i0 += blk) {
            body.run(i0, Math.min(s, i0 + blk), keyStart[i0 / blk]);
        }
    }

    /**
     * qkv row (b, t), column head·3hd + part·hd + j → part buffer [(b·H + head)·s + t, j]: per
     * batch and part one copy over (head, t) of hd-long pieces.
     */
    private void split(float[] qkv, float[] q, float[] kk, float[] v) {
        float[][] parts = {q, kk, v};
        int s = d.seq();
        int hd = d.headDim();
        int heads = d.headsLocal();
        for (int b = 0; b < d.batch(); b++) {
            for (int part = 0; part < 3; part++) {
                k.copy3d(qkv, b * s * 3 * heads * hd + part * hd, parts[part], b * heads * s * hd, heads, s, hd,
                        3 * hd, 3 * heads * hd, s * hd, hd);
            }
        }
    }

    /** The inverse of {@link #split}: per-part gradients [(b·H + head)·s + t, j] → dqkv rows. */
    private void merge(float[] dq, float[] dk, float[] dv, float[] dqkv) {
        float[][] parts = {dq, dk, dv};
        int s = d.seq();
        int hd = d.headDim();
        int heads = d.headsLocal();
        for (int b = 0; b < d.batch(); b++) {
            for (int part = 0; part < 3; part++) {
                k.copy3d(parts[part], b * heads * s * hd, dqkv, b * s * 3 * heads * hd + part * hd, heads, s, hd,
                        s * hd, hd, 3 * hd, 3 * heads * hd);
            }
        }
    }

    /** heads [(b·H + head)·s + t, j] → rows [b·s + t, head·hd + j]. */
    private void headsToRows(float[] heads, float[] rows) {
        int s = d.seq();
        int hd = d.headDim();
        int nh = d.headsLocal();
        for (int b = 0; b < d.batch(); b++) {
            k.copy3d(heads, b * nh * s * hd, rows, b * s * nh * hd, nh, s, hd, s * hd, hd, hd, nh * hd);
        }
    }

    /** The inverse of {@link #headsToRows}. */
    private void rowsToHeads(float[] rows, float[] heads) {
        int s = d.seq();
        int hd = d.headDim();
        int nh = d.headsLocal();
        for (int b = 0; b < d.batch(); b++) {
            k.copy3d(rows, b * s * nh * hd, heads, b * nh * s * hd, nh, s, hd, hd, nh * hd, s * hd, hd);
        }
    }
}
