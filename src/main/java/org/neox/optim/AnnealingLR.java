package org.neox.optim;

import org.neox.util.UserError;

/**
 * GPT-NeoX's learning-rate schedule (megatron/learning_rates.py, spec §7), quirks included:
 * warmup is a fraction of {@code T = max(1, lr_decay_iters or train_iters)} and stays a real
 * number; decay is measured over T, not T−W; the decayed count {@code m} stops at T−2W;
 * {@code min_lr} only clamps from below, and only after warmup (the warmup branch returns early).
 *
 * <p>The schedule is stepped once per successful optimizer step (an fp16 overflow skip does not
 * step it). Construction sets the LR for count 0, so with warmup the first step runs at lr 0.
 */
public final class AnnealingLR {
    /** The checkpointed fields, GPT-NeoX's {@code lr_scheduler} state dict. */
    public record State(double startLr, double warmupIter, int numIters, DecayStyle decayStyle,
                        int endIter, double minLr) {
    }

    private double startLr;
    private double warmupIter;
    private int endIter;
    private DecayStyle decayStyle;
    private double minLr;
    private int numIters;
    private final boolean useCheckpointLrScheduler;
    private final boolean overrideLrScheduler;

    /**
     * @param startLr peak LR ({@code optimizer.params.lr})
     * @param warmupIter W = {@code warmup · T} (not rounded)
     * @param endIter T
     */
    public AnnealingLR(double startLr, double warmupIter, int endIter, DecayStyle decayStyle, double minLr,
                       boolean useCheckpointLrScheduler, boolean overrideLrScheduler) {
        if (endIter <= 0) {
            throw new IllegalArgumentException("end_iter must be > 0, got " + endIter);
        }
        if (overrideLrScheduler && useCheckpointLrScheduler) {
            throw new UserError("override_lr_scheduler and use_checkpoint_lr_scheduler are both set; expected at most one");
        }
        this.startLr = startLr;
        this.warmupIter = warmupIter;
        this.endIter = endIter;
        this.decayStyle = decayStyle;
        this.minLr = minLr;
        this.useCheckpointLrScheduler = useCheckpointLrScheduler;
        this.overrideLrScheduler = overrideLrScheduler;
    }

    /**
     * The schedule as GPT-NeoX's {@code get_learning_rate_scheduler} builds it:
     * {@code T = max(1, lrDecayIters or trainIters)}, {@code W = warmup · T}.
     *
     * @param lrDecayIters {@code lr_decay_iters}, or null when unset
     */
    public static AnnealingLR fromConfig(double lr, double warmup, Integer lrDecayIters, int trainIters,
                                         DecayStyle style, double minLr,
                                         boolean useCheckpointLrScheduler, boolean overrideLrScheduler) {
        int t = Math.max(1, lrDecayIters != null ? lrDecayIters : trainIters);
        return new AnnealingLR(lr, warmup * t, t, style, minLr, useCheckpointLrScheduler, overrideLrScheduler);
    }

    /** The LR for the current count, the value the next optimizer step uses. */
    public double lr() {
        return lrAt(numIters);
    }

    /** The LR this schedule gives at count {@code n} (state unchanged). */
    public double lrAt(int n) {
        double capped = Math.min(n, endIter - warmupIter);
        if (warmupIter > 0 && n <= warmupIter) {
            return startLr * capped / warmupIter;
        }
        double m = capped - warmupIter;
        double lr = switch (decayStyle) {
            case LINEAR -> startLr * (endIter - m) / endIter;
            case COSINE -> startLr / 2.0 * (Math.cos(Math.PI * m / endIter) + 1);
            case EXPONENTIAL -> startLr * Math.exp(-0.693 * m / endIter);
            case CONSTANT -> startLr;
        };
        return Math.max(lr, minLr);
    }

    /** Advances the count by one (after a successful optimizer step). */
    public void step() {
        numIters++;
    }

    public int numIters() {
        return numIters;
    }

    public State state() {
        return new State(startLr, warmupIter, numIters, decayStyle, endIter, minLr);
    }

    /**
     * Restores from a checkpoint as GPT-NeoX's {@code load_state_dict}: each configured field must
     * equal the checkpoint's unless {@code override_lr_scheduler} (configured values win) or
     * {@code use_checkpoint_lr_scheduler} (checkpoint values win); the count always comes from the
     * checkpoint.
     */
    public void load(State sd) {
        startLr = checkAndSet(startLr, sd.startLr(), "learning rate (start_lr)");
        minLr = checkAndSet(minLr, sd.minLr(), "minimum learning rate (min_lr)");
        warmupIter = checkAndSet(warmupIter, sd.warmupIter(), "warmup iterations (warmup_iter)");
        endIter = checkAndSet(endIter, sd.endIter(), "total number of iterations (end_iter)");
        decayStyle = checkAndSet(decayStyle, sd.decayStyle(), "decay style (decay_style)");
        numIters = sd.numIters();
    }

    private <T> T checkAndSet(T configured, T checkpoint, String name) {
        if (overrideLrScheduler) {
            return configured;
        }
        if (!useCheckpointLrScheduler && !configured.equals(checkpoint)) {
            throw new UserError("lr scheduler: configured " + name + " " + show(configured)
                    + " does not match the checkpoint's " + show(checkpoint)
                    + "; set override_lr_scheduler or use_checkpoint_lr_scheduler");
        }
        return checkpoint;
    }

    private static String show(Object v) {
        return v instanceof DecayStyle d ? d.configName() : String.valueOf(v);
    }
}
