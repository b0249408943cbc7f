package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsLRScheduler}: Learning-rate schedule (spec §7). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param lrDecayStyle {@code lr_decay_style} (enum: constant | linear | cosine | exponential, default "linear"): LR decay: constant, linear, cosine or exponential.
 * @param lrDecayIters {@code lr_decay_iters} (int, default null): Schedule length; defaults to train_iters.
 * @param minLr {@code min_lr} (float, default 0.0): Lower clamp on the LR.
 * @param warmup {@code warmup} (float, default 0.01): Warmup length as a fraction of the schedule length.
 * @param overrideLrScheduler {@code override_lr_scheduler} (bool, default false): On resume, keep configured scheduler values instead of checkpointed ones.
 * @param useCheckpointLrScheduler {@code use_checkpoint_lr_scheduler} (bool, default false): On resume, take scheduler values from the checkpoint without checking.
 */
public record LrSchedulerArgs(
        LrDecayStyle lrDecayStyle,
        Integer lrDecayIters,
        double minLr,
        double warmup,
        boolean overrideLrScheduler,
        boolean useCheckpointLrScheduler) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum LrDecayStyle implements WireEnum {
        CONSTANT("constant"), LINEAR("linear"), COSINE("cosine"), EXPONENTIAL("exponential");

        private final String wire;

        LrDecayStyle(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static LrDecayStyle parse(String text) {
            return WireEnum.parse(LrDecayStyle.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("lr_decay_style", KeyType.enumOf(LrDecayStyle.class), LrDecayStyle.parse("linear")),
            new Key("lr_decay_iters", KeyType.INT, null),
            new Key("min_lr", KeyType.FLOAT, 0.0),
            new Key("warmup", KeyType.FLOAT, 0.01),
            new Key("override_lr_scheduler", KeyType.BOOL, false),
            new Key("use_checkpoint_lr_scheduler", KeyType.BOOL, false));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static LrSchedulerArgs from(Values v) {
        return new LrSchedulerArgs(
                (LrDecayStyle) v.get("lr_decay_style"),
                (Integer) v.get("lr_decay_iters"),
                (double) v.get("min_lr"),
                (double) v.get("warmup"),
                (boolean) v.get("override_lr_scheduler"),
                (boolean) v.get("use_checkpoint_lr_scheduler"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("lr_decay_style", lrDecayStyle);
        out.put("lr_decay_iters", lrDecayIters);
        out.put("min_lr", minLr);
        out.put("warmup", warmup);
        out.put("override_lr_scheduler", overrideLrScheduler);
        out.put("use_checkpoint_lr_scheduler", useCheckpointLrScheduler);
    }
}
