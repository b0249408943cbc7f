package org.neox.optim;

/**
 * A contiguous range {@code [offset, offset + length)} of the flat parameter/gradient buffer with
 * the two per-parameter flags the optimizer needs: whether weight decay applies (spec §5.8 group
 * 1) and whether the parameter is split across tensor-parallel ranks (so its gradient norm counts
 * on every rank) or replicated (counted on tensor-parallel rank 0 only, spec §6.5). A
 * {@code pipeReplica} is a pipeline stage's copy of a weight another stage owns (the tied word
 * embedding on the last stage, DeepSpeed's {@code ds_pipe_replicated}): updated like the owner's
 * copy but left out of the gradient norm, which counts the owner's.
 */
public record ParamRange(int offset, int length, boolean weightDecay, boolean modelParallel, boolean pipeReplica) {
    public ParamRange {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range offset " + offset + " length " + length);
        }
    }

    public ParamRange(int offset, int length, boolean weightDecay, boolean modelParallel) {
        this(offset, length, weightDecay, modelParallel, false);
    }

    /** The same range marked as a pipeline stage's replica of another stage's weight. */
    public ParamRange asPipeReplica() {
        return new ParamRange(offset, length, weightDecay, modelParallel, true);
    }

    public int end() {
        return offset + length;
    }

    /** The part of this range inside {@code [start, end)}, or {@code null} when they do not overlap. */
    public ParamRange intersect(int start, int end) {
        int lo = Math.max(offset, start);
        int hi = Math.min(end(), end);
        return lo < hi ? new ParamRange(lo, hi - lo, weightDecay, modelParallel, pipeReplica) : null;
    }
}
