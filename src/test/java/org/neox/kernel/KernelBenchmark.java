package org.neox.kernel;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Side-by-side kernel benchmark (a main, not a test; run by {@code scripts/kernel_bench.sh}):
 * GEMM GFLOP/s of NativeKernels vs CpuKernels (OpenBLAS via off-heap copies) vs ND4J
 * ({@code Nd4j.gemm} into a preallocated result, no copies) on the transformer shapes, then
 * median milliseconds of the fused kernels for native vs pure Java. Shapes are {@code m x k x n}
 * in the forward orientation of a linear layer: {@code gemm(false, true, m, n, k)} with the
 * weight stored {@code [n, k]}. Medians over {@code reps} after one warm-up; the machine is
 * shared, so only ratios within one run mean much.
 *
 * <p>Arguments: {@code [reps=5] [backend=native|cuda]}.
 */
public final class KernelBenchmark {
    private static final int[][] GEMM_SHAPES = {{2048, 768, 2304}, {2048, 3072, 768}, {2048, 768, 50304}, {512, 512, 512}};

    private KernelBenchmark() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Kernels nat = args.length > 1 && args[1].equals("cuda") ? NativeKernels.cuda(0) : NativeKernels.cpu(2);
        try (CpuKernels cpu = new CpuKernels(2)) {
            System.out.printf("backends: %s vs %s vs nd4j; %d reps, medians%n", nat.name(), cpu.name(), reps);
            for (int[] s : GEMM_SHAPES) {
                gemmRow(s[0], s[1], s[2], reps, nat, cpu);
            }
            fused(reps, nat, cpu);
        }
    }

    private static float[] rand(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static double median(Runnable op, int reps) {
        op.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static void gemmRow(int m, int k, int n, int reps, Kernels nat, Kernels cpu) {
        Random r = new Random(1);
        float[] a = rand(m * k, r), b = rand(n * k, r), c = new float[m * n];
        int rr = n > 10000 ? Math.max(1, reps / 2) : reps;
        double flop = 2.0 * m * n * k;
        double tn = median(() -> nat.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n), rr);
        double tc = median(() -> cpu.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n), rr);
        INDArray na = Nd4j.create(a, new long[] {m, k}, DataType.FLOAT);
        INDArray nb = Nd4j.create(b, new long[] {n, k}, DataType.FLOAT);
        INDArray nc = Nd4j.create(DataType.FLOAT, m, n);
        double td = median(() -> Nd4j.gemm(na, nb, nc, false, true, 1.0, 0.0), rr);
        System.out.printf("gemm %5d x %5d x %5d (NT): native %6.1f GFLOP/s | cpu(openblas+copy) %6.1f | nd4j %6.1f%n",
                m, k, n, flop / tn / 1e6, flop / tc / 1e6, flop / td / 1e6);
        double tnn = median(() -> nat.gemm(false, false, m, k, n, 1f, c, 0, n, b, 0, k, 0f, a, 0, k), rr);
        double tcn = median(() -> cpu.gemm(false, false, m, k, n, 1f, c, 0, n, b, 0, k, 0f, a, 0, k), rr);
        double ttn = median(() -> nat.gemm(true, false, n, k, m, 1f, c, 0, n, a, 0, k, 1f, b, 0, k), rr);
        double tct = median(() -> cpu.gemm(true, false, n, k, m, 1f, c, 0, n, a, 0, k, 1f, b, 0, k), rr);
        System.out.printf("     backward dX (NN): native %6.1f | cpu %6.1f;  dW (TN, beta 1): native %6.1f | cpu %6.1f%n",
                flop / tnn / 1e6, flop / tcn / 1e6, flop / ttn / 1e6, flop / tct / 1e6);
    }

    private static void fused(int reps, Kernels nat, Kernels cpu) {
        Random r = new Random(2);
        int count = 12, sq = 1024;
        float[] att = rand(count * sq * sq, r), y = new float[att.length], dy = rand(att.length, r);
        row("causal softmax fwd [12,1024,1024]", reps, nat, cpu, k -> k.causalSoftmaxForward(att, 0, y, 0, count, sq, 0.125f));
        row("causal softmax bwd [12,1024,1024]", reps, nat, cpu, k -> k.causalSoftmaxBackward(y, 0, dy, 0, att, 0, count, sq, 0.125f));
        int rows = 2048, h = 768;
        float[] x = rand(rows * h, r), w = rand(h, r), b = rand(h, r), o = new float[rows * h];
        float[] mean = new float[rows], rstd = new float[rows], dw = new float[h], db = new float[h];
        row("layernorm fwd [2048,768]", reps, nat, cpu, k -> k.layerNormForward(x, 0, w, 0, b, 0, o, 0, mean, rstd, rows, h, 1e-5f));
        row("layernorm bwd [2048,768]", reps, nat, cpu,
                k -> k.layerNormBackward(x, 0, x, 0, w, 0, mean, rstd, o, 0, dw, 0, db, 0, rows, h));
        float[] g = rand(rows * 4 * h, r), go = new float[g.length];
        row("gelu fwd (erf) [2048,3072]", reps, nat, cpu, k -> k.activationForward(ActivationKind.GELU, g, 0, go, 0, g.length));
        row("gelu bwd (erf) [2048,3072]", reps, nat, cpu, k -> k.activationBackward(ActivationKind.GELU, g, 0, g, 0, go, 0, g.length));
        row("bias add [2048,3072]", reps, nat, cpu, k -> k.biasAdd(go, 0, w, 0, rows * 4, h));
        int v = 50304, lr = 512;
        float[] logits = rand(lr * v, r), loss = new float[lr], lse = new float[lr], dl = new float[lr];
        Arrays.fill(dl, 1f / lr);
        int[] labels = new int[lr];
        for (int i = 0; i < lr; i++) {
            labels[i] = r.nextInt(v);
        }
        row("cross-entropy fwd [512,50304]", reps, nat, cpu, k -> k.crossEntropyForward(logits, 0, labels, 0, loss, lse, lr, v));
        float[] lg = logits.clone();
        row("cross-entropy bwd [512,50304]", reps, nat, cpu, k -> {
            System.arraycopy(logits, 0, lg, 0, lg.length);
            k.crossEntropyBackward(lg, 0, labels, 0, lse, dl, lr, v);
        });
        int np = 16 << 20;
        float[] p = rand(np, r), gr = rand(np, r), m1 = new float[np], v1 = new float[np];
        row("adamw step 16M params", reps, nat, cpu, k -> k.adamStep(p, gr, m1, v1, 0, 0, np, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.01f, true, 0.1f, 0.05f, 1f));
        float[] q = rand(16 * 1024 * 64, r);
        RotaryTables t = RotaryTables.of(1024, 16, 10000);
        row("rotary fwd [16,1024,64] rd 16", reps, nat, cpu, k -> k.rotaryForward(q, 0, 16, 1024, 64, 16, t.cos(), t.sin()));
    }

    private interface Op {
        void run(Kernels k);
    }

    private static void row(String what, int reps, Kernels nat, Kernels cpu, Op op) {
        double tn = median(() -> op.run(nat), reps);
        double tc = median(() -> op.run(cpu), reps);
        System.out.printf("%-36s native %8.2f ms | java %8.2f ms | speed-up %5.2fx%n", what, tn, tc, tc / tn);
    }
}
