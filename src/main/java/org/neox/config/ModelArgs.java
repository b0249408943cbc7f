package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsModel}: Model architecture (spec §5). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param precision {@code precision} (enum: fp16 | fp32 | bfloat16, default null): Derived from the fp16 dict: fp16, bfloat16 or fp32.
 * @param numLayers {@code num_layers} (int, default null): Number of transformer blocks (required).
 * @param hiddenSize {@code hidden_size} (int, default null): Model width h (required; divisible by num_attention_heads).
 * @param numAttentionHeads {@code num_attention_heads} (int, default null): Attention heads (required).
 * @param seqLength {@code seq_length} (int, default null): Training context length; samples hold seq_length+1 tokens.
 * @param maxPositionEmbeddings {@code max_position_embeddings} (int, default null): Size of learned position table; must be >= seq_length (required).
 * @param norm {@code norm} (enum: layernorm | rmsnorm | scalenorm, default "layernorm"): Normalisation: layernorm, rmsnorm or scalenorm.
 * @param layernormEpsilon {@code layernorm_epsilon} (float, default 1e-05): LayerNorm epsilon.
 * @param rmsNormEpsilon {@code rms_norm_epsilon} (float, default 1e-08): RMSNorm epsilon (added to the RMS, not inside the sqrt).
 * @param scalenormEpsilon {@code scalenorm_epsilon} (float, default 1e-08): ScaleNorm epsilon (lower clamp of the L2 norm).
 * @param posEmb {@code pos_emb} (enum: learned | rotary | sinusoidal | rpe | alibi | none, default "learned"): Position encoding: learned, rotary, sinusoidal, rpe (T5 bias), alibi or none.
 * @param rpeNumBuckets {@code rpe_num_buckets} (int, default 32): Buckets for T5 relative position bias.
 * @param rpeMaxDistance {@code rpe_max_distance} (int, default 128): Max distance for T5 relative position bias.
 * @param optPosEmbOffset {@code opt_pos_emb_offset} (int, default 0): Offset added to learned position ids (2 for OPT).
 * @param noWeightTying {@code no_weight_tying} (bool, default false): If true the output projection is a separate matrix instead of the input embedding.
 * @param attentionConfig {@code attention_config} (list, default null): Per-layer attention types as [[types, repeat], ...]; expanded to a flat list of length num_layers.
 * @param sparsityConfig {@code sparsity_config} (dict, default null): DeepSpeed sparse-attention settings for sparse layer types.
 * @param numUniqueLayers {@code num_unique_layers} (int, default null): Parameter-sharing layer count; only validated, not implemented.
 * @param paramSharingStyle {@code param_sharing_style} (str, default "grouped"): Ordering for shared layers; unused.
 * @param makeVocabSizeDivisibleBy {@code make_vocab_size_divisible_by} (int, default 128): Vocab padding multiple (times model_parallel_size).
 * @param activation {@code activation} (enum: gelu | geglu | relu | softsign | swish | mish, default "gelu"): MLP activation: gelu, geglu, relu, softsign, swish, mish.
 * @param scaledUpperTriangMaskedSoftmaxFusion {@code scaled_upper_triang_masked_softmax_fusion} (bool, default false): Use the fused causal scale+mask+softmax CUDA kernel.
 * @param scaledMaskedSoftmaxFusion {@code scaled_masked_softmax_fusion} (bool, default false): Use the fused general-mask scale+softmax CUDA kernel.
 * @param biasGeluFusion {@code bias_gelu_fusion} (bool, default false): Use the fused bias+tanh-approximate GeLU.
 * @param biasDropoutFusion {@code bias_dropout_fusion} (bool, default false): Use JIT-fused bias+dropout+residual.
 * @param fp16LmCrossEntropy {@code fp16_lm_cross_entropy} (bool, default false): Compute the LM cross-entropy on fp16 logits (only with fp16 precision).
 * @param initMethodStd {@code init_method_std} (float, default 0.02): Sigma for normal and scaled_normal initialisation.
 * @param applyQueryKeyLayerScaling {@code apply_query_key_layer_scaling} (bool, default false): Divide QK^T by max(1,layer_index) and multiply back in fp32 softmax; forces fp32 softmax.
 * @param useCpuInitialization {@code use_cpu_initialization} (bool, default false): Initialise full weights on CPU then split across tensor-parallel ranks.
 * @param attentionSoftmaxInFp32 {@code attention_softmax_in_fp32} (bool, default false): Upcast attention scores to fp32 for mask+softmax.
 * @param rotaryPct {@code rotary_pct} (float, default 1.0): Fraction of each head dimension that receives rotary embedding.
 * @param rotaryEmbBase {@code rotary_emb_base} (int, default 10000): Rotary frequency base.
 * @param initMethod {@code init_method} (enum: normal | scaled_normal | orthogonal | scaled_orthogonal | xavier_uniform | xavier_normal | wang_init | small_init, default "normal"): Init for embeddings, QKV, dense_h_to_4h and the untied output layer.
 * @param outputLayerInitMethod {@code output_layer_init_method} (enum: normal | scaled_normal | orthogonal | scaled_orthogonal | xavier_uniform | xavier_normal | wang_init | small_init, default "scaled_normal"): Init for the two residual-output projections (attention.dense, dense_4h_to_h).
 * @param gmlpAttnDim {@code gmlp_attn_dim} (int, default 64): Width of the tiny attention inside gMLP/aMLP blocks.
 * @param gptJResidual {@code gpt_j_residual} (bool, default false): Parallel residual: x + attn(ln1(x)) + mlp(ln2(x)) with one all-reduce.
 * @param gptJTied {@code gpt_j_tied} (bool, default false): With gpt_j_residual, use a single LayerNorm for both branches.
 * @param softPromptTuning {@code soft_prompt_tuning} (dict, default null): Soft-prompt dict (enabled, n_tokens, init_string, init_range); trains only the prompt (broken at v2.0).
 * @param outputLayerParallelism {@code output_layer_parallelism} (enum: row | column, default "row"): Untied output layer split over vocab ('column') or hidden ('row').
 */
