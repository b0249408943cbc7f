package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsOptimizer}: Optimizer selection and ZeRO copies (spec §7, §6.4). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param optimizerType {@code optimizer_type} (enum: adam | onebitadam | cpu_adam | cpu_torch_adam | sm3 | madgrad_wd | sgd, default "adam"): Derived from optimizer.type (case-insensitive): adam, onebitadam, cpu_adam, cpu_torch_adam, sm3, madgrad_wd, sgd.
 * @param useBnbOptimizer {@code use_bnb_optimizer} (bool, default false): Use bitsandbytes 8-bit Adam and StableEmbedding for position/token-type tables.
 * @param zeroStage {@code zero_stage} (int or list[int] or "all", default null): Derived from zero_optimization.stage.
 * @param zeroReduceScatter {@code zero_reduce_scatter} (bool, default null): Derived from zero_optimization.reduce_scatter.
 * @param zeroContiguousGradients {@code zero_contiguous_gradients} (bool, default null): Derived from zero_optimization.contiguous_gradients.
 * @param zeroReduceBucketSize {@code zero_reduce_bucket_size} (int, default null): Derived from zero_optimization.reduce_bucket_size.
 * @param zeroAllgatherBucketSize {@code zero_allgather_bucket_size} (int, default null): Derived from zero_optimization.allgather_bucket_size.
 * @param lr {@code lr} (float, default null): Derived from optimizer.params.lr (default 0.001 if absent).
 */
public record OptimizerArgs(
        OptimizerType optimizerType,
        boolean useBnbOptimizer,
        Object zeroStage,
        Boolean zeroReduceScatter,
        Boolean zeroContiguousGradients,
        Integer zeroReduceBucketSize,
        Integer zeroAllgatherBucketSize,
        Double lr) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum OptimizerType implements WireEnum {
        ADAM("adam"), ONEBITADAM("onebitadam"), CPU_ADAM("cpu_adam"), CPU_TORCH_ADAM("cpu_torch_adam"), SM3("sm3"), MADGRAD_WD("madgrad_wd"), SGD("sgd");

        private final String wire;

        OptimizerType(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static OptimizerType parse(String text) {
            return WireEnum.parse(OptimizerType.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("optimizer_type", KeyType.enumOf(OptimizerType.class), OptimizerType.parse("adam")),
            new Key("use_bnb_optimizer", KeyType.BOOL, false),
            new Key("zero_stage", KeyType.ZERO_STAGE, null),
            new Key("zero_reduce_scatter", KeyType.BOOL, null),
            new Key("zero_contiguous_gradients", KeyType.BOOL, null),
            new Key("zero_reduce_bucket_size", KeyType.INT, null),
            new Key("zero_allgather_bucket_size", KeyType.INT, null),
            new Key("lr", KeyType.FLOAT, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static OptimizerArgs from(Values v) {
        return new OptimizerArgs(
                (OptimizerType) v.get("optimizer_type"),
                (boolean) v.get("use_bnb_optimizer"),
                (Object) v.get("zero_stage"),
                (Boolean) v.get("zero_reduce_scatter"),
                (Boolean) v.get("zero_contiguous_gradients"),
                (Integer) v.get("zero_reduce_bucket_size"),
                (Integer) v.get("zero_allgather_bucket_size"),
                (Double) v.get("lr"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("optimizer_type", optimizerType);
        out.put("use_bnb_optimizer", useBnbOptimizer);
        out.put("zero_stage", zeroStage);
        out.put("zero_reduce_scatter", zeroReduceScatter);
        out.put("zero_contiguous_gradients", zeroContiguousGradients);
        out.put("zero_reduce_bucket_size", zeroReduceBucketSize);
        out.put("zero_allgather_bucket_size", zeroAllgatherBucketSize);
        out.put("lr", lr);
    }
}
