package org.neox.optim;

/**
 * fp16 loss scaling as DeepSpeed's {@code DynamicLossScaler} plus GPT-NeoX's
 * {@code OverflowMonitor} (spec §5.9). On overflow: when the hysteresis counter is 1 the scale
 * halves (never below {@code min_loss_scale}; already at the minimum is fatal), otherwise the
 * counter drops by one. After {@code loss_scale_window} iterations since the last overflow the
 * scale doubles and the counter resets to {@code hysteresis}. A static scale never changes.
 * Fifty overflowed (skipped) iterations in a row are fatal in either mode.
 */
public final class DynamicLossScaler {
    static final int MAX_CONSECUTIVE_SKIPS = 50;

    private final LossScaleConfig config;
    private double scale;
    private int iteration;
    private int lastOverflowIteration = -1;
    private int hysteresisLeft;
    private int consecutiveSkips;

    public DynamicLossScaler(LossScaleConfig config) {
        this.config = config;
        this.scale = config.isDynamic() ? Math.pow(2, config.initialScalePower()) : config.lossScale();
        this.hysteresisLeft = config.hysteresis();
    }

    /** The scale S the next backward pass multiplies the loss by. */
    public double scale() {
        return scale;
    }

    /** True when any element of {@code a[off, off+len)} is inf or NaN. */
    public static boolean hasOverflow(float[] a, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (!Float.isFinite(a[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records one iteration's outcome (after the overflow flag was agreed across ranks).
     *
     * @throws FatalOverflowError at the minimum scale or after 50 skipped iterations in a row
     */
    public void update(boolean overflow) {
        consecutiveSkips = overflow ? consecutiveSkips + 1 : 0;
        if (config.isDynamic()) {
            updateDynamic(overflow);
        }
        iteration++;
        if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
            throw new FatalOverflowError("Skipped " + MAX_CONSECUTIVE_SKIPS
                    + " iterations in a row due to Overflow - Exiting training.");
        }
    }

    private void updateDynamic(boolean overflow) {
        if (overflow) {
            if (config.hysteresis() == 1 || hysteresisLeft == 1) {
                if (scale == config.minLossScale()) {
                    throw new FatalOverflowError(
                            "Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.");
                }
                scale = Math.max(scale / 2, config.minLossScale());
            } else {
                hysteresisLeft--;
            }
            lastOverflowIteration = iteration;
        } else if ((iteration - lastOverflowIteration) % config.lossScaleWindow() == 0) {
            hysteresisLeft = config.hysteresis();
            scale *= 2;
        }
    }

    /** Checkpointable state: {@code {scale, iteration, lastOverflowIteration, hysteresisLeft}}. */
    public record State(double scale, int iteration, int lastOverflowIteration, int hysteresisLeft) {
    }

    public State state() {
        return new State(scale, iteration, lastOverflowIteration, hysteresisLeft);
    }

    public void load(State s) {
        scale = s.scale();
        iteration = s.iteration();
        lastOverflowIteration = s.lastOverflowIteration();
        hysteresisLeft = s.hysteresisLeft();
        consecutiveSkips = 0;
    }
}
