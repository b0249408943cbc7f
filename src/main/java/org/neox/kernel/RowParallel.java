package org.neox.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

/**
 * Splits a row range over a small fixed pool (the caller runs the first chunk itself). Work
 * below {@code minRowsPerTask} rows per task stays on the caller, since a hand-off costs tens of
 * microseconds. Chunks are fixed by row index, so results never depend on scheduling.
 */
final class RowParallel implements AutoCloseable {
    /** Body over rows {@code [from, to)}. */
    interface Body {
        void run(int from, int to);
    }

    /** Body of task {@code t} of {@code tasks}. */
    interface Task {
        void run(int t);
    }

    private final int threads;
    private final ExecutorService pool;

    RowParallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "neox-kernel");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    void forRows(int rows, int minRowsPerTask, Body body) {
        int tasks = Math.min(threads, Math.max(1, rows / Math.max(1, minRowsPerTask)));
        forTasks(tasks, t -> body.run((int) ((long) rows * t / tasks), (int) ((long) rows * (t + 1) / tasks)));
    }

    /** Runs tasks {@code 0 .. tasks-1} (at most {@link #threads()}), task 0 on the caller. */
    void forTasks(int tasks, Task body) {
        if (tasks <= 1) {
            body.run(0);
            return;
        }
        Future<?>[] futures = new Future<?>[tasks - 1];
        for (int t = 1; t < tasks; t++) {
            int task = t;
            futures[t - 1] = pool.submit(() -> body.run(task));
        }
        body.run(0);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in a kernel", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("kernel task failed", e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
