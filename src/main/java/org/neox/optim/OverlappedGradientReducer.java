package org.neox.optim;

import java.util.concurrent.LinkedBlockingQueue;
import org.neox.comm.Communicator;
import org.neox.tensor.GradientReadyListener;

/**
 * Sums gradient buckets ({@link TailBuckets}) over the data group, starting each one on a
 * background thread as soon as the backward pass reports it final ({@code overlap_comm}, spec
 * §6.4: DeepSpeed reduces on a side stream while backward continues), and the rest in
 * {@link #finish}. Every rank reports the same indices in the same order, so all ranks issue the
 * same collectives in the same order. The data group is used by one thread at a time: the
 * background thread between the first report and {@link #finish}, the caller otherwise.
 */
final class OverlappedGradientReducer implements GradientReadyListener {
    private static final int DONE = -1;
    private final Communicator group;
    private final TailBuckets buckets;
    /** Buckets handed to the background thread in this accumulation step. */
    private int started;
    private float[] startedOn;
    private Thread worker;
    private LinkedBlockingQueue<Integer> queue;
    private volatile RuntimeException failure;

    OverlappedGradientReducer(Communicator group, TailBuckets buckets) {
        this.group = group;
        this.buckets = buckets;
    }

    @Override
    public void gradientsFinalFrom(float[] grads, int from) {
        if (startedOn != null && startedOn != grads) {
            throw new IllegalStateException("gradient reports for two different buffers in one step");
        }
        while (started < buckets.count() && buckets.start(started) >= from) {
            if (worker == null) {
                startWorker(grads);
            }
            queue.add(started++);
        }
    }

    private void startWorker(float[] grads) {
        startedOn = grads;
        queue = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Integer> q = queue;
        worker = new Thread(() -> reduceQueued(q, grads), "neox-dp-reduce-" + group.rank());
        worker.setDaemon(true);
        worker.start();
    }

    private void reduceQueued(LinkedBlockingQueue<Integer> q, float[] grads) {
        try {
            for (int k = q.take(); k != DONE; k = q.take()) {
                group.allReduceSum(grads, buckets.start(k), buckets.end(k) - buckets.start(k));
            }
        } catch (InterruptedException e) {
            failure = new IllegalStateException("interrupted while reducing gradient buckets", e);
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /**
     * Waits for the buckets started during backward, then sums the remaining ones on the
     * calling thread; afterwards {@code grads[0, numel)} holds the data-group sums.
     */
    void finish(float[] grads) {
        if (worker != null) {
            if (startedOn != grads) {
                throw new IllegalStateException("the step's gradient buffer is not the one reported during backward");
            }
            queue.add(DONE);
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for gradient buckets", e);
            }
            worker = null;
            queue = null;
            startedOn = null;
        }
        int first = started;
        started = 0;
        RuntimeException f = failure;
        failure = null;
        if (f != null) {
            throw f;
        }
        for (int k = first; k < buckets.count(); k++) {
            group.allReduceSum(grads, buckets.start(k), buckets.end(k) - buckets.start(k));
        }
    }
}
