package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.neox.kernel.Kernels;
import org.neox.kernel.NativeKernels;
import org.neox.kernel.ResidentKernels;
import org.neox.model.ModelSpec.Activation;
import org.neox.model.ModelSpec.Norm;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.TokenBatch;

/**
 * The device-resident path ({@link ResidentKernels} on the CPU backend's "device", host copies
 * the device owns poisoned with NaN) against the native CPU kernels on heap arrays: the same C
 * kernels, so every loss, gradient, logit and updated parameter must be BITWISE equal. A host
 * access the model forgets to hand over ({@code toHost}) reads NaN or has its write ignored,
 * and fails these comparisons. Skipped when the native library is not built.
 */
class ResidentModelTest {

    /** What one run produced, step by step. */
    private record Trace(List<Float> losses, List<float[]> grads, float[] params, float[] logits, float evalLoss,
                         List<String> reports) {
    }

    private static void assumeNative() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
    }

    /**
     * Two optimizer steps of two accumulated micro-batches; the second micro-batch of each step
     * reports its gradient ranges to a listener that doubles them on the host (what the data-
     * parallel reducer does with two equal ranks), then a host SGD update; then eval and logits.
     */
    private static Trace run(ModelSpec spec, Kernels k) {
        GPTNeoXModel m = TinyModels.model(spec, k);
        List<Float> losses = new ArrayList<>();
        List<float[]> grads = new ArrayList<>();
        List<String> reports = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            m.zeroGrads();
            losses.add(m.forwardBackward(TinyModels.batch(2, 8, 10 + step), 0.5f, 100 + step));
            int[] last = {Integer.MAX_VALUE};
            m.setGradientReadyListener((g, from) -> {
                reports.add("from " + from);
                for (int i = from; i < Math.min(last[0], g.length); i++) {
                    g[i] *= 2f;
                }
                last[0] = from;
            });
            losses.add(m.forwardBackward(TinyModels.batch(2, 8, 20 + step), 0.5f, 200 + step));
            m.setGradientReadyListener(null);
            float[] g = m.grads();
            grads.add(g.clone());
            float[] p = m.params();
            for (int i = 0; i < p.length; i++) {
                p[i] -= 0.05f * g[i];
            }
        }
        float eval = m.evalLoss(TinyModels.batch(2, 8, 30));
        float[] logits = new float[2 * 8 * TinyModels.VOCAB];
        m.logits(TinyModels.batch(2, 8, 31).tokens(), 2, 8, logits);
        return new Trace(losses, grads, m.params().clone(), logits, eval, reports);
    }

    private static void assertSame(ModelSpec spec) {
        Trace heap = run(spec, NativeKernels.cpu(1));
        Trace resident = run(spec, ResidentKernels.cpu(1, true));
        String what = spec.toString();
        assertEquals(heap.reports(), resident.reports(), "gradient reports, " + what);
        for (int s = 0; s < heap.grads().size(); s++) {
            assertArrayEquals(heap.grads().get(s), resident.grads().get(s), "gradients of step " + s + ", " + what);
        }
        assertEquals(heap.losses(), resident.losses(), "losses, " + what);
        assertArrayEquals(heap.params(), resident.params(), "updated parameters, " + what);
        assertEquals(heap.evalLoss(), resident.evalLoss(), "eval loss, " + what);
        assertArrayEquals(heap.logits(), resident.logits(), "logits, " + what);
        for (float l : resident.losses()) {
            assertTrue(Float.isFinite(l), "finite loss, " + what);
        }
    }

    private static void assertTrue(boolean ok, String what) {
        org.junit.jupiter.api.Assertions.assertTrue(ok, what);
    }

    @Test
    void rotaryTriangleDropoutIsBitwiseTheHeapRun() {
        assumeNative();
        assertSame(TinyModels.spec().withDropout(0.1, 0.1).withMemory(false, 1, true));
        assertSame(TinyModels.spec().withDropout(0.1, 0.1).withMemory(true, 1, false));
    }

    @Test
    void alibiGegluParallelResidualLearnedAndSinusoidal() {
        assumeNative();
        assertSame(TinyModels.spec().withPosEmb(PosEmb.ALIBI).withDropout(0.1, 0.0).withMemory(false, 1, true));
        assertSame(TinyModels.spec().withPosEmb(PosEmb.LEARNED).withActivation(Activation.GEGLU)
                .withNorm(Norm.LAYERNORM, true, false, false, false).withDropout(0.0, 0.1));
        assertSame(TinyModels.spec().withPosEmb(PosEmb.SINUSOIDAL).withNorm(Norm.RMSNORM, true, true, true, true));
        assertSame(TinyModels.spec().withNorm(Norm.SCALENORM, false, false, true, false)
                .withActivation(Activation.SWISH));
    }

    /** The relative position bias: its tables and gradient accumulator stay kernel buffers. */
    @Test
    void relativePositionBiasIsBitwiseTheHeapRun() {
        assumeNative();
        assertSame(TinyModels.spec().withRpe(6, 5).withDropout(0.1, 0.1).withMemory(false, 1, true));
        assertSame(ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB).withRpe(6, 5).withLayerScaling(true)
                .withMemory(true, 1, false).withDropout(0.0, 0.1));
    }

    /** Sparse layers' score masks are kernel inputs like any weight: uploaded once, never written. */
    @Test
    void sparseLayoutsAreBitwiseTheHeapRun() {
        assumeNative();
        SparsityConfig c = new SparsityConfig(2, true, 3, null, 1, 2, null, null, null, null);
        assertSame(TinyModels.spec().withDropout(0.1, 0.0)
                .withAttention(List.of(AttentionKind.LOCAL, AttentionKind.SPARSE_FIXED), c));
        assertSame(TinyModels.spec().withMemory(false, 1, true)
                .withAttention(List.of(AttentionKind.BSLONGFORMER, AttentionKind.FLASH), c));
    }

    /**
     * Generation keeps a KV cache in kernel buffers. The prompt's logits are bitwise the heap run's;
     * single-token steps run their products as device GEMMs (the heap kernels do them on the host
     * in another summation order), so those agree within 1e-5.
     */
    @Test
    void inferenceWithKvCacheMatchesTheHeapRun() {
        assumeNative();
        int promptLogits = 4 * TinyModels.VOCAB;
        for (ModelSpec spec : new ModelSpec[] {TinyModels.spec(), TinyModels.spec().withPosEmb(PosEmb.ALIBI),
                TinyModels.spec().withRpe(6, 5),
                TinyModels.spec().withPosEmb(PosEmb.LEARNED).withNorm(Norm.LAYERNORM, true, false, false, false)}) {
            float[] heap = generate(spec, NativeKernels.cpu(1));
            float[] resident = generate(spec, ResidentKernels.cpu(1, true));
            assertArrayEquals(Arrays.copyOf(heap, promptLogits), Arrays.copyOf(resident, promptLogits),
                    "prompt logits, " + spec);
            assertArrayEquals(Arrays.copyOfRange(heap, promptLogits, heap.length),
                    Arrays.copyOfRange(resident, promptLogits, resident.length), 1e-5f, "cached-step logits, " + spec);
        }
    }

    private static float[] generate(ModelSpec spec, Kernels k) {
        InferenceSession s = new InferenceSession(TinyModels.model(spec, k), k);
        KvCache cache = s.newCache();
        int v = TinyModels.VOCAB;
        float[] out = new float[4 * v + 2 * v];
        float[] prompt = new float[4 * v];
        s.forward(new int[] {3, 1, 4, 1}, 0, 4, cache, true, prompt);
        System.arraycopy(prompt, 0, out, 0, 4 * v);
        float[] one = new float[v];
        for (int t = 0; t < 2; t++) {
            s.forward(new int[] {5 + t}, 0, 1, cache, false, one);
            System.arraycopy(one, 0, out, 4 * v + t * v, v);
        }
        return out;
    }

    /** Tensor-parallel ranks hand their buffers to the host around every all-reduce. */
    @Test
    void tensorParallelRanksMatchTheSingleRankModel() throws Exception {
        assumeNative();
        ModelSpec spec = ModelSpec.defaults(2, 16, 4, 8, TinyModels.VOCAB).withDropout(0.0, 0.1);
        TensorParallelModelTest.check(spec, () -> ResidentKernels.cpu(1, true), 2);
        TensorParallelModelTest.check(spec.withRpe(6, 5), () -> ResidentKernels.cpu(1, true), 2);
    }

    /** A forward pass as a pipeline stage hands its output (and takes its input) on the host. */
    @Test
    void pipelineStagesMatchTheWholeModel() {
        assumeNative();
        ModelSpec spec = TinyModels.spec().withDropout(0.0, 0.1);
        int total = spec.numLayers() + 5;
        TokenBatch b = TinyModels.batch(2, 8, 3);
        int rows = 16;
        int h = spec.hiddenSize();
        float[][] losses = new float[2][];
        for (int run = 0; run < 2; run++) {
            Kernels k = run == 0 ? NativeKernels.cpu(1) : ResidentKernels.cpu(1, true);
            GPTNeoXModel first = new GPTNeoXModel(spec, k, org.neox.comm.SoloCommunicator.INSTANCE, 1234, 0, 3);
            GPTNeoXModel last = new GPTNeoXModel(spec, k, org.neox.comm.SoloCommunicator.INSTANCE, 1234, 3, total);
            float[] hidden = first.stageForward(b.tokens(), null, 2, 8, 7).clone();
            last.stageForward(null, hidden, 2, 8, 7);
            float[] dIn = new float[rows * h];
            float loss = last.stageBackward(b, null, 1f, 7, dIn);
            first.stageBackward(b, dIn.clone(), 1f, 7, null);
            float[] g = first.grads();
            losses[run] = new float[] {loss, g[0], g[g.length - 1], dIn[0], dIn[dIn.length - 1]};
        }
        assertArrayEquals(losses[0], losses[1]);
    }
}
