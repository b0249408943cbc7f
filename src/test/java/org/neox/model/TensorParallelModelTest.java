package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.neox.comm.Communicator;
import org.neox.comm.LocalCommunicator;
import org.neox.comm.SoloCommunicator;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.NativeKernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * Tensor parallelism in one JVM (ranks are threads over {@link LocalCommunicator}): mp = 2 and 4
 * start from the single-rank weights (the shards reassemble to them bit for bit) and give the
 * single-rank loss, logits and gradients (shards reassembled) on the same batch within 1e-5.
 */
class TensorParallelModelTest {
    private static final long SEED = 77;

    /** One rank's result: loss, eval loss, parameters, gradients, views, logits [R, V'/p]. */
    private record Shard(float loss, float evalLoss, float[] params, float[] grads, List<ParamView> views, float[] logits) {
    }

    private static Shard runRank(ModelSpec spec, Kernels k, Communicator c, TokenBatch b) {
        GPTNeoXModel m = new GPTNeoXModel(spec, k, c, SEED);
        float[] p0 = m.params().clone();
        m.zeroGrads();
        float loss = m.forwardBackward(b, 2f, 5);
        float evalLoss = m.evalLoss(b);
        float[] logits = new float[b.batch() * b.seq() * spec.paddedVocabSize() / c.size()];
        m.logits(b.tokens(), b.batch(), b.seq(), logits);
        return new Shard(loss, evalLoss, p0, m.grads().clone(), m.views(), logits);
    }

