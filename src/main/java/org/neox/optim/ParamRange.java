package org.neox.optim;

/**
 * A contiguous range {@code [offset, offset + length)} of the flat parameter/gradient buffer with
 * the two per-parameter flags the optimizer needs: whether weight decay applies (spec §5.8 group
 * 1) and whether the parameter is split across tensor-parallel ranks (so its gradient norm counts
 * on every rank) or replicated (counted on tensor-parallel rank 0 only, spec §6.5).
 */
public record ParamRange(int offset, int length, boolean weightDecay, boolean modelParallel) {
    public ParamRange {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range offset " + offset + " length " + length);
        }
    }

    public int end() {
        return offset + length;
    }

    /** The part of this range inside {@code [start, end)}, or {@code null} when they do not overlap. */
    public ParamRange intersect(int start, int end) {
        int lo = Math.max(offset, start);
        int hi = Math.min(end(), end);
        return lo < hi ? new ParamRange(lo, hi - lo, weightDecay, modelParallel) : null;
    }
}
