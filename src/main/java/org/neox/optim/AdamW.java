package org.neox.optim;

import java.util.List;
import org.neox.kernel.Kernels;

/**
 * Adam with fp32 master weights on flat buffers, the arithmetic of apex's
 * {@code multi_tensor_adam.cu} (DeepSpeed FusedAdam is the same): per element, in float,
 * <pre>
 *   g  = grad · gradScale              (unscale and clip fused in; 1 when neither applies)
 *   g += wd·p                          (L2 mode only)
 *   m  = β1·m + (1−β1)·g
 *   v  = β2·v + (1−β2)·g²
 *   u  = (m/bc1) / (√(v/bc2) + eps)
 *   u += wd·p                          (decoupled mode only)
 *   p -= lr·u
 * </pre>
 * with {@code bc1 = 1−β1^t}, {@code bc2 = 1−β2^t} (both 1 without bias correction). Weight decay
 * applies only to ranges flagged for it (spec §5.8). One fused {@code Kernels.adamStep} per range.
 *
 * <p>The step count {@code t} is the optimizer's only state besides the moments; it is part of a
 * checkpoint ({@link #stepCount()}, {@link #restoreStepCount(int)}).
 */
public final class AdamW {
    private final AdamConfig config;
    private int step;

    public AdamW(AdamConfig config) {
        this.config = config;
    }

    public AdamConfig config() {
        return config;
    }

    /** Number of updates taken so far. */
    public int stepCount() {
        return step;
    }

    public void restoreStepCount(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("negative step count " + steps);
        }
        step = steps;
    }

    /**
     * One update of every range on {@code kernels}; all four buffers share the same indexing
     * (unsharded case). Advances the step count.
     */
    public void step(Kernels kernels, float[] params, float[] grads, float[] expAvg, float[] expAvgSq,
                     List<ParamRange> ranges, double lr, float gradScale) {
        beginStep();
        for (ParamRange r : ranges) {
            update(kernels, params, grads, r.offset(), expAvg, expAvgSq, r.offset(), r.length(), r.weightDecay(), lr,
                    gradScale);
        }
    }

    /** Advances the step count; call once per optimizer step before {@link #update}. */
    public void beginStep() {
        step++;
    }

    /**
     * Updates {@code params[pgOff, pgOff+len)} from {@code grads} at the same offsets, with the
     * moments at {@code expAvg/expAvgSq[mOff, mOff+len)} (ZeRO keeps only its partition of them),
     * as one {@link Kernels#adamStep} on the buffers where the kernels hold them (on a device,
     * nothing crosses to the host). Uses the step count set by the last {@link #beginStep()}.
     */
    public void update(Kernels kernels, float[] params, float[] grads, int pgOff, float[] expAvg, float[] expAvgSq,
                       int mOff, int len, boolean decay, double lr, float gradScale) {
        kernels.adamStep(params, grads, expAvg, expAvgSq, pgOff, mOff, len, (float) lr, (float) config.beta1(),
                (float) config.beta2(), (float) config.eps(), decay ? (float) config.weightDecay() : 0f,
                config.decoupled(), biasCorrection1(), biasCorrection2(), gradScale);
    }

    /** {@code 1 − β1^t} in float (1 without bias correction); the step must have begun. */
    private float biasCorrection1() {
        return config.biasCorrection() ? (float) (1 - Math.pow(config.beta1(), begun())) : 1f;
    }

    private float biasCorrection2() {
        return config.biasCorrection() ? (float) (1 - Math.pow(config.beta2(), begun())) : 1f;
    }

    private int begun() {
        if (step == 0) {
            throw new IllegalStateException("update before beginStep");
        }
        return step;
    }
}
