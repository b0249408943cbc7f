package org.neox.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.neox.kernel.Kernels;
import org.neox.kernel.RotaryTables;
import org.neox.model.ModelSpec.Norm;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.ParamView;

/**
 * Inference forward of a whole, single-tensor-rank {@link GPTNeoXModel} (spec §5) over new
 * positions of one sequence, attending to the keys and values of the earlier positions kept in
 * a {@link KvCache}: a prompt is one call with all its tokens, each generated token one call
 * with one token. Reads the model's flat parameter buffer through its named views (so it sees
 * loaded weights) and computes with the {@link Kernels} primitives; no dropout, no gradients.
 * Not thread-safe: one session serves one sequence at a time.
 *
 * <p>The relative position bias ({@code pos_emb: rpe}) of query position {@code pos0 + t} and key
 * j uses the true distance {@code pos0 + t − j}. GPT-NeoX v2.0's cached generation calls
 * {@code rpe(1, len)} for a single new token, which measures positions from {@code arange(q_len)}
 * and so gives every key the bucket of distance 0; neox does not copy that mistake, so its
 * cached steps equal the full-sequence forward.
 */
public final class InferenceSession {
    private final ModelSpec spec;
    private final Kernels k;
    private final float[] p;
    private final int h;
    private final int heads;
    private final int hd;
    private final int ff;
    private final int ffIn;
    private final int vocab;
    private final RotaryTables rotary;
    /** ALiBi slopes of all heads, or null */
    private final float[] alibi;
    /** pos_emb rpe: offset of the weight [buckets, heads] in p, else -1; bucket of each distance */
    private final int rpeOff;
    private final int[] rpeBuckets;
    /** scale · weight, read from p at each forward (so loaded weights are seen) */
    private final float[] rpeScaled;
    private final float[] sinusoid;
    private final int wordOff;
    private final int posOff;
    private final int outOff;
    private final Norm norm;
    private final NormParams finalNorm;
    private final LayerParams[] layers;
    /** per layer: the sparse block layout, or null */
    private final BlockLayout[] layouts;
    private Buffers buf;
    private float[] scores = new float[0];

