package org.neox.config;

import org.neox.util.UserError;

/**
 * DeepSpeed's batch arithmetic (spec §1.4 item 3): fills whichever of train batch {@code tb},
 * micro-batch {@code mb} and accumulation steps {@code ga} is missing from the others and the
 * data-parallel size {@code dp}, then checks {@code tb == mb·ga·dp}. GPT-NeoX's default
 * {@code ga = 1} means that {@code tb} and {@code mb} given without {@code ga} are all kept.
 *
 * @param trainBatch samples per optimizer step over all data-parallel ranks
 * @param microBatch samples per rank per forward/backward pass
 * @param gradAccumulation micro-batches per optimizer step
 */
public record BatchSizes(int trainBatch, int microBatch, int gradAccumulation) {

    /** Derives the three sizes; null means "not given". */
    public static BatchSizes derive(Integer tb, Integer mb, Integer ga, int dp) {
        BatchSizes b;
        if (tb != null && mb != null && ga != null) {
            b = new BatchSizes(tb, mb, ga);
        } else if (tb != null && mb != null) {
            b = new BatchSizes(tb, mb, tb / mb / dp);
        } else if (tb != null && ga != null) {
            b = new BatchSizes(tb, tb / dp / ga, ga);
        } else if (mb != null && ga != null) {
            b = new BatchSizes(mb * ga * dp, mb, ga);
        } else if (tb != null) {
            b = new BatchSizes(tb, tb / dp, 1);
        } else if (mb != null) {
            b = new BatchSizes(mb * dp, mb, 1);
        } else {
            throw new UserError("either train_batch_size or train_micro_batch_size_per_gpu"
                    + " must be set");
        }
        b.check(dp);
        return b;
    }

    private void check(int dp) {
        if (trainBatch <= 0 || microBatch <= 0 || gradAccumulation <= 0
                || (long) microBatch * gradAccumulation * dp != trainBatch) {
            throw new UserError("inconsistent batch sizes: train_batch_size must equal"
                    + " train_micro_batch_size_per_gpu * gradient_accumulation_steps *"
                    + " data-parallel size, all positive: " + trainBatch + " != " + microBatch
                    + " * " + gradAccumulation + " * " + dp);
        }
    }
}
