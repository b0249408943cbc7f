package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/** Triangle vs full attention, checkpointed vs plain, CPU vs reference kernels, overfitting. */
class ModelBehaviourTest {

    private static float[] run(GPTNeoXModel m, TokenBatch b, float[] lossOut) {
        m.zeroGrads();
        lossOut[0] = m.forwardBackward(b, 1f, 17);
        return m.grads().clone();
    }

    static void assertClose(float[] a, float[] b, double tol, String what) {
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(a[i])), what + " index " + i + ": " + a[i] + " vs " + b[i]);
        }
    }

    @Test
    void triangleAttentionEqualsFullMask() {
        ModelSpec full = TinyModels.spec().withDropout(0.1, 0.1);
        ModelSpec tri = full.withMemory(false, 1, true);
        TokenBatch b = TinyModels.batch(2, 8, 1);
        float[] l1 = new float[1], l2 = new float[1];
        float[] g1 = run(TinyModels.model(full, new ReferenceKernels()), b, l1);
        float[] g2 = run(TinyModels.model(tri, new ReferenceKernels()), b, l2);
        assertEquals(l1[0], l2[0], 1e-6);
        assertClose(g1, g2, 1e-5, "gradient");
    }

    @Test
    void checkpointingGivesIdenticalLossesAndGradientsWithLessCache() {
        ModelSpec plain = ModelSpec.defaults(4, 16, 2, 8, TinyModels.VOCAB).withDropout(0.1, 0.1);
        TokenBatch b = TinyModels.batch(2, 8, 2);
        try (CpuKernels k = new CpuKernels(2)) {
            GPTNeoXModel m0 = TinyModels.model(plain, k);
            float[] l0 = new float[1];
            float[] g0 = run(m0, b, l0);
            for (int n : new int[] {1, 3}) {
                GPTNeoXModel m1 = TinyModels.model(plain.withMemory(true, n, false), k);
                float[] l1 = new float[1];
                float[] g1 = run(m1, b, l1);
                assertEquals(l0[0], l1[0], 0f, "checkpoint_num_layers " + n);
                assertArrayEquals(g0, g1, "checkpoint_num_layers " + n);
                assertEquals(m0.activationCacheBytes(2, 8) * n / 4, m1.activationCacheBytes(2, 8));
            }
        }
    }

    @Test
    void cpuKernelsMatchReferenceOnTheWholeModel() {
        ModelSpec spec = TinyModels.spec().withDropout(0.1, 0.1).withMemory(false, 1, true);
        TokenBatch b = TinyModels.batch(2, 8, 3);
        float[] l1 = new float[1], l2 = new float[1];
        float[] g1 = run(TinyModels.model(spec, new ReferenceKernels()), b, l1);
        try (CpuKernels k = new CpuKernels(2)) {
            float[] g2 = run(TinyModels.model(spec, k), b, l2);
            assertEquals(l1[0], l2[0], 1e-5);
            assertClose(g1, g2, 1e-4, "gradient");
        }
    }

    @Test
    void namesShapesAndDecayGroupsFollowGptNeox() {
        ModelSpec spec = TinyModels.spec();
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        List<ParamView> v = m.views();
        assertEquals("sequential.0.word_embeddings.weight", v.get(0).name());
        assertArrayEquals(new int[] {32, 16}, v.get(0).shape());
        ParamView qkv = v.stream().filter(p -> p.name().equals("sequential.3.attention.query_key_value.weight")).findFirst().orElseThrow();
        assertArrayEquals(new int[] {48, 16}, qkv.shape());
        assertEquals("sequential.5.norm.weight", v.get(v.size() - 3).name());
        assertEquals("sequential.6.final_linear.weight", v.get(v.size() - 1).name());
        for (ParamView p : v) {
            boolean decay = !p.name().endsWith(".bias") && !p.name().contains("norm");
            assertEquals(decay, p.weightDecay(), p.name());
        }
        int h = 16;
        long perLayer = 4L * h + (3L * h * h + 3 * h) + (h * h + h) + (4L * h * h + 4 * h) + (4L * h * h + h);
        assertEquals(32L * h + 2 * perLayer + 2 * h + 32L * h, m.parameterCount());
        float[] p = m.params();
        ParamView ln = v.get(1);
        assertEquals("sequential.2.input_layernorm.weight", ln.name());
        assertEquals(1f, p[ln.offset()]);
    }

    @Test
    void tinyModelOverfitsAFixedBatch() {
        ModelSpec spec = ModelSpec.defaults(2, 32, 4, 16, TinyModels.VOCAB);
        TokenBatch b = TinyModels.batch(2, 16, 4);
        try (CpuKernels k = new CpuKernels(2)) {
            GPTNeoXModel m = TinyModels.model(spec, k);
            float[] mom = new float[m.params().length];
            float[] var = new float[m.params().length];
            float first = 0;
            float last = 0;
            for (int step = 1; step <= 60; step++) {
                m.zeroGrads();
                last = m.forwardBackward(b, 1f, step);
                if (step == 1) {
                    first = last;
                }
                float bc1 = (float) (1 - Math.pow(0.9, step));
                float bc2 = (float) (1 - Math.pow(0.95, step));
                k.adamStep(m.params(), m.grads(), mom, var, 0, 0, mom.length, 3e-3f, 0.9f, 0.95f, 1e-8f, 0f, true, bc1, bc2, 1f);
            }
            assertTrue(first > 3.0 && last < 0.3 * first, "loss " + first + " -> " + last);
        }
    }

    @Test
    void evalLossAndLogitsAgreeWithTraining() {
        ModelSpec spec = TinyModels.spec();
        TokenBatch b = TinyModels.batch(2, 8, 6);
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        float eval = m.evalLoss(b);
        m.zeroGrads();
        assertEquals(eval, m.forwardBackward(b, 1f, 1), 0f);
        float[] logits = new float[16 * TinyModels.VOCAB];
        m.logits(b.tokens(), 2, 8, logits);
        double num = 0;
        double den = 0;
        for (int r = 0; r < 16; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < TinyModels.VOCAB; j++) {
                max = Math.max(max, logits[r * TinyModels.VOCAB + j]);
            }
            double sum = 0;
            for (int j = 0; j < TinyModels.VOCAB; j++) {
                sum += Math.exp(logits[r * TinyModels.VOCAB + j] - max);
            }
            num += (max + Math.log(sum) - logits[r * TinyModels.VOCAB + b.labels()[r]]) * b.lossMask()[r];
            den += b.lossMask()[r];
        }
        assertEquals(num / den, eval, 1e-5);
    }

    @Test
    void initialisationFollowsSpecSection57() {
        ModelSpec spec = ModelSpec.defaults(4, 64, 4, 8, 256);
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        assertEquals(0.02, std(m, "sequential.2.attention.query_key_value.weight"), 0.002);
        assertEquals(0.02 / Math.sqrt(8), std(m, "sequential.3.mlp.dense_4h_to_h.weight"), 0.0007);
        assertEquals(0.0, std(m, "sequential.3.mlp.dense_4h_to_h.bias"), 0.0);
        GPTNeoXModel again = TinyModels.model(spec, new ReferenceKernels());
        assertArrayEquals(m.params(), again.params());
        ModelSpec small = spec.withInit(ModelSpec.InitMethod.SMALL_INIT, ModelSpec.InitMethod.WANG_INIT, 0.02);
        GPTNeoXModel s = TinyModels.model(small, new ReferenceKernels());
        assertEquals(Math.sqrt(2.0 / (5 * 64)), std(s, "sequential.0.word_embeddings.weight"), 0.005);
        assertEquals(2.0 / (4 * Math.sqrt(64)), std(s, "sequential.2.attention.dense.weight"), 0.005);
    }

    private static double std(GPTNeoXModel m, String name) {
        ParamView v = m.views().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        double ss = 0;
        for (int i = 0; i < v.numel(); i++) {
            ss += (double) m.params()[v.offset() + i] * m.params()[v.offset() + i];
        }
        return Math.sqrt(ss / v.numel());
    }
}
