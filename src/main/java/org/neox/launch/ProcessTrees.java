package org.neox.launch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Stops process trees: SIGTERM to each process and its descendants, a grace period, then SIGKILL. */
final class ProcessTrees {
    private ProcessTrees() {
    }

    static void terminate(List<ProcessHandle> roots, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle p : roots) {
            // descendants first: a worker's own children must not outlive it
            p.descendants().forEach(all::add);
            all.add(p);
        }
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle p : all) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    p.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (Exception e) {
                // still alive after the grace period: killed below
            }
        }
        for (ProcessHandle p : all) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** "exit code N", or "killed by SIGNAME" for the 128+signal codes Java reports for signal deaths. */
    static String describeExit(int code) {
        if (code > 128 && code < 160) {
            return "killed by " + signalName(code - 128) + " (exit code " + code + ")";
        }
        return "exit code " + code;
    }

    static String signalName(int sig) {
        String[] names = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};
        return sig > 0 && sig < names.length ? names[sig] : "signal " + sig;
    }
}