    private static List<Shard> runRanks(ModelSpec spec, Supplier<Kernels> k, int mp, TokenBatch b) throws Exception {
        List<Communicator> comms = LocalCommunicator.create(mp);
        ExecutorService pool = Executors.newFixedThreadPool(mp);
        try {
            List<Future<Shard>> fs = new ArrayList<>();
            for (Communicator c : comms) {
                fs.add(pool.submit(() -> runRank(spec, k.get(), c, b)));
            }
            List<Shard> out = new ArrayList<>();
            for (Future<Shard> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Reassembles the full tensor {@code name} from the shards' flat buffers (params or grads). */
    private static float[] gather(List<Shard> shards, String name, boolean grads, ModelSpec spec) {
        int p = shards.size();
        ParamView v0 = view(shards.get(0).views(), name);
        TensorShards.Layout l = layout(name, spec);
        int[] full = TensorShards.fullShape(v0.shape(), l, p);
        int n = v0.numel();
        boolean split = l == TensorShards.Layout.ROWS || l == TensorShards.Layout.GATED_ROWS
                || l == TensorShards.Layout.COLUMNS;
        float[] out = new float[split ? n * p : n];
        for (int r = 0; r < p; r++) {
            ParamView v = view(shards.get(r).views(), name);
            float[] src = grads ? shards.get(r).grads() : shards.get(r).params();
            float[] local = Arrays.copyOfRange(src, v.offset(), v.offset() + n);
            switch (l) {
                case ROWS -> System.arraycopy(local, 0, out, r * n, n);
                // geglu: this rank's [x_r | gate_r] go to block r of the full x and gate halves
                case GATED_ROWS -> {
                    System.arraycopy(local, 0, out, r * n / 2, n / 2);
                    System.arraycopy(local, n / 2, out, n * p / 2 + r * n / 2, n / 2);
                }
                case COLUMNS -> {
                    int cols = full[1] / p;
                    for (int row = 0; row < full[0]; row++) {
                        System.arraycopy(local, row * cols, out, row * full[1] + r * cols, cols);
                    }
                }
                case REPLICATED -> {
                    if (r == 0) {
                        System.arraycopy(local, 0, out, 0, n);
                    } else {
                        ModelBehaviourTest.assertClose(out, local, 1e-6, name + " replicated on rank " + r);
                    }
                }
                // Every rank's copy of a summed bias gets the full gradient; its values add up.
                case SUMMED -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = grads ? local[i] : out[i] + local[i];
                    }
                }
            }
        }
        return out;
    }

    private static TensorShards.Layout layout(String name, ModelSpec spec) {
        return TensorShards.layout(name, spec.gptJResidual(), spec.activation() == ModelSpec.Activation.GEGLU);
    }

    private static ParamView view(List<ParamView> views, String name) {
        return views.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    static void check(ModelSpec spec, Supplier<Kernels> kernels, int mp) throws Exception {
        TokenBatch b = TinyModels.batch(2, 8, 3);
        Kernels k = kernels.get();
        GPTNeoXModel whole = new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, SEED);
        Shard single = runRank(spec, k, SoloCommunicator.INSTANCE, b);
        List<Shard> shards = runRanks(spec, kernels, mp, b);
        String what = "mp=" + mp + " " + spec;
        for (Shard s : shards) {
            assertEquals(single.loss(), s.loss(), 1e-5 * Math.abs(single.loss()), what + " loss");
            assertEquals(single.evalLoss(), s.evalLoss(), 1e-5 * Math.abs(single.evalLoss()), what + " eval loss");
        }
        double gradScale = 0;
        for (float g : single.grads()) {
            gradScale = Math.max(gradScale, Math.abs(g));
        }
        for (ParamView v : whole.views()) {
            float[] p = Arrays.copyOfRange(single.params(), v.offset(), v.offset() + v.numel());
            float[] g = Arrays.copyOfRange(single.grads(), v.offset(), v.offset() + v.numel());
            boolean summed = layout(v.name(), spec) == TensorShards.Layout.SUMMED;
            float[] gp = gather(shards, v.name(), false, spec);
            if (summed) {
                ModelBehaviourTest.assertClose(p, gp, 1e-6, what + " initial " + v.name());
            } else {
                assertArrayEquals(p, gp, what + " initial " + v.name());
            }
            float[] gg = gather(shards, v.name(), true, spec);
            for (int i = 0; i < g.length; i++) {
                assertTrue(Math.abs(g[i] - gg[i]) <= 1e-5 * (Math.abs(g[i]) + gradScale * 1e-2),
                        what + " gradient " + v.name() + "[" + i + "]: " + g[i] + " vs " + gg[i]);
            }
        }
        int vl = spec.paddedVocabSize() / mp;
        for (int r = 0; r < mp; r++) {
            for (int row = 0; row < b.batch() * b.seq(); row++) {
                for (int j = 0; j < vl; j++) {
                    float e = single.logits()[row * spec.paddedVocabSize() + r * vl + j];
                    assertEquals(e, shards.get(r).logits()[row * vl + j], 1e-5 * (1 + Math.abs(e)), what + " logits");
                }
            }
        }
    }

    @Test
    void sequentialResidualUntiedRotaryMatchesSingleRank() throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 16, 4, 8, TinyModels.VOCAB).withDropout(0.0, 0.1);
        check(spec, ReferenceKernels::new, 2);
        check(spec, ReferenceKernels::new, 4);
    }

    @Test
    void parallelResidualTiedLearnedMatchesSingleRank() throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 16, 4, 8, TinyModels.VOCAB).withPosEmb(ModelSpec.PosEmb.LEARNED)
                .withNorm(ModelSpec.Norm.LAYERNORM, true, false, false, false).withDropout(0.0, 0.1);
        check(spec, ReferenceKernels::new, 2);
        check(spec.withNorm(ModelSpec.Norm.RMSNORM, true, true, false, true), () -> new CpuKernels(1), 4);
    }

    /**
     * geglu over tensor ranks: each rank chunks its LOCAL dense_h_to_4h output into [x | gate]
     * (GPT-NeoX's semantics) and still matches the single-rank model whose full tensor is [x | gate].
     * h = 24: int(8h/3) = 64 splits 2 and 4 ways.
     */
    @Test
    void gegluMatchesSingleRank() throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 24, 4, 8, TinyModels.VOCAB).withActivation(ModelSpec.Activation.GEGLU)
                .withDropout(0.0, 0.1);
        check(spec, ReferenceKernels::new, 2);
        check(spec.withNorm(ModelSpec.Norm.LAYERNORM, true, false, false, false), () -> new CpuKernels(1), 4);
    }

    /**
     * ALiBi: each rank biases its heads with their slopes of the full head count (6 heads, not a
     * power of two, 3 per rank at mp = 2; one head per rank at mp = 4, triangle blocks).
     */
    @Test
    void alibiMatchesSingleRank() throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 24, 6, 8, TinyModels.VOCAB).withPosEmb(ModelSpec.PosEmb.ALIBI)
                .withDropout(0.0, 0.1);
        check(spec, ReferenceKernels::new, 2);
        ModelSpec four = ModelSpec.defaults(2, 16, 4, 8, TinyModels.VOCAB).withPosEmb(ModelSpec.PosEmb.ALIBI)
                .withMemory(false, 1, true).withDropout(0.0, 0.1);
        check(four, () -> new CpuKernels(1), 4);
    }

    /** The vocab-parallel cross-entropy uses only kernel calls the native backend implements too. */
    @Test
    void nativeKernelsMatchSingleRank() throws Exception {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        ModelSpec spec = ModelSpec.defaults(2, 16, 4, 8, TinyModels.VOCAB).withDropout(0.0, 0.1);
        check(spec, () -> NativeKernels.cpu(1), 2);
    }
}
