package org.neox.optim;

import org.neox.tensor.GradientReadyListener;

/**
 * One optimizer step over this rank's flat buffers, including the data-parallel gradient
 * reduction, overflow check, clipping, Adam update and LR-schedule advance.
 */
public interface Optimizer {
    /**
     * @param params this rank's flat fp32 parameters (also the master weights), updated in place
     *     and identical on all data-parallel ranks afterwards
     * @param grads the matching flat gradients accumulated over the micro-batches (loss-scaled in
     *     fp16 mode, not yet averaged over data-parallel ranks); zero after the call
     */
    StepOutcome step(float[] params, float[] grads);

    /** The learning-rate schedule (its state goes into checkpoints). */
    AnnealingLR schedule();

    /** The Adam step counter (its state goes into checkpoints). */
    AdamW adam();

    /** This rank's first moments; element i belongs to flat parameter index {@link #momentsOffset()} + i. */
    float[] expAvg();

    /** This rank's second moments, indexed as {@link #expAvg()}. */
    float[] expAvgSq();

    /** Flat parameter index of the moments' element 0 (0 unsharded; the partition start under ZeRO). */
    int momentsOffset();

    /**
     * For {@code overlap_comm}: the listener to attach to the model during the backward pass
     * of an accumulation step's LAST micro-batch, which starts the data-parallel reduction of
     * gradient buckets as they become final; {@link #step} then completes it. Null when this
     * optimizer reduces only inside {@link #step} (a data group of one; ZeRO-1 reduce-scatter).
     * Attaching it or not gives bitwise identical results.
     */
    default GradientReadyListener overlappedReduction() {
        return null;
    }
}