    public InferenceSession(GPTNeoXModel model, Kernels kernels) {
        this.spec = model.spec();
        this.k = kernels;
        this.p = model.params();
        this.h = spec.hiddenSize();
        this.heads = spec.numHeads();
        this.hd = spec.headDim();
        this.ff = spec.ffOut();
        this.ffIn = spec.ffIn();
        this.vocab = spec.paddedVocabSize();
        this.norm = spec.norm();
        Map<String, ParamView> views = new HashMap<>();
        for (ParamView v : model.views()) {
            views.put(v.name(), v);
        }
        ParamView word = require(views, "sequential.0.word_embeddings.weight");
        if (word.shape()[0] != vocab || views.size() != model.views().size()) {
            throw new IllegalArgumentException("inference needs the whole model on one tensor rank; word embeddings are "
                    + Arrays.toString(word.shape()) + " for padded vocab " + vocab);
        }
        this.wordOff = word.offset();
        this.posOff = spec.posEmb() == PosEmb.LEARNED
                ? require(views, "sequential.0.position_embeddings.weight").offset() : -1;
        this.sinusoid = spec.posEmb() == PosEmb.SINUSOIDAL ? EmbeddingLayer.sinusoidTable(spec.seqLength(), h) : null;
        this.rotary = spec.posEmb() == PosEmb.ROTARY ? RotaryTables.of(spec.seqLength(),
                RotaryTables.rotaryDims(hd, spec.rotaryPct()), spec.rotaryEmbBase()) : null;
        this.alibi = spec.posEmb() == PosEmb.ALIBI ? Alibi.rankSlopes(heads, 1, 0) : null;
        boolean rpe = spec.posEmb() == PosEmb.RPE;
        this.rpeOff = rpe ? require(views, RelativePositionBias.NAME).offset() : -1;
        this.rpeBuckets = new int[rpe ? spec.seqLength() : 0];
        for (int d = 0; d < rpeBuckets.length; d++) {
            rpeBuckets[d] = RelativePositionBias.bucket(d, spec.rpeNumBuckets(), spec.rpeMaxDistance());
        }
        this.rpeScaled = new float[rpe ? spec.rpeNumBuckets() * heads : 0];
        this.layers = new LayerParams[spec.numLayers()];
        this.layouts = new BlockLayout[spec.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layouts[i] = model.sparseLayout(i);
            String pre = "sequential." + ModelSpec.layerSpecIndex(i) + ".";
            layers[i] = new LayerParams(normParams(views, pre + "input_layernorm"),
                    require(views, pre + "attention.query_key_value.weight").offset(),
                    require(views, pre + "attention.query_key_value.bias").offset(),
                    require(views, pre + "attention.dense.weight").offset(),
                    require(views, pre + "attention.dense.bias").offset(),
                    normParams(views, pre + "post_attention_layernorm"),
                    require(views, pre + "mlp.dense_h_to_4h.weight").offset(),
                    require(views, pre + "mlp.dense_h_to_4h.bias").offset(),
                    require(views, pre + "mlp.dense_4h_to_h.weight").offset(),
                    require(views, pre + "mlp.dense_4h_to_h.bias").offset());
        }
        this.finalNorm = normParams(views, "sequential." + spec.finalNormSpecIndex() + ".norm");
        this.outOff = spec.noWeightTying()
                ? require(views, "sequential." + spec.outputSpecIndex() + ".final_linear.weight").offset() : wordOff;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** A cache for sequences of up to {@code seq_length} positions. */
    public KvCache newCache() {
        return new KvCache(spec.numLayers(), heads, hd, spec.seqLength());
    }

    /**
     * Runs {@code tokens[off, off + n)} at positions {@code cache.length() ...} and appends their
     * keys and values to the cache. Writes logits {@code [n, V']} to {@code logits} when
     * {@code allRows}, else only the last position's {@code [V']}.
     */
    public void forward(int[] tokens, int off, int n, KvCache cache, boolean allRows, float[] logits) {
        int pos0 = cache.length();
        if (n < 1 || pos0 + n > cache.capacity) {
            throw new IllegalArgumentException("positions [" + pos0 + ", " + (pos0 + n) + ") exceed the cache of "
                    + cache.capacity + " (seq_length)");
        }
        Buffers b = buffers(n, pos0 + n);
        embed(tokens, off, n, pos0, b.x);
        if (rpeOff >= 0) {
            k.readToHost(p, rpeOff, rpeScaled.length);
            float scale = (float) Math.sqrt(hd);
            for (int i = 0; i < rpeScaled.length; i++) {
                rpeScaled[i] = scale * p[rpeOff + i];
            }
        }
        for (int i = 0; i < layers.length; i++) {
            layer(i, cache.keys[i], cache.values[i], cache.capacity, pos0, n, b);
        }
        cache.advance(n);
        int first = allRows ? 0 : n - 1;
        int rows = n - first;
        applyNorm(finalNorm, b.x, first * h, b.ln, rows, b);
        matmulWeightsT(b.ln, 0, rows, h, vocab, outOff, logits);
        k.toHost(logits);
    }

    private void embed(int[] tokens, int off, int n, int pos0, float[] x) {
        for (int r = 0; r < n; r++) {
            int t = tokens[off + r];
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token " + t + " is outside the padded vocab " + vocab);
            }
        }
        k.embeddingForward(tokens, off, p, wordOff, x, 0, n, h, 0, vocab);
        float[] table = posOff >= 0 ? p : sinusoid;
        if (table == null) {
            return;
        }
        int base = posOff >= 0 ? posOff : 0;
        k.add(x, 0, table, base + pos0 * h, x, 0, n * h);
    }

