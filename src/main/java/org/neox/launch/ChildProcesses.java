package org.neox.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Waiting for child processes and reading their output line by line, as the runners need it. */
final class ChildProcesses {
    private ChildProcesses() {
    }

    /** The exit code, waiting through interrupts: the end of a child must always be reported. */
    static int waitFor(Process p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // keep waiting
            }
        }
    }

    /** Joins {@code t}, waiting through interrupts (its last lines must not be lost). */
    static void join(Thread t) {
        while (true) {
            try {
                t.join();
                return;
            } catch (InterruptedException e) {
                // keep waiting
            }
        }
    }

    /** A started daemon thread giving each UTF-8 line of {@code in} to {@code lines}; a failed read goes to {@code failed}. */
    static Thread readLines(InputStream in, Consumer<String> lines, Consumer<Exception> failed, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.accept(line);
                }
            } catch (IOException | RuntimeException e) {
                failed.accept(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
