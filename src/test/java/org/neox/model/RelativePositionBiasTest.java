package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.tensor.ParamStore;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * The T5 relative position bias ({@code pos_emb: rpe}): buckets against values worked out by hand
 * (and checked with numpy float32, torch's arithmetic), the attention core with the bias against
 * the double-precision {@link ReferenceAttention} with the bias {@code c·√hd·W[bucket(i−j), h]}
 * (full square and triangle blocks, with and without layer scaling, within 2e-6), the
 * weight's init and layout, tensor-parallel ranks (the weight split by heads) and pipeline stages
 * (each a tied copy whose gradients sum to the single model's) against the single-rank model.
 */
class RelativePositionBiasTest {

    @Test
    void bucketsFollowGptNeoxFloat32Formula() {
        // 32 buckets, max distance 128: exact below 16, then 16 + (long) (ln(n/16)/ln 8 · 16)
        int[] n = {0, 1, 15, 16, 20, 32, 64, 100, 127, 128, 1000};
        int[] e = {0, 1, 15, 16, 17, 21, 26, 30, 31, 31, 31};
        for (int i = 0; i < n.length; i++) {
            assertEquals(e[i], RelativePositionBias.bucket(n[i], 32, 128), "distance " + n[i]);
        }
        // 8 buckets, max distance 20: exact below 4; ln(10/4)/ln 5 · 4 = 2.28 → 6
        int[] n2 = {3, 4, 5, 8, 10, 19, 20, 500};
        int[] e2 = {3, 4, 4, 5, 6, 7, 7, 7};
        for (int i = 0; i < n2.length; i++) {
            assertEquals(e2[i], RelativePositionBias.bucket(n2[i], 8, 20), "distance " + n2[i]);
        }
    }

    @Test
    void invalidBucketSettingsAreRefused() {
        ModelSpec s = TinyModels.spec();
        assertThrows(IllegalArgumentException.class, () -> s.withRpe(1, 128));
        assertThrows(IllegalArgumentException.class, () -> s.withRpe(32, 16));
    }

    @Test
    void attentionWithRpeMatchesDoubleReference() {
        int heads = 3;
        Dims d = ReferenceAttention.dims(2, 9, heads);
        ModelSpec spec = ModelSpec.defaults(2, d.hidden(), heads, d.seq(), 32).withRpe(6, 5);
        Random rnd = new Random(11);
        float[] qkv = ReferenceAttention.randomQkv(d, rnd);
        float[] w = new float[6 * heads];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.5 * rnd.nextGaussian());
        }
        double scale = Math.sqrt(d.headDim());
        try (CpuKernels cpu = new CpuKernels(2)) {
            for (Kernels k : new Kernels[] {new ReferenceKernels(), cpu}) {
                ParamStore store = new ParamStore();
                RelativePositionBias rpe = new RelativePositionBias(spec, heads, store, k);
                store.allocate();
                System.arraycopy(w, 0, store.params(), rpe.view().offset(), w.length);
                rpe.bind(d.seq());
                rpe.prepare();
                for (int c : new int[] {1, 3}) {
                    double[] expected = ReferenceAttention.context(qkv, d,
                            (h, i, j) -> c * scale * w[RelativePositionBias.bucket(i - j, 6, 5) * heads + h]);
                    for (boolean triangle : new boolean[] {false, true}) {
                        LayerCache cache = new LayerCache(d, false, true);
                        new AttentionCore(k, d, null, null, null, triangle, 0f, rpe, c)
                                .forward(qkv, cache, new float[d.rows() * d.hLocal()], false, 1, 0);
                        for (int i = 0; i < expected.length; i++) {
                            assertTrue(Math.abs(expected[i] - cache.ctx[i]) <= 2e-6 * (1 + Math.abs(expected[i])),
                                    k.name() + " c " + c + " triangle " + triangle + " ctx " + i + ": " + expected[i]
                                            + " vs " + cache.ctx[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void weightIsOneXavierNormalTableNamedAfterTheFirstLayer() {
        ModelSpec spec = ModelSpec.defaults(2, 64, 16, 8, TinyModels.VOCAB).withRpe(32, 128);
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        ParamView v = m.views().stream().filter(x -> x.name().equals("sequential.2.attention.rpe.weight")).findFirst()
                .orElseThrow();
        assertArrayEquals(new int[] {32, 16}, v.shape());
        assertEquals(1, m.views().stream().filter(x -> x.name().contains("rpe")).count());
        double sq = 0;
        for (int i = 0; i < v.numel(); i++) {
            sq += m.params()[v.offset() + i] * (double) m.params()[v.offset() + i];
        }
        double std = Math.sqrt(sq / v.numel());
        assertEquals(Math.sqrt(2.0 / (32 + 16)), std, 0.02, "xavier_normal std");
        assertTrue(v.weightDecay());
    }

    @Test
    void tensorParallelRanksSplitTheHeads() throws Exception {
        ModelSpec spec = ModelSpec.defaults(2, 24, 6, 8, TinyModels.VOCAB).withRpe(6, 5).withDropout(0.0, 0.1);
        TensorParallelModelTest.check(spec, ReferenceKernels::new, 2);
        ModelSpec four = ModelSpec.defaults(3, 16, 4, 8, TinyModels.VOCAB).withRpe(6, 5).withLayerScaling(true)
                .withMemory(false, 1, true).withDropout(0.0, 0.1);
        TensorParallelModelTest.check(four, () -> new CpuKernels(1), 4);
    }

    /** Two stages each hold the weight; their gradients sum to the whole model's (the trainer all-reduces them). */
    @Test
    void pipelineStageCopiesSumToTheWholeModelsGradient() {
        ModelSpec spec = ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB).withRpe(6, 5).withDropout(0.1, 0.1);
        GPTNeoXModel[] m = PipelineStageTest.wholeAndTwoStages(spec);
        GPTNeoXModel whole = m[0];
        GPTNeoXModel s0 = m[1];
        GPTNeoXModel s1 = m[2];
        float[] e = slice(whole, whole.grads());
        float[] g0 = slice(s0, s0.grads());
        float[] g1 = slice(s1, s1.grads());
        assertArrayEquals(slice(whole, whole.params()), slice(s1, s1.params()), "stage copies start equal");
        float[] sum = new float[e.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = g0[i] + g1[i];
        }
        ModelBehaviourTest.assertClose(e, sum, 1e-6, "rpe gradient");
        assertTrue(Arrays.stream(toDouble(g1)).anyMatch(x -> x != 0), "stage 1's layers reach its copy");
    }

    private static float[] slice(GPTNeoXModel m, float[] buf) {
        ParamView v = m.views().stream().filter(x -> x.name().equals(RelativePositionBias.NAME)).findFirst().orElseThrow();
        return Arrays.copyOfRange(buf, v.offset(), v.offset() + v.numel());
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * The weight's gradient is complete when a gradient listener (overlapped data-parallel
     * reduction) is told it is final: after the stage's first layer, which comes last in backward.
     */
    @Test
    void gradientIsFinalWhenTheListenerIsToldSo() {
        ModelSpec spec = ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB).withRpe(6, 5);
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        float[] seen = new float[(int) m.parameterCount()];
        int[] lowest = {Integer.MAX_VALUE};
        m.setGradientReadyListener((g, from) -> {
            for (int i = from; i < Math.min(lowest[0], g.length); i++) {
                seen[i] = g[i];
            }
            lowest[0] = Math.min(lowest[0], from);
        });
        m.zeroGrads();
        m.forwardBackward(TinyModels.batch(2, 8, 6), 1f, 1);
        m.setGradientReadyListener(null);
        assertEquals(0, lowest[0]);
        float[] rpeSeen = slice(m, seen);
        assertArrayEquals(slice(m, m.grads()), rpeSeen, "rpe gradient as reported");
        assertTrue(Arrays.stream(toDouble(rpeSeen)).anyMatch(x -> x != 0));
    }

    @Test
    void biasChangesTheModelAndLayerScalingChangesItAgain() {
        ModelSpec base = ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB);
        TokenBatch b = TinyModels.batch(2, 8, 4);
        float none = TinyModels.model(base.withPosEmb(ModelSpec.PosEmb.NONE), new ReferenceKernels()).evalLoss(b);
        float rpe = TinyModels.model(base.withRpe(6, 5), new ReferenceKernels()).evalLoss(b);
        float scaled = TinyModels.model(base.withRpe(6, 5).withLayerScaling(true), new ReferenceKernels()).evalLoss(b);
        assertTrue(none != rpe && rpe != scaled, none + " " + rpe + " " + scaled);
    }
}
