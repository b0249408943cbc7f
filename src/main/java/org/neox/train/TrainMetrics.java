package org.neox.train;

/**
 * One logged training iteration, as written to {@code metrics.jsonl}.
 *
 * @param lossScale the fp16 loss scale, or null without fp16
 * @param gradNorm global gradient norm (−1 when the step overflowed)
 * @param skipped 1 when the optimizer step was skipped (fp16 overflow), else 0; or a count over the interval
 */
public record TrainMetrics(long iteration, double lmLoss, double lr, double gradNorm, Double lossScale,
                           double tokensPerSec, double samplesPerSec, double tflops, double stepMs,
                           double memoryMb, int skipped) {
}
