package org.neox.optim;

/**
 * The {@code fp16} block of a GPT-NeoX config (spec §5.9): {@code loss_scale} 0 means dynamic
 * scaling starting at {@code 2^initial_scale_power}; a positive value is a static scale.
 */
public record LossScaleConfig(double lossScale, int initialScalePower, int lossScaleWindow, int hysteresis,
                              double minLossScale) {
    public LossScaleConfig {
        if (lossScale < 0 || lossScaleWindow <= 0 || hysteresis <= 0 || !(minLossScale > 0)) {
            throw new IllegalArgumentException("bad fp16 loss scale settings: " + lossScale + ", window "
                    + lossScaleWindow + ", hysteresis " + hysteresis + ", min " + minLossScale);
        }
    }

    /** DeepSpeed's defaults: dynamic, 2^16, window 1000, hysteresis 2, min 1. */
    public static LossScaleConfig dynamicDefaults() {
        return new LossScaleConfig(0, 16, 1000, 2, 1);
    }

    public boolean isDynamic() {
        return lossScale == 0;
    }
}
