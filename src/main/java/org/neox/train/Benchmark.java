package org.neox.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.neox.config.NeoXArgs;
import org.neox.kernel.Kernels;
import org.neox.kernel.ResidentKernels;
import org.neox.model.GPTNeoXModel;
import org.neox.model.ModelSpec;
import org.neox.optim.Optimizer;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;
import org.neox.util.Clock;

/**
 * {@code neox bench}: full single-rank training steps (gas micro-batches of forward/backward plus
 * the optimizer step) on random tokens, timed per step; reports the median and the fraction of
 * the GEMM peak measured with the same kernels in the same process.
 */
public final class Benchmark {
    /** The GEMM shape used to measure the machine's peak: a QKV projection of a 125M-class model. */
    private static final int PEAK_M = 2048;
    private static final int PEAK_N = 2304;
    private static final int PEAK_K = 768;

    private final NeoXArgs args;
    private final Kernels kernels;
    private final Clock clock;

    public Benchmark(NeoXArgs args, Kernels kernels, Clock clock) {
        this.args = args;
        this.kernels = kernels;
        this.clock = clock;
    }

    /** Runs {@code warmup} untimed then {@code iters} timed steps; returns the JSON fields in order. */
    public Map<String, Object> run(int warmup, int iters) {
        ModelSpec spec = ModelSpecs.from(args);
        GPTNeoXModel model = new GPTNeoXModel(spec, kernels, RankContext.single().tensorGroup(), args.other().seed());
        Optimizer opt = OptimizerFactory.build(args, model.views(), model.params().length, RankContext.single(), null,
                kernels);
        int gas = args.deepspeedConfig().gradientAccumulationSteps();
        int micro = args.deepspeedConfig().trainMicroBatchSizePerGpu();
        TokenBatch batch = randomBatch(micro, spec.seqLength(), spec.paddedVocabSize(), args.other().seed());
        double[] ms = new double[iters];
        long[] trafficBefore = null;
        for (int i = 0; i < warmup + iters; i++) {
            if (i == warmup) {
                trafficBefore = traffic();
            }
            long t0 = clock.nanoTime();
            for (int g = 0; g < gas; g++) {
                model.forwardBackward(batch, 1f / gas, i * (long) gas + g);
            }
            opt.step(model.paramBuffer(), model.gradBuffer());
            kernels.readToHost(model.paramBuffer(), 0, 1); // waits for a device that runs kernels asynchronously
            if (i >= warmup) {
                ms[i - warmup] = (clock.nanoTime() - t0) / 1e6;
            }
        }
        long[] trafficAfter = traffic();
        double median = median(ms);
        long tokens = (long) micro * gas * spec.seqLength();
        double flops = FlopsFormula.flopsPerGpu((long) micro * gas, spec.seqLength(), model.parameterCount(),
                spec.hiddenSize(), spec.numLayers(), median / 1000, 1);
        double modelFlops = tokens * modelFlopsPerToken(model) / (median / 1000);
        double peak = gemmPeakFlops();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kernels", kernels.name());
        out.put("parameters", model.parameterCount());
        out.put("tokens_per_step", tokens);
        out.put("iters", iters);
        out.put("step_ms_median", round(median));
        out.put("tokens_per_sec", round(tokens / (median / 1000)));
        out.put("tflops", round(flops / 1e12));
        out.put("model_gflops", round(modelFlops / 1e9));
        out.put("gemm_peak_gflops", round(peak / 1e9));
        out.put("fraction_of_gemm_peak", round(modelFlops / peak));
        if (trafficAfter != null && trafficBefore != null) {
            // buffer copies between host and device per step: what residency is meant to cut
            out.put("host_to_device_mb_per_step", round((trafficAfter[0] - trafficBefore[0]) / 1e6 / iters));
            out.put("device_to_host_mb_per_step", round((trafficAfter[1] - trafficBefore[1]) / 1e6 / iters));
        }
        return out;
    }

    /** Buffer bytes moved so far {@code {to device, to host}}, or null for kernels on host arrays. */
    private long[] traffic() {
        return kernels instanceof ResidentKernels r ? r.traffic() : null;
    }

    /**
     * Matrix-multiply FLOPs of one training token (forward + backward), the usual MFU count:
     * {@code 6·N + 12·L·h·s} with N the parameters that take part in matrix products (embedding
     * tables and the relative position bias are lookups and left out, unless tied to the output layer) and the
     * attention products over the full square.
     * GPT-NeoX's logging formula ({@code tflops}) adds {@code 60·s·h·L} and counts all of P, so it
     * reads higher.
     */
    static double modelFlopsPerToken(GPTNeoXModel model) {
        ModelSpec s = model.spec();
        long matmulParams = 0;
        for (ParamView v : model.views()) {
            boolean lookupOnly = v.name().endsWith("position_embeddings.weight")
                    || v.name().endsWith("attention.rpe.weight")
                    || (v.name().endsWith("word_embeddings.weight") && s.noWeightTying());
            if (!lookupOnly) {
                matmulParams += v.numel();
            }
        }
        return 6.0 * matmulParams + 12.0 * s.numLayers() * s.hiddenSize() * s.seqLength();
    }

    /** {@code micro} sequences of uniformly random tokens and labels, all positions in the loss. */
    static TokenBatch randomBatch(int micro, int seq, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = micro * seq;
        int[] tokens = new int[n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rnd.nextInt(vocab);
            labels[i] = rnd.nextInt(vocab);
        }
        float[] mask = new float[n];
        Arrays.fill(mask, 1f);
        return new TokenBatch(tokens, labels, mask, micro, seq);
    }

    /**
     * FLOP/s of the kernels' GEMM on {@code [2048,768]·[768,2304]}: the best of 7 after a warm-up,
     * since on a shared machine the best run is the closest to what the cores can do.
     */
    private double gemmPeakFlops() {
        float[] a = new float[PEAK_M * PEAK_K];
        float[] b = new float[PEAK_K * PEAK_N];
        float[] c = new float[PEAK_M * PEAK_N];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        double[] secs = new double[7];
        for (int i = -1; i < secs.length; i++) {
            long t0 = clock.nanoTime();
            kernels.gemm(false, false, PEAK_M, PEAK_N, PEAK_K, 1f, a, 0, PEAK_K, b, 0, PEAK_N, 0f, c, 0, PEAK_N);
            kernels.readToHost(c, 0, 1); // waits for a device that runs kernels asynchronously
            if (i >= 0) {
                secs[i] = (clock.nanoTime() - t0) / 1e9;
            }
        }
        return 2.0 * PEAK_M * PEAK_N * PEAK_K / Arrays.stream(secs).min().orElseThrow();
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
