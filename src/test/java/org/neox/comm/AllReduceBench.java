package org.neox.comm;

/**
 * Benchmark worker (not a test): allreduce bus bandwidth {@code busBW = bytes/time · 2(n−1)/n}
 * for the sizes (MiB) given as arguments, best and median of 10 timed runs after 10 warm-ups (the
 * JIT compiles the ring's loops during the first few; a trainer allreduces every step), and
 * rank 0's process CPU time per operation (a steadier figure than wall time on a shared machine).
 * Rank 0 prints one line per size. Started by {@code org.neox.launch.AllReduceBenchLauncher}.
 */
public final class AllReduceBench {
    private AllReduceBench() {
    }

    /** CPU time of this whole process (all its threads), for the cost per operation under contention. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) {
        try (TcpCommunicator c = TcpCommunicator.fromEnv()) {
            int n = c.size();
            for (String a : args) {
                int mib = Integer.parseInt(a);
                int len = mib * 1024 * 1024 / 4;
                float[] buf = new float[len];
                double[] secs = new double[10];
                long cpu = 0;
                for (int it = -10; it < secs.length; it++) {
                    java.util.Arrays.fill(buf, 1f);
                    c.barrier();
                    long cpu0 = processCpuNanos();
                    long t0 = System.nanoTime();
                    c.allReduceSum(buf, 0, len);
                    if (it >= 0) {
                        secs[it] = (System.nanoTime() - t0) / 1e9;
                        cpu += processCpuNanos() - cpu0;
                    }
                    if (buf[len - 1] != n) {
                        throw new IllegalStateException("wrong sum " + buf[len - 1]);
                    }
                }
                double cpuMs = cpu / 1e6 / secs.length;
                java.util.Arrays.sort(secs);
                double factor = 4.0 * len * 2 * (n - 1) / n / 1e9;
                if (c.rank() == 0) {
                    System.out.printf("allreduce n=%d size=%d MiB busBW best %.2f GB/s median %.2f GB/s (median %.1f ms, rank 0 cpu %.1f ms/op)%n",
                            n, mib, factor / secs[0], factor / secs[secs.length / 2], secs[secs.length / 2] * 1e3,
                            cpuMs);
                }
            }
        }
    }
}
