package org.neox.comm;

/** Counts the queued sends of one operation so the caller can wait until its buffers are free. */
final class OpCompletion {
    private int pending;
    private CommException failure;

    synchronized void expect(int n) {
        pending += n;
    }

    synchronized void completeOne() {
        pending--;
        notifyAll();
    }

    synchronized void fail(CommException e) {
        if (failure == null) {
            failure = e;
        }
        pending--;
        notifyAll();
    }

    /** Waits for every expected send; {@code what} names the operation in the timeout message. */
    synchronized void await(long deadlineNanos, String what) {
        while (pending > 0 && failure == null) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new CommException(what + ": sends did not complete within the operation deadline"
                        + " (a receiving peer is hung)");
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommException(what + ": interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
