package org.neox.train;

import java.util.List;

/**
 * What a training run did: the loss of every iteration it ran (mean over micro-batches and
 * data-parallel ranks; NaN for none) and every evaluation.
 */
public record TrainResult(long startIteration, long endIteration, List<Double> losses, List<EvalMetrics> evals) {
    public TrainResult {
        losses = List.copyOf(losses);
        evals = List.copyOf(evals);
    }
}
