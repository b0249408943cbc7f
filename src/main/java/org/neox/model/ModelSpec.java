package org.neox.model;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.neox.kernel.ActivationKind;

/**
 * The model hyper-parameters of GPT-NeoX v2.0 that the layers need (spec §5), with the
 * NeoXArgs key each field comes from. The lead maps NeoXArgs to this record; the enums parse the
 * YAML spellings.
 *
 * @param numLayers num_layers (L)
 * @param hiddenSize hidden_size (h)
 * @param numHeads num_attention_heads
 * @param seqLength seq_length (the longest sequence a batch may have)
 * @param maxPositionEmbeddings max_position_embeddings (learned table rows)
 * @param paddedVocabSize padded vocab V' (spec §4)
 * @param posEmb pos_emb
 * @param rotaryPct rotary_pct
 * @param rotaryEmbBase rotary_emb_base
 * @param norm norm
 * @param layernormEps layernorm_epsilon
 * @param rmsNormEps rms_norm_epsilon
 * @param scalenormEps scalenorm_epsilon
 * @param gptJResidual gpt_j_residual (parallel attention + MLP)
 * @param gptJTied gpt_j_tied (both branches read input_layernorm's output)
 * @param noWeightTying no_weight_tying (true: untied final_linear)
 * @param activation activation
 * @param biasGeluFusion bias_gelu_fusion (selects the tanh GeLU approximation)
 * @param initMethod init_method
 * @param outputLayerInitMethod output_layer_init_method
 * @param initMethodStd init_method_std
 * @param attentionDropout attention_dropout
 * @param hiddenDropout hidden_dropout
 * @param checkpointActivations checkpoint_activations
 * @param checkpointNumLayers checkpoint_num_layers
 * @param useTriangleAttn use_triangle_attn (block-triangular causal attention)
 * @param attentionConfig attention_config expanded to one entry per layer
 * @param sparsityConfig sparsity_config (the sparse layer types' settings)
 * @param rpeNumBuckets rpe_num_buckets (T5 relative position bias, pos_emb rpe)
 * @param rpeMaxDistance rpe_max_distance
 * @param applyQueryKeyLayerScaling apply_query_key_layer_scaling (in global layers the scores are
 *        divided by {@code c = max(1, layer index)} before a position bias is added and the softmax
 *        multiplies by c again: the net effect multiplies the rpe/ALiBi bias by c; otherwise only precision)
 */
