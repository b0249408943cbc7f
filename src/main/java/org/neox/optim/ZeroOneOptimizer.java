package org.neox.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;
import org.neox.tensor.GradientReadyListener;

/**
 * ZeRO stage 1 (DeepSpeed {@code stage_1_and_2}, spec §6.4) over one flat buffer: the buffer of
 * {@code numel} elements, padded to {@code dp·P}, is split into dp contiguous partitions of P
 * elements; data-parallel rank r owns {@code [r·P, (r+1)·P)} and keeps Adam moments only for it.
 *
 * <p>A step: gradients are reduce-scattered (or all-reduced) in buckets of
 * {@code reduce_bucket_size} elements and averaged; the owner checks overflow and takes the
 * global norm over all partitions (data group, then model group), clips and updates its
 * partition; parameters are all-gathered in chunks of {@code allgather_bucket_size}. Buckets
 * are staged through a scratch buffer of one bucket so the flat buffers need no padding:
 * bucket j holds, for every rank r, the elements {@code [r·P + j·b, r·P + j·b + b)} ({@code b =
 * bucket/dp}), which is what the chunked collectives of {@link Communicator} expect.
 */
public final class ZeroOneOptimizer implements Optimizer {
    private final Kernels kernels;
    private final StepCore core;
    private final Communicator dataGroup;
    private final ZeroConfig zero;
    private final int numel;
    private final int partition;
    private final int partStart;
    private final int partEnd;
    private final List<ParamRange> localRanges;
    private final float[] expAvg;
    private final float[] expAvgSq;
    private final float[] staging;
    /** The all-reduce buckets' reducer ({@code reduce_scatter: false}), else null. */
    private final OverlappedGradientReducer allReducer;

    public ZeroOneOptimizer(Kernels kernels, AdamW adam, AnnealingLR schedule, double clipThreshold, DynamicLossScaler scaler,
                            List<ParamRange> ranges, int numel, ParallelGroups groups, ZeroConfig zero) {
        this.dataGroup = groups.dataGroup();
        GradClipper clipper = new GradClipper(kernels, clipThreshold, groups.tensorParallelRank(),
                List.of(groups.dataGroup(), groups.modelGroup()));
        this.kernels = kernels;
        this.core = new StepCore(adam, schedule, clipper, scaler, kernels);
        this.zero = zero;
        this.numel = numel;
        int dp = dataGroup.size();
        this.partition = partitionSize(numel, dp);
        this.partStart = Math.min(numel, dataGroup.rank() * partition);
        this.partEnd = Math.min(numel, partStart + partition);
        this.localRanges = new ArrayList<>();
        for (ParamRange r : ranges) {
            ParamRange local = r.intersect(partStart, partEnd);
            if (local != null) {
                localRanges.add(local);
            }
        }
        this.expAvg = new float[partition];
        this.expAvgSq = new float[partition];
        int bucket = Math.max(zero.reduceBucketSize(), zero.allgatherBucketSize());
        this.staging = new float[Math.min(dp * partition, roundUp(bucket, dp))];
        this.allReducer = zero.reduceScatter() ? null
                : new OverlappedGradientReducer(dataGroup, new TailBuckets(numel, zero.reduceBucketSize()));
    }

    /** P: elements per partition, {@code ceil(numel/dp)}. */
    public static int partitionSize(int numel, int dp) {
        return (numel + dp - 1) / dp;
    }

    @Override
    public StepOutcome step(float[] params, float[] grads) {
        // the reduction reads every rank's buckets on the host
        kernels.toHost(grads);
        if (zero.reduceScatter()) {
            reduceScatterGradients(grads);
        } else {
            allReducer.finish(grads);
        }
        float inv = 1f / dataGroup.size();
        for (int i = partStart; i < partEnd; i++) {
            grads[i] *= inv;
        }
        if (zero.reduceScatter()) {
            // since the hand-over the host changed only this rank's partition: only it goes back
            kernels.toKernels(grads, partStart, partEnd - partStart);
        }
        StepOutcome out = core.apply(params, grads, localRanges, expAvg, expAvgSq, partStart);
        if (!out.skipped()) {
            // Adam changed this rank's partition where the kernels keep the parameters; the other
            // partitions come from the other ranks
            kernels.readToHost(params, partStart, partEnd - partStart);
            kernels.toHostAfterReading(params);
            allGatherParameters(params);
        }
        kernels.fill(grads, 0, numel, 0f);
        return out;
    }

    private void reduceScatterGradients(float[] grads) {
        int dp = dataGroup.size();
        int b = Math.max(1, zero.reduceBucketSize() / dp);
        for (int j = 0; j < partition; j += b) {
            int len = Math.min(b, partition - j);
            for (int r = 0; r < dp; r++) {
                copyOut(grads, r * partition + j, staging, r * len, len);
            }
            dataGroup.reduceScatterSum(staging, 0, dp * len);
            copyIn(staging, dataGroup.rank() * len, grads, partStart + j, len);
        }
    }

    private void allGatherParameters(float[] params) {
        int dp = dataGroup.size();
        if (dp == 1) {
            return;
        }
        int c = Math.max(1, zero.allgatherBucketSize() / dp);
        int rank = dataGroup.rank();
        for (int j = 0; j < partition; j += c) {
            int len = Math.min(c, partition - j);
            copyOut(params, partStart + j, staging, rank * len, len);
            dataGroup.allGather(staging, 0, dp * len);
            for (int r = 0; r < dp; r++) {
                if (r != rank) {
                    copyIn(staging, r * len, params, r * partition + j, len);
                }
            }
        }
    }

    /** Copies {@code src[from, from+len)} into dst, zero where it runs past numel (the padding). */
    private void copyOut(float[] src, int from, float[] dst, int to, int len) {
        int n = Math.max(0, Math.min(len, numel - from));
        System.arraycopy(src, from, dst, to, n);
        Arrays.fill(dst, to + n, to + len, 0f);
    }

    /** Copies {@code len} staged elements back to {@code dst[to, ...)}, dropping the padding. */
    private void copyIn(float[] src, int from, float[] dst, int to, int len) {
        int n = Math.max(0, Math.min(len, numel - to));
        System.arraycopy(src, from, dst, to, n);
    }

    private static int roundUp(int x, int m) {
        return (int) Math.min(Integer.MAX_VALUE - m, ((long) x + m - 1) / m * m);
    }

    /** First index of this rank's partition in the flat buffer. */
    public int partitionStart() {
        return partStart;
    }

    /** P, the partition length (the moments' length; the last partition may run past numel). */
    public int partitionLength() {
        return partition;
    }

    @Override
    public GradientReadyListener overlappedReduction() {
        return dataGroup.size() > 1 ? allReducer : null;
    }

    @Override
    public int momentsOffset() {
        return partStart;
    }

    /** This rank's first moments, {@code [P]}, element i belongs to flat index partitionStart()+i. */
    @Override
    public float[] expAvg() {
        kernels.toHost(expAvg);
        return expAvg;
    }

    /** This rank's second moments, {@code [P]}. */
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
