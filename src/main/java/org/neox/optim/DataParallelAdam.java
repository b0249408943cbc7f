package org.neox.optim;

import java.util.List;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;
import org.neox.tensor.GradientReadyListener;

/**
 * Unsharded Adam: every data-parallel rank holds the full moments. Gradients are all-reduced
 * over the data group in buckets of {@code bucketSize} elements and averaged (sum, then ·1/dp,
 * as DeepSpeed's postscale), then every rank takes the same step. With a group of one this is
 * the single-rank optimizer. The buckets are taken from the end of the buffer
 * ({@link TailBuckets}); with {@code overlap_comm} they are reduced while backward runs
 * ({@link #overlappedReduction}).
 */
public final class DataParallelAdam implements Optimizer {
    private final Kernels kernels;
    private final StepCore core;
    private final List<ParamRange> ranges;
    private final Communicator dataGroup;
    /** Null for a data group of one. */
    private final OverlappedGradientReducer reducer;
    private final float[] expAvg;
    private final float[] expAvgSq;

    /**
     * @param kernels the model's kernels: the step (norm, Adam, zeroing) runs where they hold the
     *     buffers, and the moments live there too; only the data-parallel reduction takes the
     *     gradients to the host
     * @param ranges the parameter ranges of the flat buffer (gaps between them are not updated)
     * @param numel length of the flat buffers
     * @param clipThreshold {@code gradient_clipping}, 0 for none
     * @param scaler null in fp32 mode
     */
    public DataParallelAdam(Kernels kernels, AdamW adam, AnnealingLR schedule, double clipThreshold, DynamicLossScaler scaler,
                            List<ParamRange> ranges, int numel, ParallelGroups groups, int bucketSize) {
        if (bucketSize <= 0) {
            throw new IllegalArgumentException("bucket size must be > 0, got " + bucketSize);
        }
        // gradients are already summed over the data group here, so the norm sums over the model group only
        GradClipper clipper = new GradClipper(kernels, clipThreshold, groups.tensorParallelRank(),
                List.of(groups.modelGroup()));
        this.kernels = kernels;
        this.core = new StepCore(adam, schedule, clipper, scaler, kernels);
        this.ranges = List.copyOf(ranges);
        this.dataGroup = groups.dataGroup();
        this.reducer = dataGroup.size() > 1
                ? new OverlappedGradientReducer(dataGroup, new TailBuckets(numel, bucketSize)) : null;
        this.expAvg = new float[numel];
        this.expAvgSq = new float[numel];
    }

    @Override
    public StepOutcome step(float[] params, float[] grads) {
        int dp = dataGroup.size();
        if (dp > 1) {
            kernels.toHost(grads);
            reducer.finish(grads);
            float inv = 1f / dp;
            for (int i = 0; i < expAvg.length; i++) {
                grads[i] *= inv;
            }
        }
        StepOutcome out = core.apply(params, grads, ranges, expAvg, expAvgSq, 0);
        kernels.fill(grads, 0, expAvg.length, 0f);
        return out;
    }

    @Override
    public GradientReadyListener overlappedReduction() {
        return reducer;
    }

    @Override
    public int momentsOffset() {
        return 0;
    }

    /** First moments, indexed like the parameters (checkpoint state). */
    @Override
    public float[] expAvg() {
        kernels.toHost(expAvg);
        return expAvg;
    }

    /** Second moments, indexed like the parameters (checkpoint state). */
    @Override
    public float[] expAvgSq() {
        kernels.toHost(expAvgSq);
        return expAvgSq;
    }

    @Override
    public AnnealingLR schedule() {
        return core.schedule();
    }

    @Override
    public AdamW adam() {
        return core.adam();
    }
}
