package org.neox.model;

import java.util.Locale;

/**
 * The attention of one layer ({@code attention_config} entry, spec §1 item 9 and §5.3) and what
 * GPT-NeoX v2.0's {@code ParallelSelfAttention} does for it:
 * <ul>
 * <li>{@code global}: the dense causal softmax, attention dropout, ALiBi or the relative
 *     position bias when configured (times the layer number with apply_query_key_layer_scaling);</li>
 * <li>{@code flash}: flash-attn's causal kernel, the same function (scale 1/√hd, dropout in
 *     training); with ALiBi its Triton kernel, which takes no dropout probability;</li>
 * <li>the sparse kinds: DeepSpeed's block-sparse {@code SparseSelfAttention} with the layout of
 *     {@link SparseLayouts} (unidirectional), the −10000 causal mask added inside the kept blocks,
 *     no attention dropout and no ALiBi (the sparse path never calls either); the relative
 *     position bias is added (DeepSpeed's sparse softmax takes it as {@code rpe}).</li>
 * </ul>
 */
public enum AttentionKind {
    GLOBAL, FLASH, LOCAL, SPARSE_FIXED, SPARSE_VARIABLE, BIGBIRD, BSLONGFORMER;

    public static AttentionKind of(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("attention_config: attention type '" + s
                    + "' is not implemented by neox; expected one of global, flash, local, sparse_fixed,"
                    + " sparse_variable, bigbird, bslongformer", e);
        }
    }

    /** The config spelling. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean sparse() {
        return this != GLOBAL && this != FLASH;
    }

    /** Whether GPT-NeoX drops attention probabilities in this layer (with ALiBi or not). */
    public boolean dropsProbabilities(boolean alibi) {
        return this == GLOBAL || (this == FLASH && !alibi);
    }

    /** Whether GPT-NeoX adds the ALiBi bias in this layer. */
    public boolean addsAlibi() {
        return !sparse();
    }

    /**
     * Whether GPT-NeoX adds the relative position bias ({@code pos_emb: rpe}) in this layer: the
     * dense path adds it to the scores, the sparse path hands it to DeepSpeed's sparse softmax
     * ({@code rpe=}), flash-attn's kernel takes none.
     */
    public boolean addsRelativeBias() {
        return this != FLASH;
    }

    /**
     * Whether {@code apply_query_key_layer_scaling} divides this layer's scores by its layer number
     * before a bias and multiplies them back in the softmax: only the dense path's
     * {@code FusedScaleMaskSoftmax} takes the coefficient.
     */
    public boolean scalesByLayer() {
        return this == GLOBAL;
    }
}