public record ModelSpec(int numLayers, int hiddenSize, int numHeads, int seqLength, int maxPositionEmbeddings,
                        int paddedVocabSize, PosEmb posEmb, double rotaryPct, double rotaryEmbBase, Norm norm,
                        double layernormEps, double rmsNormEps, double scalenormEps, boolean gptJResidual,
                        boolean gptJTied, boolean noWeightTying, Activation activation, boolean biasGeluFusion,
                        InitMethod initMethod, InitMethod outputLayerInitMethod, double initMethodStd,
                        double attentionDropout, double hiddenDropout, boolean checkpointActivations,
                        int checkpointNumLayers, boolean useTriangleAttn, List<AttentionKind> attentionConfig,
                        SparsityConfig sparsityConfig, int rpeNumBuckets, int rpeMaxDistance,
                        boolean applyQueryKeyLayerScaling) {

    public ModelSpec {
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        }
        if (posEmb == PosEmb.LEARNED && maxPositionEmbeddings < seqLength) {
            throw new IllegalArgumentException("max_position_embeddings " + maxPositionEmbeddings + " < seq_length " + seqLength);
        }
        if (posEmb == PosEmb.RPE && (rpeNumBuckets < 2 || rpeMaxDistance <= rpeNumBuckets / 2)) {
            throw new IllegalArgumentException("rpe_num_buckets " + rpeNumBuckets + " / rpe_max_distance " + rpeMaxDistance
                    + " is not a valid relative position bias; expected rpe_num_buckets >= 2 and rpe_max_distance > rpe_num_buckets / 2");
        }
        if (checkpointNumLayers < 1) {
            throw new IllegalArgumentException("checkpoint_num_layers must be >= 1, got " + checkpointNumLayers);
        }
        attentionConfig = List.copyOf(attentionConfig);
        if (attentionConfig.size() != numLayers) {
            throw new IllegalArgumentException("attention_config has " + attentionConfig.size() + " entries for "
                    + numLayers + " layers");
        }
        // each sparse type's settings are checked once here, before any rank builds its layers
        attentionConfig.stream().distinct().filter(AttentionKind::sparse)
                .forEach(kind -> SparseLayouts.make(kind, sparsityConfig, numHeads, seqLength, 0, 0));
    }

    /** GPT-NeoX defaults for everything but the sizes, except rotary pos-emb and an untied output as in the shipped configs (NeoX itself defaults to learned, tied). */
    public static ModelSpec defaults(int numLayers, int hidden, int heads, int seq, int paddedVocab) {
        return new ModelSpec(numLayers, hidden, heads, seq, seq, paddedVocab, PosEmb.ROTARY, 1.0, 10000,
                Norm.LAYERNORM, 1e-5, 1e-8, 1e-5, false, false, true, Activation.GELU, false,
                InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.02, 0.0, 0.0, false, 1, false,
                Collections.nCopies(numLayers, AttentionKind.GLOBAL), SparsityConfig.DEFAULTS, 32, 128, false);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Index of transformer layer i in the layer-spec list (spec §5.1). */
    public static int layerSpecIndex(int layer) {
        return layer + 2;
    }

    public int finalNormSpecIndex() {
        return numLayers + 3;
    }

    public int outputSpecIndex() {
        return numLayers + 4;
    }

    public ModelSpec withPosEmb(PosEmb p) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, p,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withNorm(Norm n, boolean parallelResidual, boolean tiedNorms, boolean untiedOutput, boolean tanhGelu) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, n, layernormEps, rmsNormEps, scalenormEps, parallelResidual, tiedNorms,
                untiedOutput, activation, tanhGelu, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withRotaryPct(double pct) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                pct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withDropout(double attention, double hidden) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attention, hidden, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withMemory(boolean checkpoint, int checkpointLayers, boolean triangle) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpoint, checkpointLayers, triangle, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withInit(InitMethod init, InitMethod outputInit, double std) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, init, outputInit, std,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withAttention(List<AttentionKind> kinds, SparsityConfig sparsity) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, kinds,
                sparsity, rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    /** Whether any layer's attention is not the dense causal softmax of every position. */
    public boolean hasSparseAttention() {
        return attentionConfig.stream().anyMatch(AttentionKind::sparse);
    }

    /** The T5 relative position bias settings (pos_emb rpe). */
    public ModelSpec withRpe(int numBuckets, int maxDistance) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, PosEmb.RPE,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn,
                attentionConfig, sparsityConfig, numBuckets, maxDistance, applyQueryKeyLayerScaling);
    }

    public ModelSpec withLayerScaling(boolean apply) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, activation, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn,
                attentionConfig, sparsityConfig, rpeNumBuckets, rpeMaxDistance, apply);
    }

    /**
     * The factor {@code c} of apply_query_key_layer_scaling for 0-based transformer layer
     * {@code layer}: GPT-NeoX's {@code max(1, layer_number)}; 1 without layer scaling.
     */
    public int layerScale(int layer) {
        return applyQueryKeyLayerScaling ? Math.max(1, layer) : 1;
    }

    /** pos_emb values. */
    public enum PosEmb {
        LEARNED, ROTARY, SINUSOIDAL, RPE, ALIBI, NONE;

        public static PosEmb of(String s) {
            return parse(PosEmb.class, s, "pos_emb");
        }
    }

    /** norm values. */
    public enum Norm {
        LAYERNORM, RMSNORM, SCALENORM;

        public static Norm of(String s) {
            return parse(Norm.class, s, "norm");
        }
    }

    /** activation values (spec §5.4). */
    public enum Activation {
        GELU, GEGLU, RELU, SOFTSIGN, SWISH, MISH;

        public static Activation of(String s) {
            return parse(Activation.class, s, "activation");
        }
    }

    /**
     * Outputs of {@code dense_h_to_4h}: 4h, or for geglu GPT-NeoX's {@code int(4·2/3·h)·2} (the
     * same double arithmetic as Python's), so that geglu has about the parameters of a 4h MLP.
     */
    public int ffOut() {
        return activation == Activation.GEGLU ? (int) (4 * 2 / 3.0 * hiddenSize) * 2 : 4 * hiddenSize;
    }

    /** Inputs of {@code dense_4h_to_h}: the activation's width, half of {@link #ffOut()} for geglu. */
    public int ffIn() {
        return activation == Activation.GEGLU ? ffOut() / 2 : ffOut();
    }

    /** The element-wise kernel of the activation (bias_gelu_fusion picks tanh GeLU); geglu has its own kernel. */
    public ActivationKind elementwiseActivation() {
        return switch (activation) {
            case GELU -> biasGeluFusion ? ActivationKind.GELU_TANH : ActivationKind.GELU;
            case RELU -> ActivationKind.RELU;
            case SOFTSIGN -> ActivationKind.SOFTSIGN;
            case SWISH -> ActivationKind.SWISH;
            case MISH -> ActivationKind.MISH;
            case GEGLU -> throw new IllegalStateException("geglu is not element-wise");
        };
    }

    public ModelSpec withActivation(Activation a) {
        return new ModelSpec(numLayers, hiddenSize, numHeads, seqLength, maxPositionEmbeddings, paddedVocabSize, posEmb,
                rotaryPct, rotaryEmbBase, norm, layernormEps, rmsNormEps, scalenormEps, gptJResidual, gptJTied,
                noWeightTying, a, biasGeluFusion, initMethod, outputLayerInitMethod, initMethodStd,
                attentionDropout, hiddenDropout, checkpointActivations, checkpointNumLayers, useTriangleAttn, attentionConfig, sparsityConfig,
                rpeNumBuckets, rpeMaxDistance, applyQueryKeyLayerScaling);
    }

    /** init_method / output_layer_init_method values (spec §5.7). */
    public enum InitMethod {
        NORMAL, SCALED_NORMAL, SMALL_INIT, WANG_INIT, XAVIER_UNIFORM, XAVIER_NORMAL;

        public static InitMethod of(String s) {
            return parse(InitMethod.class, s, "init_method");
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String s, String key) {
        try {
            return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " '" + s + "' is not supported; expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
        }
    }
}
