package org.neox.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The 1F1B (one-forward-one-backward) schedule of one pipeline stage for one iteration (spec
 * §6.3, DeepSpeed's TrainSchedule without its idle steps): stage {@code s} of {@code pp} runs
 * {@code min(pp − s − 1, m)} warm-up forwards, then alternates one forward and one backward
 * until every forward ran, then cools down with the remaining backwards. Micro-batches go
 * forward and backward in increasing order, so at most {@code pp − s} are in flight on stage s.
 */
public final class PipelineSchedule {
    /** One step: the forward or the backward of micro-batch {@code micro}. */
    public record Step(boolean forward, int micro) {
        @Override
        public String toString() {
            return (forward ? "F" : "B") + micro;
        }
    }

    private PipelineSchedule() {
    }

    /** The steps of stage {@code stage} of {@code stages} over {@code micros} micro-batches. */
    public static List<Step> steps(int stage, int stages, int micros) {
        if (stage < 0 || stage >= stages || micros < 1) {
            throw new IllegalArgumentException("stage " + stage + " of " + stages + " with " + micros + " micro-batches");
        }
        int warmup = Math.min(stages - stage - 1, micros);
        List<Step> out = new ArrayList<>(2 * micros);
        for (int m = 0; m < warmup; m++) {
            out.add(new Step(true, m));
        }
        for (int m = warmup; m < micros; m++) {
            out.add(new Step(true, m));
            out.add(new Step(false, m - warmup));
        }
        for (int m = micros - warmup; m < micros; m++) {
            out.add(new Step(false, m));
        }
        return out;
    }

    /** The most micro-batches in flight on {@code stage}: activation slots it needs. */
    public static int inFlight(int stage, int stages, int micros) {
        return Math.min(stages - stage, micros);
    }

    /**
     * The pipeline bubble of 1F1B with uniform stage times: {@code (pp − 1) / (m + pp − 1)} of
     * each stage's time is idle.
     */
    public static double bubbleFraction(int stages, int micros) {
        return (stages - 1.0) / (micros + stages - 1.0);
    }
}
