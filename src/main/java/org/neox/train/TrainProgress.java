package org.neox.train;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import org.neox.config.NeoXArgs;
import org.neox.optim.StepOutcome;
import org.neox.util.Clock;

/**
 * Accumulates per-iteration results over a {@code log_interval} and reports them (logging rank
 * only): GPT-NeoX's log line plus an ETA on the console, one {@code metrics.jsonl} record per
 * logged iteration and per evaluation.
 */
final class TrainProgress implements AutoCloseable {
    private final NeoXArgs args;
    private final long totalParams;
    private final Clock clock;
    private final PrintWriter out;
    private final MetricsLog metrics;
    private final int logInterval;
    private long runStartNanos;
    private long startIteration;
    private double lossSum;
    private int lossCount;
    private long nanosSum;
    private int iterations;
    private int skipped;
    private int nans;

    /** @param metrics null on ranks that do not log */
    TrainProgress(NeoXArgs args, long totalParams, Clock clock, PrintWriter out, MetricsLog metrics) {
        this.args = args;
        this.totalParams = totalParams;
        this.clock = clock;
        this.out = out;
        this.metrics = metrics;
        Integer li = args.logging().logInterval();
        this.logInterval = li == null || li <= 0 ? 100 : li;
    }

    void begin(long iteration) {
        runStartNanos = clock.nanoTime();
        startIteration = iteration;
    }

    void record(long iteration, double loss, StepOutcome step, double nextLr, long stepNanos) {
        iterations++;
        nanosSum += stepNanos;
        if (step.skipped()) {
            skipped++;
        } else if (!Double.isFinite(loss)) {
            nans++;
        } else {
            lossSum += loss;
            lossCount++;
        }
        if (iteration % logInterval == 0 || iteration == args.training().trainIters()) {
            report(iteration, step, nextLr);
        }
    }

    private void report(long iteration, StepOutcome step, double nextLr) {
        double seconds = nanosSum / 1e9 / iterations;
        long tb = args.deepspeedConfig().trainBatchSize();
        int seq = args.model().seqLength();
        double flops = FlopsFormula.flopsPerGpu(tb, seq, totalParams, args.model().hiddenSize(),
                args.model().numLayers(), seconds, args.worldSize());
        double meanLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
        Double lossScale = args.deepspeedConfig().fp16() != null ? step.lossScale() : null;
        if (out != null) {
            out.println(TrainLogLine.format(iteration, args.training().trainIters(), seconds * 1000, nextLr, flops,
                    tb / seconds, Map.of("lm_loss", meanLoss), lossScale, skipped, nans) + eta(iteration));
            out.flush();
        }
        if (metrics != null) {
            Runtime rt = Runtime.getRuntime();
            double memMb = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
            metrics.logTrain(new TrainMetrics(iteration, meanLoss, nextLr, step.gradNorm(), lossScale,
                    tb * seq / seconds, tb / seconds, flops / 1e12, seconds * 1000, memMb, skipped));
        }
        lossSum = 0;
        lossCount = 0;
        nanosSum = 0;
        iterations = 0;
        skipped = 0;
        nans = 0;
    }

    /** Time left at the run's average pace so far (the progress indicator for long runs). */
    private String eta(long iteration) {
        long done = iteration - startIteration;
        long left = args.training().trainIters() - iteration;
        if (done <= 0 || left <= 0) {
            return "";
        }
        long secs = (long) ((clock.nanoTime() - runStartNanos) / 1e9 / done * left);
        return String.format(Locale.ROOT, " eta %d:%02d:%02d |", secs / 3600, secs / 60 % 60, secs % 60);
    }

    void eval(EvalMetrics m) {
        if (out != null) {
            out.printf(Locale.ROOT, "-".repeat(20) + " %s results at iteration %d | lm_loss value: %.6E |"
                    + " lm_loss_ppl value: %.6E |%n", m.split(), m.iteration(), m.lmLoss(), m.lmLossPpl());
            out.flush();
        }
        if (metrics != null) {
            metrics.logEval(m);
        }
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
