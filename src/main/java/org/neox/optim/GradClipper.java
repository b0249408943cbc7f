package org.neox.optim;

import java.util.List;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;

/**
 * Global gradient-norm clipping as DeepSpeed's fp16/ZeRO optimizers do it (spec §6.5): the
 * squares of the local gradients are summed in double (parameters replicated across
 * tensor-parallel ranks only on tensor-parallel rank 0), summed over the given groups (data,
 * then model), and rooted; an inf/NaN norm becomes −1. The gradients are then multiplied by
 * {@code 1/(S·max(1, k))} with {@code k = ((norm/S) + 1e-6)/C}, which
 * {@link AdamW#update} takes as its {@code gradScale}.
 */
public final class GradClipper {
    private final Kernels kernels;
    private final double clipThreshold;
    private final int tensorParallelRank;
    private final List<Communicator> groups;

    /**
     * @param kernels the kernels holding the gradients (the sums of squares run where they live)
     * @param clipThreshold C, {@code gradient_clipping}; 0 turns clipping off (unscaling stays)
     * @param tensorParallelRank this rank's tensor-parallel rank (replicated parameters count on 0)
     * @param groups the groups the sum of squares is all-reduced over: data group, then the
     *     model group (tensor and pipeline ranks of one replica)
     */
    public GradClipper(Kernels kernels, double clipThreshold, int tensorParallelRank, List<Communicator> groups) {
        if (!(clipThreshold >= 0)) {
            throw new IllegalArgumentException("gradient_clipping must be >= 0, got " + clipThreshold);
        }
        this.kernels = kernels;
        this.clipThreshold = clipThreshold;
        this.tensorParallelRank = tensorParallelRank;
        this.groups = List.copyOf(groups);
    }

    /** Single-rank clipper. */
    public static GradClipper local(Kernels kernels, double clipThreshold) {
        return new GradClipper(kernels, clipThreshold, 0, List.of());
    }

    public double clipThreshold() {
        return clipThreshold;
    }

    /** Global L2 norm of {@code grads} over the ranges (as stored, i.e. still loss-scaled), or −1 for inf/NaN. */
    public double globalNorm(float[] grads, List<ParamRange> ranges) {
        // one kernel call per run of adjacent counted ranges (on a device each call waits for it)
        double sum = 0;
        int runStart = 0;
        int runEnd = 0;
        for (ParamRange r : ranges) {
            if (!r.pipeReplica() && (r.modelParallel() || tensorParallelRank == 0)) {
                if (r.offset() != runEnd) {
                    sum += kernels.sumOfSquares(grads, runStart, runEnd - runStart);
                    runStart = r.offset();
                }
                runEnd = r.offset() + r.length();
            }
        }
        sum += kernels.sumOfSquares(grads, runStart, runEnd - runStart);
        for (Communicator g : groups) {
            sum = allReduceDouble(g, sum);
        }
        double norm = Math.sqrt(sum);
        return Double.isFinite(norm) ? norm : -1;
    }

    /** The factor {@code 1/(S·max(1,k))} to multiply the gradients by; {@code 1/S} when clipping is off. */
    public float gradScale(double norm, double lossScale) {
        double combined = lossScale;
        if (clipThreshold > 0) {
            double k = ((norm / lossScale) + 1e-6) / clipThreshold;
            if (k > 1) {
                combined = k * lossScale;
            }
        }
        return (float) (1.0 / combined);
    }

    /**
     * Sums a double over the group through the float collective: each rank sends its value as a
     * float plus the float of its rounding error, so the sum keeps about double precision for
     * small groups. Every rank receives the same bits.
     */
    static double allReduceDouble(Communicator group, double value) {
        if (group.size() == 1) {
            return value;
        }
        float hi = (float) value;
        float lo = Float.isFinite(hi) ? (float) (value - hi) : 0f;
        float[] buf = {hi, lo};
        group.allReduceSum(buf, 0, 2);
        return (double) buf[0] + (double) buf[1];
    }
}
