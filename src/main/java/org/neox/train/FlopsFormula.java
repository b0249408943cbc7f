package org.neox.train;

import java.util.Locale;

/**
 * GPT-NeoX's throughput figure (megatron/logging.py {@code get_flops}, spec §8.2): model FLOPs
 * per GPU per second,
 * <pre>
 *   train_batch_size · seq_length · (6·P + 60·seq_length·hidden_size·num_layers) / (iteration_time_s · world_size)
 * </pre>
 * with P the total parameter count of one model replica (all tensor and pipeline ranks).
 */
public final class FlopsFormula {
    private static final String[] UNITS = {"", "KFLOPS", "MFLOPS", "GFLOPS", "TFLOPS", "PFLOPS", "EFLOPS", "ZFLOPS"};

    private FlopsFormula() {
    }

    public static double flopsPerGpu(long trainBatchSize, long seqLength, long totalParams, long hiddenSize,
                                     long numLayers, double iterationTimeS, int worldSize) {
        double ff = 6.0 * totalParams;
        double attn = 60.0 * seqLength * hiddenSize * numLayers;
        return trainBatchSize * (double) seqLength * (ff + attn) / (iterationTimeS * worldSize);
    }

    /**
     * GPT-NeoX's {@code human_readable_flops}: 1000-based units, one decimal, Python's
     * {@code "%3.1f%s"}; the first unit is empty (plain FLOPS print as a bare number).
     */
    public static String humanReadable(double flops) {
        double num = flops;
        for (String unit : UNITS) {
            if (Math.abs(num) < 1000.0) {
                return String.format(Locale.ROOT, "%3.1f%s", num, unit);
            }
            num /= 1000.0;
        }
        return String.format(Locale.ROOT, "%.1f%s", num, "Yi");
    }
}
