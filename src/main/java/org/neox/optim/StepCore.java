package org.neox.optim;

import java.util.List;
import org.neox.kernel.Kernels;

/**
 * The part of a step both optimizers share once the gradients are reduced: norm and overflow,
 * loss-scale update, clip/unscale factor, Adam over the local ranges, schedule advance. DeepSpeed
 * order: an overflow (norm −1) updates the scale and skips everything else.
 */
final class StepCore {
    private final AdamW adam;
    private final AnnealingLR schedule;
    private final GradClipper clipper;
    private final DynamicLossScaler scaler;
    /** Runs the norm's sums and Adam where the buffers live. */
    private final Kernels kernels;

    /**
     * @param scaler null in fp32 mode (no loss scale, no overflow skips)
     * @param kernels the kernels holding parameters, gradients and moments
     */
    StepCore(AdamW adam, AnnealingLR schedule, GradClipper clipper, DynamicLossScaler scaler, Kernels kernels) {
        this.kernels = kernels;
        this.adam = adam;
        this.schedule = schedule;
        this.clipper = clipper;
        this.scaler = scaler;
    }

    AdamW adam() {
        return adam;
    }

    AnnealingLR schedule() {
        return schedule;
    }

    /**
     * Updates {@code params/grads} over {@code ranges} (full-buffer offsets); the moments of a
     * range at offset o sit at {@code o - momentShift}.
     */
    StepOutcome apply(float[] params, float[] grads, List<ParamRange> ranges, float[] expAvg, float[] expAvgSq,
                      int momentShift) {
        double lossScale = scaler == null ? 1.0 : scaler.scale();
        double scaledNorm = clipper.globalNorm(grads, ranges);
        boolean overflow = scaler != null && scaledNorm < 0;
        if (scaler != null) {
            scaler.update(overflow);
        }
        if (overflow) {
            return new StepOutcome(true, -1, lossScale, 0);
        }
        float gradScale = clipper.gradScale(scaledNorm, lossScale);
        double lr = schedule.lr();
        adam.beginStep();
        for (ParamRange r : ranges) {
            adam.update(kernels, params, grads, r.offset(), expAvg, expAvgSq, r.offset() - momentShift, r.length(),
                    r.weightDecay(), lr, gradScale);
        }
        schedule.step();
        double norm = scaledNorm < 0 ? -1 : scaledNorm / lossScale;
        return new StepOutcome(false, norm, lossScale, lr);
    }
}