    /** One transformer layer on {@code b.x [n, h]} in place (spec §5.3–5.5, eval mode). */
    private void layer(int i, float[] kc, float[] vc, int cap, int pos0, int n, Buffers b) {
        LayerParams lp = layers[i];
        AttentionKind kind = spec.attentionConfig().get(i);
        applyNorm(lp.ln1, b.x, 0, b.ln, n, b);
        linear(b.ln, n, h, 3 * h, lp.qkvW, lp.qkvB, b.qkv);
        attention(kind.addsAlibi() ? alibi : null, kind.addsRelativeBias() && rpeOff >= 0, layouts[i],
                kind.scalesByLayer() ? spec.layerScale(i) : 1, kc, vc, cap, pos0, n, b);
        linear(b.ctx, n, h, h, lp.denseW, lp.denseB, b.attnOut);
        float[] mlpIn;
        if (spec.gptJResidual()) {
            if (!spec.gptJTied()) {
                applyNorm(lp.ln2, b.x, 0, b.ln2, n, b);
            }
            mlpIn = spec.gptJTied() ? b.ln : b.ln2;
        } else {
            k.add(b.x, 0, b.attnOut, 0, b.x, 0, n * h);
            applyNorm(lp.ln2, b.x, 0, b.ln2, n, b);
            mlpIn = b.ln2;
        }
        linear(mlpIn, n, h, ff, lp.fc1W, lp.fc1B, b.fc);
        float[] act = b.fc;
        if (spec.activation() == ModelSpec.Activation.GEGLU) {
            k.gegluForward(b.fc, 0, b.act, 0, n, ffIn);
            act = b.act;
        } else {
            k.activationForward(spec.elementwiseActivation(), b.fc, 0, b.fc, 0, n * ff);
        }
        linear(act, n, ffIn, h, lp.fc2W, lp.fc2B, b.mlpOut);
        if (spec.gptJResidual()) {
            k.add(b.mlpOut, 0, b.attnOut, 0, b.mlpOut, 0, n * h);
        }
        k.add(b.x, 0, b.mlpOut, 0, b.x, 0, n * h);
    }

    /**
     * Splits the head-interleaved {@code qkv [n, heads·3·hd]} into {@code q, k, v [heads, n, hd]},
     * rotates q and k at their absolute positions, appends k and v to the cache, then
     * {@code ctx = softmax(q·Kᵀ/√hd [+ ALiBi or rpe], causal [and sparse layout])·V} over all cached
     * positions → {@code b.ctx [n, h]} (with a bias, GPT-NeoX's layer scaling: scores divided by
     * {@code layerScale}, the softmax multiplying by it).
     */
    private void attention(float[] slopes, boolean rpe, BlockLayout layout, int layerScale, float[] kc, float[] vc,
                           int cap, int pos0, int n, Buffers b) {
        float[][] parts = {b.q, b.kNew, b.vNew};
        for (int part = 0; part < 3; part++) {
            // qkv [t, head·3hd + part·hd + j] → part [head, t, j]
            k.copy3d(b.qkv, part * hd, parts[part], 0, heads, n, hd, 3 * hd, 3 * h, n * hd, hd);
        }
        if (rotary != null) {
            int half = rotary.rd() / 2;
            float[] cos = Arrays.copyOfRange(rotary.cos(), pos0 * half, (pos0 + n) * half);
            float[] sin = Arrays.copyOfRange(rotary.sin(), pos0 * half, (pos0 + n) * half);
            k.rotaryForward(b.q, 0, heads, n, hd, rotary.rd(), cos, sin);
            k.rotaryForward(b.kNew, 0, heads, n, hd, rotary.rd(), cos, sin);
        }
        // [head, t, j] → cache [head, pos0 + t, j]
        k.copy3d(b.kNew, 0, kc, pos0 * hd, 1, heads, n * hd, 0, n * hd, 0, cap * hd);
        k.copy3d(b.vNew, 0, vc, pos0 * hd, 1, heads, n * hd, 0, n * hd, 0, cap * hd);
        int len = pos0 + n;
        float norm = (float) (1.0 / Math.sqrt(hd));
        if (slopes != null || rpe) {
            // GPT-NeoX's order: scaled scores, + bias at absolute query position i (−slope·(i−j) or rpe), softmax
            float alpha = (float) (1.0 / (Math.sqrt(hd) * layerScale));
            k.gemmBatched(false, true, n, len, hd, alpha, b.q, 0, n * hd, kc, 0, cap * hd, 0f, scores, 0, n * len, heads);
            if (slopes != null) {
                k.alibiBias(scores, 0, heads, n, len, pos0, slopes, 0, heads);
            }
            k.toHost(scores);
            if (rpe) {
                addRelativeBias(scores, n, len, pos0);
            }
            maskedSoftmax(scores, heads, n, len, pos0, layerScale, layout);
        } else {
            k.gemmBatched(false, true, n, len, hd, 1f, b.q, 0, n * hd, kc, 0, cap * hd, 0f, scores, 0, n * len, heads);
            k.toHost(scores);
            maskedSoftmax(scores, heads, n, len, pos0, norm, layout);
        }
        k.gemmBatched(false, false, n, hd, len, 1f, scores, 0, n * len, vc, 0, cap * hd, 0f, b.heads, 0, n * hd, heads);
        // [head, t, j] → ctx [t, head·hd + j]
        k.copy3d(b.heads, 0, b.ctx, 0, heads, n, hd, n * hd, hd, hd, h);
    }

