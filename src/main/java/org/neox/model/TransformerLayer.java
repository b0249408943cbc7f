package org.neox.model;

import org.neox.kernel.ActivationKind;
import org.neox.kernel.Kernels;
import org.neox.kernel.RotaryTables;
import org.neox.model.ParallelLinear.Kind;
import org.neox.tensor.ParamStore;

/**
 * One GPT-NeoX transformer layer (ParallelTransformerLayer, spec §5.3–5.5), at layer-spec index
 * {@code i + 2}. Input and output are hidden states {@code [R, h]}. Sequential residual:
 * {@code a = x + drop(attn(LN1 x)); out = a + drop(mlp(LN2 a))}; parallel (gpt_j_residual):
 * {@code out = x + drop(attn(LN1 x)) + drop(mlp(LN2 x or LN1 x))}. Biases sit inside the
 * linears. Over tensor ranks the parallel residual's row-parallel biases are per-rank copies added
 * before the all-reduce (GPT-NeoX's semantics: the effective bias is their sum), while hidden
 * dropout runs after the all-reduce on the full tensor, so its masks and the result equal the
 * single-rank model's (GPT-NeoX drops per rank before reducing). Backward runs forward's steps in reverse; the activation cache is passed in so that
 * activation checkpointing can share and refill caches.
 */
final class TransformerLayer {
    private static final int SITE_ATTN_PROBS = 1;
    private static final int SITE_ATTN_OUT = 2;
    private static final int SITE_MLP_OUT = 3;

    final int specIndex;
    private final Kernels k;
    private final RotaryTables rotary;
    /** ALiBi slopes of this rank's heads, or null */
    private final float[] alibiSlopes;
    /** the stage's shared relative position bias, or null */
    private final RelativePositionBias rpe;
    /** apply_query_key_layer_scaling's c for this layer (1 without it) */
    private final int layerScale;
    /** the sparse block layout of this layer, or null for global/flash attention */
    private final BlockLayout layout;
    private final boolean triangle;
    private final float attentionDropout;
    private Dims d;
    private final boolean parallel;
    private final boolean tiedNorms;
    /** the element-wise activation, or null for geglu */
    private final ActivationKind activation;
    private final float hiddenDropout;
    final NormLayer ln1;
    final NormLayer ln2;
    final ParallelLinear qkv;
    final ParallelLinear dense;
    final ParallelLinear fc1;
    final ParallelLinear fc2;
    private AttentionCore attention;

    TransformerLayer(int layer, ModelSpec spec, RotaryTables rotary, float[] alibiSlopes, BlockLayout layout,
                     ParamStore store, Kernels k, TensorParallel tp, RelativePositionBias rpe) {
        this.specIndex = ModelSpec.layerSpecIndex(layer);
        this.k = k;
        this.rotary = rotary;
        AttentionKind kind = spec.attentionConfig().get(layer);
        this.alibiSlopes = kind.addsAlibi() ? alibiSlopes : null;
        this.layout = layout;
        this.rpe = kind.addsRelativeBias() ? rpe : null;
        this.layerScale = kind.scalesByLayer() ? spec.layerScale(layer) : 1;
        this.triangle = spec.useTriangleAttn();
        this.attentionDropout = kind.dropsProbabilities(alibiSlopes != null) ? (float) spec.attentionDropout() : 0f;
        this.parallel = spec.gptJResidual();
        this.tiedNorms = spec.gptJTied();
        this.activation = spec.activation() == ModelSpec.Activation.GEGLU ? null : spec.elementwiseActivation();
        this.hiddenDropout = (float) spec.hiddenDropout();
        String p = "sequential." + specIndex + ".";
        int h = spec.hiddenSize();
        ln1 = new NormLayer(p + "input_layernorm", spec, store, k);
        qkv = new ParallelLinear(Kind.COLUMN, p + "attention.query_key_value", h, 3 * h, true, store, k, tp);
        dense = new ParallelLinear(Kind.ROW, p + "attention.dense", h, h, true, parallel, store, k, tp);
        ln2 = new NormLayer(p + "post_attention_layernorm", spec, store, k);
        fc1 = new ParallelLinear(Kind.COLUMN, p + "mlp.dense_h_to_4h", h, spec.ffOut(), true, store, k, tp);
        fc2 = new ParallelLinear(Kind.ROW, p + "mlp.dense_4h_to_h", spec.ffIn(), h, true, parallel, store, k, tp);
    }

    /** Sets the pass shape (batch, seq) for the following forward/backward calls. */
    void bind(Dims dims) {
        if (!dims.equals(d)) {
            d = dims;
            attention = new AttentionCore(k, dims, rotary, alibiSlopes, layout, triangle, attentionDropout, rpe, layerScale);
        }
    }

    /** Initialises this layer's parameters (spec §5.7). */
    void init(float[] p, Initializer init, ModelSpec spec, ParamStore store) {
        ln1.init(p);
        ln2.init(p);
        for (ParallelLinear l : new ParallelLinear[] {qkv, dense, fc1, fc2}) {
            boolean output = l == dense || l == fc2;
            init.fill(output ? spec.outputLayerInitMethod() : spec.initMethod(), p, store.view(l.weightName));
        }
    }

    private long counter(int site) {
        return ((long) specIndex * 8 + site) << 40;
    }

