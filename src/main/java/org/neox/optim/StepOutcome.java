package org.neox.optim;

/**
 * What one optimizer step did, for logging.
 *
 * @param skipped true when an fp16 overflow skipped the update (and the LR schedule did not advance)
 * @param gradNorm global gradient norm after unscaling, before clipping; −1 on overflow
 * @param lossScale the loss scale the gradients carried (1 without fp16)
 * @param lr the learning rate the update used (0 when skipped)
 */
public record StepOutcome(boolean skipped, double gradNorm, double lossScale, double lr) {
}