    /** Scores {@code [heads, n, len]} += scale·weight[bucket(pos0 + t − j), head] for keys j ≤ pos0 + t. */
    private void addRelativeBias(float[] s, int n, int len, int pos0) {
        for (int c = 0; c < heads; c++) {
            for (int t = 0; t < n; t++) {
                int o = (c * n + t) * len;
                int i = pos0 + t;
                for (int j = 0; j <= i; j++) {
                    s[o + j] += rpeScaled[rpeBuckets[i - j] * heads + c];
                }
            }
        }
    }

    /**
     * Row t of each head (absolute position pos0 + t) sees keys {@code [0, pos0 + t]} (those the
     * sparse layout keeps, when there is one): softmax of the scaled scores there, exact zeros
     * elsewhere (what the −10000 mask gives in float, and what DeepSpeed's skipped blocks give).
     */
    private static void maskedSoftmax(float[] s, int count, int n, int len, int pos0, float scale, BlockLayout layout) {
        for (int c = 0; c < count; c++) {
            for (int t = 0; t < n; t++) {
                int o = (c * n + t) * len;
                int q = pos0 + t;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j <= q; j++) {
                    if (layout == null || layout.keeps(c, q, j)) {
                        max = Math.max(max, s[o + j] * scale);
                    }
                }
                double sum = 0;
                for (int j = 0; j <= q; j++) {
                    float e = layout == null || layout.keeps(c, q, j) ? (float) Math.exp(s[o + j] * scale - max) : 0f;
                    s[o + j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                for (int j = 0; j <= q; j++) {
                    s[o + j] *= inv;
                }
                Arrays.fill(s, o + q + 1, o + len, 0f);
            }
        }
    }

    /** {@code y [n, out] = x [n, in] · Wᵀ + b} with torch weights {@code W [out, in]}. */
    private void linear(float[] x, int n, int in, int out, int wOff, int bOff, float[] y) {
        matmulWeightsT(x, 0, n, in, out, wOff, y);
        k.biasAdd(y, 0, p, bOff, n, out);
    }

    /**
     * {@code y [n, out] = x [n, in] · Wᵀ} for {@code W [out, in]} at {@code p[wOff]}. A single row
     * (each generated token) is a matrix-vector product done here on the heap: the GEMM kernel
     * would first copy the whole weight matrix off-heap, which costs more than the product; unless
     * the kernels keep their buffers on a device, where the weights already are.
     */
    private void matmulWeightsT(float[] x, int xOff, int n, int in, int out, int wOff, float[] y) {
        if (n > 1 || k.buffersOnDevice()) {
            k.gemm(false, true, n, out, in, 1f, x, xOff, in, p, wOff, in, 0f, y, 0, out);
            return;
        }
        k.toHost(x);
        k.toHost(y);
        for (int o = 0; o < out; o++) {
            int w = wOff + o * in;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            int i = 0;
            for (; i + 3 < in; i += 4) {
                s0 += p[w + i] * x[xOff + i];
                s1 += p[w + i + 1] * x[xOff + i + 1];
                s2 += p[w + i + 2] * x[xOff + i + 2];
                s3 += p[w + i + 3] * x[xOff + i + 3];
            }
            for (; i < in; i++) {
                s0 += p[w + i] * x[xOff + i];
            }
            y[o] = (s0 + s1) + (s2 + s3);
        }
    }

    private void applyNorm(NormParams np, float[] x, int xOff, float[] out, int rows, Buffers b) {
        switch (norm) {
            case LAYERNORM -> k.layerNormForward(x, xOff, p, np.w, p, np.b, out, 0, b.statA, b.statB, rows, h,
                    (float) spec.layernormEps());
            case RMSNORM -> k.rmsNormForward(x, xOff, p, np.w, out, 0, b.statA, rows, h, (float) spec.rmsNormEps());
            default -> k.scaleNormForward(x, xOff, p, np.w, out, 0, b.statA, rows, h, (float) spec.scalenormEps());
        }
    }

    private NormParams normParams(Map<String, ParamView> views, String prefix) {
        return switch (norm) {
            case LAYERNORM -> new NormParams(require(views, prefix + ".weight").offset(),
                    require(views, prefix + ".bias").offset());
            case RMSNORM -> new NormParams(require(views, prefix + ".scale").offset(), -1);
            default -> new NormParams(require(views, prefix + ".g").offset(), -1);
        };
    }

    private static ParamView require(Map<String, ParamView> views, String name) {
        ParamView v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("the model has no parameter " + name + " (inference needs the whole model)");
        }
        return v;
    }

