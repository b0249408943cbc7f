package org.neox.comm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one body per communicator, each on its own thread, and rethrows the lowest rank's failure
 * with the other ranks' failures attached as suppressed.
 */
final class RankThreads {
    interface Body {
        void run(Communicator c) throws Exception;
    }

    private RankThreads() {
    }

    /** All messages of a failure and its suppressed failures, one per line. */
    static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder(String.valueOf(t.getMessage()));
        for (Throwable s : t.getSuppressed()) {
            sb.append('\n').append(s.getMessage());
        }
        return sb.toString();
    }

    static void run(List<Communicator> comms, Body body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(comms.size());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (Communicator c : comms) {
                fs.add(pool.submit(() -> {
                    body.run(c);
                    return null;
                }));
            }
            Exception first = null;
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Exception ex = e.getCause() instanceof Exception c ? c : e;
                    if (first == null) {
                        first = ex;
                    } else {
                        first.addSuppressed(ex);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
