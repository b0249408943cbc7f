package org.neox.model;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;

/**
 * Megatron's conjugate communication pairs (mpu/mappings.py) over the tensor-parallel group.
 * Each layer reaches communication only through these; with a group of one they cost nothing.
 * <ul>
 *   <li>{@code copyToRegion}: forward identity, backward all-reduce (input of a column-parallel linear);</li>
 *   <li>{@code reduceFromRegion}: forward all-reduce, backward identity (output of a row-parallel linear,
 *       vocab-parallel embedding).</li>
 * </ul>
 * {@link #copyToRegionBackwardAsync} runs the column-parallel backward all-reduce on a
 * communication thread so that it overlaps the weight-gradient GEMM (Megatron's
 * {@code async_tensor_model_parallel_allreduce}); the group is still used by one thread at a time.
 */
final class TensorParallel {
    private final Communicator group;
    /** Kernels whose buffers these collectives touch: the host takes each buffer back first. */
    private final Kernels k;
    /** The communication thread (a daemon, created on first use when the group has several ranks). */
    private ExecutorService commThread;

    TensorParallel(Communicator group, Kernels k) {
        this.group = group;
        this.k = k;
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
            k.toHost(dx);
            group.allReduceSum(dx, off, len);
        }
    }

    /**
     * Starts {@link #copyToRegionBackward} of {@code dx[off, off+len)} and returns at once; the
     * caller must not touch that range or use the group until {@link #await} of the result.
     * Returns null (nothing to wait for) for a group of one.
     */
    Future<?> copyToRegionBackwardAsync(float[] dx, int off, int len) {
        if (group.size() == 1) {
            return null;
        }
        if (commThread == null) {
            commThread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "neox-tp-allreduce-" + group.rank());
                t.setDaemon(true);
                return t;
            });
        }
        k.toHost(dx);
        return commThread.submit(() -> group.allReduceSum(dx, off, len));
    }

    /** Waits for an all-reduce started by {@link #copyToRegionBackwardAsync}, rethrowing its failure. */
    void await(Future<?> pending) {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a tensor-parallel all-reduce", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("tensor-parallel all-reduce failed", e.getCause());
        }
    }

    void reduceFromRegionForward(float[] y, int off, int len) {
        if (group.size() > 1) {
            k.toHost(y);
            group.allReduceSum(y, off, len);
        }
    }

    void reduceFromRegionBackward(float[] dy, int off, int len) {
        // identity
    }

    /** Plain all-reduces for the vocab-parallel cross-entropy's per-row statistics. */
    void allReduceMax(float[] buf, int off, int len) {
        if (group.size() > 1) {
            k.toHost(buf);
            group.allReduceMax(buf, off, len);
        }
    }

    void allReduceSum(float[] buf, int off, int len) {
        if (group.size() > 1) {
            k.toHost(buf);
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
