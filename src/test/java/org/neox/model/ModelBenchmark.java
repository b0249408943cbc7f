package org.neox.model;

import java.util.Arrays;
import org.neox.comm.SoloCommunicator;
import org.neox.kernel.CpuKernels;
import org.neox.tensor.TokenBatch;

/**
 * Training-step throughput on random tokens (not a test; run by hand):
 * {@code java -cp ... org.neox.model.ModelBenchmark small|125m [iters] [triangle] [checkpoint]}.
 * A step is forward + backward + one AdamW update over all parameters. Prints tokens/s,
 * GFLOP/s (model FLOPs actually executed: matmuls only, causal attention counted as computed)
 * and the time split between big GEMMs, attention and element-wise kernels.
 */
public final class ModelBenchmark {
    private ModelBenchmark() {
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) {
        String cfg = args.length > 0 ? args[0] : "small";
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        boolean triangle = args.length > 2 && Boolean.parseBoolean(args[2]);
        boolean checkpoint = args.length > 3 && Boolean.parseBoolean(args[3]);
        ModelSpec spec = cfg.equals("125m") ? ModelSpec.defaults(12, 768, 12, 1024, 50304)
                : ModelSpec.defaults(6, 512, 8, 512, 50304);
        int micro = cfg.equals("125m") ? 2 : 4;
        spec = spec.withMemory(checkpoint, 1, triangle);
        try (CpuKernels cpu = new CpuKernels(2)) {
            TimedKernels k = new TimedKernels(cpu, spec.headDim());
            GPTNeoXModel m = new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, 1);
            int seq = spec.seqLength();
            java.util.Random r = new java.util.Random(1);
            int n = micro * seq;
            int[] tok = new int[n];
            int[] lab = new int[n];
            for (int i = 0; i < n; i++) {
                tok[i] = r.nextInt(50257);
                lab[i] = r.nextInt(50257);
            }
            float[] mask = new float[n];
            Arrays.fill(mask, 1f);
            TokenBatch b = new TokenBatch(tok, lab, mask, micro, seq);
            float[] mom = new float[m.params().length];
            float[] var = new float[m.params().length];
            System.out.printf("%s: %d params, micro-batch %d, seq %d, triangle %s, checkpoint %s, cache %.0f MiB%n", cfg,
                    m.parameterCount(), micro, seq, triangle, checkpoint, m.activationCacheBytes(micro, seq) / 1048576.0);
            double[] times = new double[iters];
            for (int it = -1; it < iters; it++) {
                k.reset();
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                m.zeroGrads();
                float loss = m.forwardBackward(b, 1f, it);
                k.adamStep(m.params(), m.grads(), mom, var, 0, 0, mom.length, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.01f, true, 0.1f, 0.05f, 1f);
                double s = (System.nanoTime() - t0) / 1e9;
                double cpuS = (cpuNanos() - c0) / 1e9;
                if (it >= 0) {
                    times[it] = s;
                }
                System.out.printf("step %d: loss %.4f, %.2f s, %.0f tokens/s | gemm %.2f s (%.0f GFLOP/s), attention %.2f s (%.0f GFLOP/s), "
                                + "element-wise %.2f s, other %.2f s; total %.0f GFLOP/s%n", it, loss, s, n / s,
                        k.gemmNs / 1e9, k.gemmFlops / k.gemmNs, k.attentionNs / 1e9, k.attentionFlops / k.attentionNs,
                        k.elementwiseNs / 1e9, s - (k.gemmNs + k.attentionNs + k.elementwiseNs) / 1e9,
                        (k.gemmFlops + k.attentionFlops) / s / 1e9);
                StringBuilder ew = new StringBuilder();
                k.elementwise.forEach((name, ns) -> ew.append(String.format(" %s %.2f", name, ns / 1e9)));
                System.out.printf("   process CPU %.1f s -> %.0f tokens/s if 2 cores were ours; element-wise:%s%n",
                        cpuS, n / (cpuS / 2), ew);
            }
            Arrays.sort(times);
            double med = times[iters / 2];
            System.out.printf("median step %.2f s: %.0f tokens/s%n", med, n / med);
            long peak = 0;
            for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                    peak += pool.getPeakUsage().getUsed();
                }
            }
            System.out.printf("peak heap (sum of pool peaks) %.0f MiB%n", peak / 1048576.0);
        }
    }
}
