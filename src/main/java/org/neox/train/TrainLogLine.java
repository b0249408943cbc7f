package org.neox.train;

import java.util.Locale;
import java.util.Map;

/**
 * The console line printed every {@code log_interval} iterations, GPT-NeoX's
 * {@code training_log} format:
 * <pre>
 *  iteration      100/    1000 | elapsed time per iteration (ms): 812.3 | learning rate: 6.000E-04 |
 *  approx flops per GPU: 1.2TFLOPS | samples/sec: 9.850 | lm_loss: 4.123457E+00 | loss scale: 4096.0 |
 *  number of skipped iterations:   0 | number of nan iterations:   0 |
 * </pre>
 * (one line; loss scale only in fp16 mode).
 */
public final class TrainLogLine {
    private TrainLogLine() {
    }

    /**
     * @param meanLosses losses averaged over the interval's non-skipped iterations, in print order
     * @param lossScale null without fp16
     */
    public static String format(long iteration, long trainIters, double msPerIteration, double lr,
                                double flopsPerGpu, double samplesPerSec, Map<String, Double> meanLosses,
                                Double lossScale, int skippedIters, int nanIters) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, " iteration %8d/%8d |", iteration, trainIters));
        s.append(String.format(Locale.ROOT, " elapsed time per iteration (ms): %.1f |", msPerIteration));
        s.append(String.format(Locale.ROOT, " learning rate: %.3E |", lr));
        s.append(" approx flops per GPU: ").append(FlopsFormula.humanReadable(flopsPerGpu)).append(" |");
        s.append(String.format(Locale.ROOT, " samples/sec: %.3f |", samplesPerSec));
        for (Map.Entry<String, Double> e : meanLosses.entrySet()) {
            s.append(String.format(Locale.ROOT, " %s: %.6E |", e.getKey(), e.getValue()));
        }
        if (lossScale != null) {
            s.append(String.format(Locale.ROOT, " loss scale: %.1f |", lossScale));
        }
        s.append(String.format(Locale.ROOT, " number of skipped iterations: %3d |", skippedIters));
        s.append(String.format(Locale.ROOT, " number of nan iterations: %3d |", nanIters));
        return s.toString();
    }
}
