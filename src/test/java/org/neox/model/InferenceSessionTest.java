package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.model.ModelSpec.InitMethod;
import org.neox.model.ModelSpec.Norm;
import org.neox.model.ModelSpec.PosEmb;

/**
 * The KV-cached inference forward against the training model's full forward
 * ({@link GPTNeoXModel#logits}): logits of every position agree within 1e-4 whether the sequence
 * is fed at once, token by token, or as a prompt then single tokens, for every model variant.
 */
class InferenceSessionTest {
    private static final int SEQ = 12;
    private static final int VOCAB = 40;

    private static ModelSpec base() {
        return ModelSpec.defaults(2, 16, 4, SEQ, VOCAB).withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.3);
    }

    private static List<ModelSpec> variants() {
        ModelSpec b = base();
        return List.of(b,
                b.withPosEmb(PosEmb.LEARNED),
                b.withPosEmb(PosEmb.SINUSOIDAL),
                b.withPosEmb(PosEmb.ALIBI),
                b.withPosEmb(PosEmb.ALIBI).withMemory(false, 1, true),
                b.withRotaryPct(0.5),
                b.withNorm(Norm.RMSNORM, true, false, false, true),
                b.withNorm(Norm.SCALENORM, true, true, true, false),
                b.withNorm(Norm.LAYERNORM, false, false, false, false),
                b.withActivation(ModelSpec.Activation.GEGLU),
                b.withActivation(ModelSpec.Activation.MISH),
                b.withActivation(ModelSpec.Activation.RELU),
                // rpe: 8 buckets reach their log-spaced part within 12 positions; with layer
                // scaling (3 layers: c = 1, 1, 2) the bias counts c times, ALiBi's too
                b.withRpe(8, 10),
                b.withRpe(8, 10).withMemory(false, 1, true),
                ModelSpec.defaults(3, 16, 4, SEQ, VOCAB).withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.3)
                        .withRpe(8, 10).withLayerScaling(true),
                ModelSpec.defaults(3, 16, 4, SEQ, VOCAB).withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.3)
                        .withPosEmb(PosEmb.ALIBI).withLayerScaling(true),
                // sparse layers (6 blocks of 2): no ALiBi there, the flash layer keeps it
                b.withPosEmb(PosEmb.ALIBI).withAttention(List.of(AttentionKind.LOCAL, AttentionKind.FLASH),
                        new SparsityConfig(2, null, 3, null, null, null, null, null, null, null)),
                // a different global pattern per head, and a symmetric window cut by tril
                b.withMemory(false, 1, true).withAttention(List.of(AttentionKind.SPARSE_FIXED, AttentionKind.BSLONGFORMER),
                        new SparsityConfig(2, true, 2, null, 1, 2, null, null, null, null)),
                // random blocks (4 blocks of 3)
                b.withAttention(List.of(AttentionKind.BIGBIRD, AttentionKind.SPARSE_VARIABLE),
                        new SparsityConfig(3, true, null, 1, null, null, 1, List.of(1, 2), List.of(1), null)),
                // rpe in a sparse layer (added, without layer scaling) and none in the flash layer
                b.withRpe(8, 10).withLayerScaling(true).withAttention(List.of(AttentionKind.LOCAL, AttentionKind.FLASH),
                        new SparsityConfig(2, null, 3, null, null, null, null, null, null, null)));
    }

    private static int[] tokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(VOCAB);
        }
        return t;
    }

    static void assertClose(float[] expected, int eOff, float[] actual, int aOff, int n, double tol, String what) {
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i];
            float a = actual[aOff + i];
            assertTrue(Math.abs(e - a) <= tol, what + " index " + i + ": " + e + " vs " + a);
        }
    }

    private static void checkSpec(ModelSpec spec, Kernels k) {
        GPTNeoXModel model = new GPTNeoXModel(spec, k, org.neox.comm.SoloCommunicator.INSTANCE, 5);
        int[] t = tokens(SEQ, 3);
        float[] full = new float[SEQ * VOCAB];
        model.logits(t, 1, SEQ, full);
        InferenceSession s = new InferenceSession(model, k);
        KvCache cache = s.newCache();
        float[] all = new float[SEQ * VOCAB];
        s.forward(t, 0, SEQ, cache, true, all);
        assertClose(full, 0, all, 0, SEQ * VOCAB, 1e-4, spec + " whole sequence");
        for (int prompt : new int[] {1, 5}) {
            cache.clear();
            float[] row = new float[VOCAB];
            s.forward(t, 0, prompt, cache, false, row);
            assertClose(full, (prompt - 1) * VOCAB, row, 0, VOCAB, 1e-4, spec + " prompt " + prompt);
            for (int pos = prompt; pos < SEQ; pos++) {
                s.forward(t, pos, 1, cache, false, row);
                assertClose(full, pos * VOCAB, row, 0, VOCAB, 1e-4, spec + " cached position " + pos);
            }
        }
    }

    @Test
    void cachedLogitsEqualFullForwardForEveryVariant() {
        try (CpuKernels k = new CpuKernels(2)) {
            for (ModelSpec spec : variants()) {
                checkSpec(spec, k);
            }
        }
    }

    @Test
    void referenceKernelsAgreeToo() {
        checkSpec(base().withNorm(Norm.LAYERNORM, false, false, false, false), new ReferenceKernels());
    }

    @Test
    void cacheOverflowIsRefused() {
        GPTNeoXModel model = new GPTNeoXModel(base(), new ReferenceKernels(), org.neox.comm.SoloCommunicator.INSTANCE, 1);
        InferenceSession s = new InferenceSession(model, new ReferenceKernels());
        KvCache cache = s.newCache();
        float[] row = new float[VOCAB];
        s.forward(tokens(SEQ, 1), 0, SEQ, cache, false, row);
        assertThrows(IllegalArgumentException.class, () -> s.forward(new int[] {1}, 0, 1, cache, false, row));
    }
}
