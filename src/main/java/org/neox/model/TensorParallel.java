package org.neox.model;

import org.neox.comm.Communicator;

/**
 * Megatron's conjugate communication pairs (mpu/mappings.py) over the tensor-parallel group.
 * Each layer reaches communication only through these; with a group of one they cost nothing.
 * <ul>
 *   <li>{@code copyToRegion}: forward identity, backward all-reduce (input of a column-parallel linear);</li>
 *   <li>{@code reduceFromRegion}: forward all-reduce, backward identity (output of a row-parallel linear,
 *       vocab-parallel embedding).</li>
 * </ul>
 */
final class TensorParallel {
    private final Communicator group;

    TensorParallel(Communicator group) {
        this.group = group;
    }

    int size() {
        return group.size();
    }

    int rank() {
        return group.rank();
    }

    void copyToRegionForward(float[] x, int off, int len) {
        // identity
    }

    void copyToRegionBackward(float[] dx, int off, int len) {
        if (group.size() > 1) {
            group.allReduceSum(dx, off, len);
        }
    }

    void reduceFromRegionForward(float[] y, int off, int len) {
        if (group.size() > 1) {
            group.allReduceSum(y, off, len);
        }
    }

    void reduceFromRegionBackward(float[] dy, int off, int len) {
        // identity
    }

    /** Plain all-reduces for the vocab-parallel cross-entropy's per-row statistics. */
    void allReduceMax(float[] buf, int off, int len) {
        if (group.size() > 1) {
            group.allReduceMax(buf, off, len);
        }
    }

    void allReduceSum(float[] buf, int off, int len) {
        if (group.size() > 1) {
            group.allReduceSum(buf, off, len);
        }
    }

    /** Elements per rank when {@code global} is split evenly (heads, 4h, vocab). */
    int split(int global, String what) {
        if (global % group.size() != 0) {
            throw new IllegalArgumentException(what + " " + global + " is not divisible by the tensor-parallel size " + group.size());
        }
        return global / group.size();
    }
}