    /** x [R, h] → out [R, h]; fills c. */
    void forward(float[] x, float[] out, LayerCache c, Scratch sc, boolean train, long seed) {
        int r = d.rows();
        int h = d.hidden();
        ln1.forward(x, 0, c.ln1, 0, c.ln1A, c.ln1B, r);
        qkv.forward(c.ln1, 0, sc.qkv, 0, r);
        attention.forward(sc.qkv, c, sc.heads, train, seed, counter(SITE_ATTN_PROBS));
        dense.forward(c.ctx, 0, sc.branchA, 0, r);
        dropout(sc.branchA, train, seed, SITE_ATTN_OUT);
        float[] mlpIn;
        if (parallel) {
            if (!tiedNorms) {
                ln2.forward(x, 0, c.ln2, 0, c.ln2A, c.ln2B, r);
            }
            mlpIn = tiedNorms ? c.ln1 : c.ln2;
        } else {
            k.add(x, 0, sc.branchA, 0, c.mid, 0, r * h);
            ln2.forward(c.mid, 0, c.ln2, 0, c.ln2A, c.ln2B, r);
            mlpIn = c.ln2;
        }
        fc1.forward(mlpIn, 0, c.fc, 0, r);
        if (activation == null) {
            k.gegluForward(c.fc, 0, c.act, 0, r, d.actLocal());
        } else {
            k.activationForward(activation, c.fc, 0, c.act, 0, r * d.ffLocal());
        }
        fc2.forward(c.act, 0, sc.branchB, 0, r);
        dropout(sc.branchB, train, seed, SITE_MLP_OUT);
        if (parallel) {
            k.add(x, 0, sc.branchA, 0, out, 0, r * h);
            k.add(out, 0, sc.branchB, 0, out, 0, r * h);
        } else {
            k.add(c.mid, 0, sc.branchB, 0, out, 0, r * h);
        }
    }

    /** dout [R, h] → dx [R, h] (written; may not alias dout); accumulates parameter gradients. */
    void backward(float[] dout, float[] x, float[] dx, LayerCache c, Scratch sc, boolean train, long seed) {
        int r = d.rows();
        int n = r * d.hidden();
        // MLP branch: out = base + drop(fc2(act(fc1(mlpIn))))
        dropoutBackward(dout, sc.branchB, train, seed, SITE_MLP_OUT);
        if (activation == null) {
            fc2.backward(sc.branchB, 0, c.act, 0, sc.dact, 0, r);
            k.gegluBackward(c.fc, 0, sc.dact, 0, sc.dfc, 0, r, d.actLocal());
        } else {
            fc2.backward(sc.branchB, 0, c.act, 0, sc.dfc, 0, r);
            k.activationBackward(activation, c.fc, 0, sc.dfc, 0, sc.dfc, 0, r * d.ffLocal());
        }
        float[] mlpIn = parallel ? (tiedNorms ? c.ln1 : c.ln2) : c.ln2;
        fc1.backward(sc.dfc, 0, mlpIn, 0, sc.dln, 0, r);
        // dmid: gradient reaching the attention branch output's sum point.
        float[] dmid = sc.branchB;
        if (parallel) {
            k.copy(dout, 0, dmid, 0, n);
        } else {
            ln2.backward(sc.dln, 0, c.mid, 0, c.ln2A, c.ln2B, dmid, 0, r);
            k.add(dmid, 0, dout, 0, dmid, 0, n);
        }
        // Attention branch: dmid flows to drop(dense(attn(qkv(LN1 x)))).
        dropoutBackward(dmid, sc.branchA, train, seed, SITE_ATTN_OUT);
        dense.backward(sc.branchA, 0, c.ctx, 0, sc.dctx, 0, r);
        attention.backward(sc.dctx, c, sc, sc.qkv, train, seed, counter(SITE_ATTN_PROBS));
        float[] dln1 = sc.branchA;
        qkv.backward(sc.qkv, 0, c.ln1, 0, dln1, 0, r);
        if (parallel && tiedNorms) {
            k.add(dln1, 0, sc.dln, 0, dln1, 0, n);
        }
        ln1.backward(dln1, 0, x, 0, c.ln1A, c.ln1B, dx, 0, r);
        if (parallel && !tiedNorms) {
            // LN2 also reads x: its gradient joins dx (reuse dln1 as the LN2 input gradient).
            ln2.backward(sc.dln, 0, x, 0, c.ln2A, c.ln2B, dln1, 0, r);
            k.add(dx, 0, dln1, 0, dx, 0, n);
        }
        k.add(dx, 0, dmid, 0, dx, 0, n);
    }

    private void dropout(float[] buf, boolean train, long seed, int site) {
        if (train && hiddenDropout > 0f) {
            k.dropoutForward(buf, 0, buf, 0, d.rows() * d.hidden(), hiddenDropout, seed, counter(site));
        }
    }

    private void dropoutBackward(float[] dy, float[] dx, boolean train, long seed, int site) {
        int n = d.rows() * d.hidden();
        if (train && hiddenDropout > 0f) {
            k.dropoutBackward(dy, 0, dx, 0, n, hiddenDropout, seed, counter(site));
        } else {
            k.copy(dy, 0, dx, 0, n);
        }
    }
}