public record ModelArgs(
        Precision precision,
        Integer numLayers,
        Integer hiddenSize,
        Integer numAttentionHeads,
        Integer seqLength,
        Integer maxPositionEmbeddings,
        Norm norm,
        double layernormEpsilon,
        double rmsNormEpsilon,
        double scalenormEpsilon,
        PosEmb posEmb,
        int rpeNumBuckets,
        int rpeMaxDistance,
        int optPosEmbOffset,
        boolean noWeightTying,
        List<String> attentionConfig,
        Map<String, Object> sparsityConfig,
        Integer numUniqueLayers,
        String paramSharingStyle,
        int makeVocabSizeDivisibleBy,
        Activation activation,
        boolean scaledUpperTriangMaskedSoftmaxFusion,
        boolean scaledMaskedSoftmaxFusion,
        boolean biasGeluFusion,
        boolean biasDropoutFusion,
        boolean fp16LmCrossEntropy,
        double initMethodStd,
        boolean applyQueryKeyLayerScaling,
        boolean useCpuInitialization,
        boolean attentionSoftmaxInFp32,
        double rotaryPct,
        int rotaryEmbBase,
        InitMethod initMethod,
        InitMethod outputLayerInitMethod,
        int gmlpAttnDim,
        boolean gptJResidual,
        boolean gptJTied,
        Map<String, Object> softPromptTuning,
        OutputLayerParallelism outputLayerParallelism) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum Precision implements WireEnum {
        FP16("fp16"), FP32("fp32"), BFLOAT16("bfloat16");

        private final String wire;

        Precision(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static Precision parse(String text) {
            return WireEnum.parse(Precision.class, text);
        }
    }

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum Norm implements WireEnum {
        LAYERNORM("layernorm"), RMSNORM("rmsnorm"), SCALENORM("scalenorm");

        private final String wire;

        Norm(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static Norm parse(String text) {
            return WireEnum.parse(Norm.class, text);
        }
    }

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum PosEmb implements WireEnum {
        LEARNED("learned"), ROTARY("rotary"), SINUSOIDAL("sinusoidal"), RPE("rpe"), ALIBI("alibi"), NONE("none");

        private final String wire;

        PosEmb(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static PosEmb parse(String text) {
            return WireEnum.parse(PosEmb.class, text);
        }
    }

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum Activation implements WireEnum {
        GELU("gelu"), GEGLU("geglu"), RELU("relu"), SOFTSIGN("softsign"), SWISH("swish"), MISH("mish");

        private final String wire;

        Activation(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static Activation parse(String text) {
            return WireEnum.parse(Activation.class, text);
        }
    }

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum InitMethod implements WireEnum {
        NORMAL("normal"), SCALED_NORMAL("scaled_normal"), ORTHOGONAL("orthogonal"), SCALED_ORTHOGONAL("scaled_orthogonal"), XAVIER_UNIFORM("xavier_uniform"), XAVIER_NORMAL("xavier_normal"), WANG_INIT("wang_init"), SMALL_INIT("small_init");

        private final String wire;

        InitMethod(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static InitMethod parse(String text) {
            return WireEnum.parse(InitMethod.class, text);
        }
    }

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum OutputLayerParallelism implements WireEnum {
        ROW("row"), COLUMN("column");

        private final String wire;

        OutputLayerParallelism(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static OutputLayerParallelism parse(String text) {
            return WireEnum.parse(OutputLayerParallelism.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("precision", KeyType.enumOf(Precision.class), null),
            new Key("num_layers", KeyType.INT, null),
            new Key("hidden_size", KeyType.INT, null),
            new Key("num_attention_heads", KeyType.INT, null),
            new Key("seq_length", KeyType.INT, null),
            new Key("max_position_embeddings", KeyType.INT, null),
            new Key("norm", KeyType.enumOf(Norm.class), Norm.parse("layernorm")),
            new Key("layernorm_epsilon", KeyType.FLOAT, 1.0e-5),
            new Key("rms_norm_epsilon", KeyType.FLOAT, 1.0e-8),
            new Key("scalenorm_epsilon", KeyType.FLOAT, 1.0e-8),
            new Key("pos_emb", KeyType.enumOf(PosEmb.class), PosEmb.parse("learned")),
            new Key("rpe_num_buckets", KeyType.INT, 32),
            new Key("rpe_max_distance", KeyType.INT, 128),
            new Key("opt_pos_emb_offset", KeyType.INT, 0),
            new Key("no_weight_tying", KeyType.BOOL, false),
            new Key("attention_config", KeyType.ATTENTION_LIST, null),
            new Key("sparsity_config", KeyType.DICT, null),
            new Key("num_unique_layers", KeyType.INT, null),
            new Key("param_sharing_style", KeyType.STRING, "grouped"),
            new Key("make_vocab_size_divisible_by", KeyType.INT, 128),
            new Key("activation", KeyType.enumOf(Activation.class), Activation.parse("gelu")),
            new Key("scaled_upper_triang_masked_softmax_fusion", KeyType.BOOL, false),
            new Key("scaled_masked_softmax_fusion", KeyType.BOOL, false),
            new Key("bias_gelu_fusion", KeyType.BOOL, false),
            new Key("bias_dropout_fusion", KeyType.BOOL, false),
            new Key("fp16_lm_cross_entropy", KeyType.BOOL, false),
            new Key("init_method_std", KeyType.FLOAT, 0.02),
            new Key("apply_query_key_layer_scaling", KeyType.BOOL, false),
            new Key("use_cpu_initialization", KeyType.BOOL, false),
            new Key("attention_softmax_in_fp32", KeyType.BOOL, false),
            new Key("rotary_pct", KeyType.FLOAT, 1.0),
            new Key("rotary_emb_base", KeyType.INT, 10000),
            new Key("init_method", KeyType.enumOf(InitMethod.class), InitMethod.parse("normal")),
            new Key("output_layer_init_method", KeyType.enumOf(InitMethod.class), InitMethod.parse("scaled_normal")),
            new Key("gmlp_attn_dim", KeyType.INT, 64),
            new Key("gpt_j_residual", KeyType.BOOL, false),
            new Key("gpt_j_tied", KeyType.BOOL, false),
            new Key("soft_prompt_tuning", KeyType.DICT, null),
            new Key("output_layer_parallelism", KeyType.enumOf(OutputLayerParallelism.class), OutputLayerParallelism.parse("row")));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static ModelArgs from(Values v) {
        return new ModelArgs(
                (Precision) v.get("precision"),
                (Integer) v.get("num_layers"),
                (Integer) v.get("hidden_size"),
                (Integer) v.get("num_attention_heads"),
                (Integer) v.get("seq_length"),
                (Integer) v.get("max_position_embeddings"),
                (Norm) v.get("norm"),
                (double) v.get("layernorm_epsilon"),
                (double) v.get("rms_norm_epsilon"),
                (double) v.get("scalenorm_epsilon"),
                (PosEmb) v.get("pos_emb"),
                (int) v.get("rpe_num_buckets"),
                (int) v.get("rpe_max_distance"),
                (int) v.get("opt_pos_emb_offset"),
                (boolean) v.get("no_weight_tying"),
                (List<String>) v.get("attention_config"),
                (Map<String, Object>) v.get("sparsity_config"),
                (Integer) v.get("num_unique_layers"),
                (String) v.get("param_sharing_style"),
                (int) v.get("make_vocab_size_divisible_by"),
                (Activation) v.get("activation"),
                (boolean) v.get("scaled_upper_triang_masked_softmax_fusion"),
                (boolean) v.get("scaled_masked_softmax_fusion"),
                (boolean) v.get("bias_gelu_fusion"),
                (boolean) v.get("bias_dropout_fusion"),
                (boolean) v.get("fp16_lm_cross_entropy"),
                (double) v.get("init_method_std"),
                (boolean) v.get("apply_query_key_layer_scaling"),
                (boolean) v.get("use_cpu_initialization"),
                (boolean) v.get("attention_softmax_in_fp32"),
                (double) v.get("rotary_pct"),
                (int) v.get("rotary_emb_base"),
                (InitMethod) v.get("init_method"),
                (InitMethod) v.get("output_layer_init_method"),
                (int) v.get("gmlp_attn_dim"),
                (boolean) v.get("gpt_j_residual"),
                (boolean) v.get("gpt_j_tied"),
                (Map<String, Object>) v.get("soft_prompt_tuning"),
                (OutputLayerParallelism) v.get("output_layer_parallelism"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("precision", precision);
        out.put("num_layers", numLayers);
        out.put("hidden_size", hiddenSize);
        out.put("num_attention_heads", numAttentionHeads);
        out.put("seq_length", seqLength);
        out.put("max_position_embeddings", maxPositionEmbeddings);
        out.put("norm", norm);
        out.put("layernorm_epsilon", layernormEpsilon);
        out.put("rms_norm_epsilon", rmsNormEpsilon);
        out.put("scalenorm_epsilon", scalenormEpsilon);
        out.put("pos_emb", posEmb);
        out.put("rpe_num_buckets", rpeNumBuckets);
        out.put("rpe_max_distance", rpeMaxDistance);
        out.put("opt_pos_emb_offset", optPosEmbOffset);
        out.put("no_weight_tying", noWeightTying);
        out.put("attention_config", attentionConfig);
        out.put("sparsity_config", sparsityConfig);
        out.put("num_unique_layers", numUniqueLayers);
        out.put("param_sharing_style", paramSharingStyle);
        out.put("make_vocab_size_divisible_by", makeVocabSizeDivisibleBy);
        out.put("activation", activation);
        out.put("scaled_upper_triang_masked_softmax_fusion", scaledUpperTriangMaskedSoftmaxFusion);
        out.put("scaled_masked_softmax_fusion", scaledMaskedSoftmaxFusion);
        out.put("bias_gelu_fusion", biasGeluFusion);
        out.put("bias_dropout_fusion", biasDropoutFusion);
        out.put("fp16_lm_cross_entropy", fp16LmCrossEntropy);
        out.put("init_method_std", initMethodStd);
        out.put("apply_query_key_layer_scaling", applyQueryKeyLayerScaling);
        out.put("use_cpu_initialization", useCpuInitialization);
        out.put("attention_softmax_in_fp32", attentionSoftmaxInFp32);
        out.put("rotary_pct", rotaryPct);
        out.put("rotary_emb_base", rotaryEmbBase);
        out.put("init_method", initMethod);
        out.put("output_layer_init_method", outputLayerInitMethod);
        out.put("gmlp_attn_dim", gmlpAttnDim);
        out.put("gpt_j_residual", gptJResidual);
        out.put("gpt_j_tied", gptJTied);
        out.put("soft_prompt_tuning", softPromptTuning);
        out.put("output_layer_parallelism", outputLayerParallelism);
    }
}
