package org.neox.train;

/** One evaluation result ({@code split} "validation" or "test"); perplexity is {@code exp(lm_loss)}. */
public record EvalMetrics(long iteration, String split, double lmLoss) {
    public double lmLossPpl() {
        return Math.exp(lmLoss);
    }
}