    /**
     * Activation buffers for {@code n} new rows; the scores {@code [heads, n, len]} grow
     * geometrically, since during generation {@code len} grows by one per token.
     */
    private Buffers buffers(int n, int len) {
        if (buf == null || buf.rows < n) {
            buf = new Buffers(Math.max(n, buf == null ? 1 : buf.rows), h, ff, ffIn);
        }
        long need = (long) heads * n * len;
        if (scores.length < need) {
            scores = new float[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, 2L * scores.length))];
        }
        return buf;
    }

    private record NormParams(int w, int b) {
    }

    private record LayerParams(NormParams ln1, int qkvW, int qkvB, int denseW, int denseB, NormParams ln2,
                               int fc1W, int fc1B, int fc2W, int fc2B) {
    }

    /** Scratch for up to {@code rows} new positions; all activations {@code [rows, features]}. */
    private static final class Buffers {
        final int rows;
        final float[] x;
        final float[] ln;
        final float[] ln2;
        final float[] qkv;
        final float[] q;
        final float[] kNew;
        final float[] vNew;
        final float[] heads;
        final float[] ctx;
        final float[] attnOut;
        final float[] fc;
        final float[] act;
        final float[] mlpOut;
        final float[] statA;
        final float[] statB;

        /** ff: dense_h_to_4h outputs; ffIn: activation width (geglu's output has its own buffer). */
        Buffers(int rows, int h, int ff, int ffIn) {
            this.rows = rows;
            x = new float[rows * h];
            ln = new float[rows * h];
            ln2 = new float[rows * h];
            qkv = new float[rows * 3 * h];
            q = new float[rows * h];
            kNew = new float[rows * h];
            vNew = new float[rows * h];
            heads = new float[rows * h];
            ctx = new float[rows * h];
            attnOut = new float[rows * h];
            fc = new float[rows * ff];
            act = ffIn == ff ? fc : new float[rows * ffIn];
            mlpOut = new float[rows * h];
            statA = new float[rows];
            statB = new float[rows];
        }
    }
}
