package org.neox.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;

/** AdamW against a double-precision reference in the textbook form (decay applied as its own term). */
class AdamWTest {
    /** The float kernels: the arithmetic under test is float, as on every backend. */
    private static final Kernels KERNELS = new CpuKernels(1);

    private static final int N = 300;
    /** Ranges with a gap [200, 220) that must stay untouched. */
    private static final List<ParamRange> RANGES = List.of(
            new ParamRange(0, 120, true, true), new ParamRange(120, 80, false, true), new ParamRange(220, 80, true, false));

    /**
     * Reference: m̂ = m/(1−β1^t), v̂ = v/(1−β2^t); p ← p − lr·m̂/(√v̂+ε) − lr·wd·p (decoupled) in
     * double, with the moment coefficients as the fused kernel receives them: β as float and 1−β
     * computed in float (for β2 = 0.999 that is 1.0000467e-3, a visible 5e-5 relative change).
     */
    private static void referenceStep(double[] p, double[] g, double[] m, double[] v, int t, AdamConfig c,
                                      double lr, double gradScale) {
        double b1 = (float) c.beta1();
        double b2 = (float) c.beta2();
        double omb1 = 1f - (float) c.beta1();
        double omb2 = 1f - (float) c.beta2();
        for (ParamRange r : RANGES) {
            double wd = r.weightDecay() ? c.weightDecay() : 0;
            for (int i = r.offset(); i < r.end(); i++) {
                double grad = g[i] * gradScale;
                if (!c.decoupled()) {
                    grad += wd * p[i];
                }
                m[i] = b1 * m[i] + omb1 * grad;
                v[i] = b2 * v[i] + omb2 * grad * grad;
                double mHat = c.biasCorrection() ? m[i] / (1 - Math.pow(c.beta1(), t)) : m[i];
                double vHat = c.biasCorrection() ? v[i] / (1 - Math.pow(c.beta2(), t)) : v[i];
                double decayTerm = c.decoupled() ? lr * wd * p[i] : 0;
                p[i] = p[i] - lr * mHat / (Math.sqrt(vHat) + c.eps()) - decayTerm;
            }
        }
    }

    private static void checkAgainstReference(AdamConfig c, float gradScale) {
        Random rnd = new Random(42);
        float[] p = new float[N];
        float[] m = new float[N];
        float[] v = new float[N];
        double[] pd = new double[N];
        double[] md = new double[N];
        double[] vd = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = (float) rnd.nextGaussian();
            pd[i] = p[i];
        }
        AdamW adam = new AdamW(c);
        for (int t = 1; t <= 6; t++) {
            float[] g = new float[N];
            double[] gd = new double[N];
            for (int i = 0; i < N; i++) {
                g[i] = (float) (rnd.nextGaussian() * 0.1);
                gd[i] = g[i];
            }
            double lr = 1e-3 * t;
            adam.step(KERNELS, p, g, m, v, RANGES, lr, gradScale);
            referenceStep(pd, gd, md, vd, t, c, lr, gradScale);
        }
        assertEquals(6, adam.stepCount());
        for (int i = 0; i < N; i++) {
            // float32 arithmetic over 6 steps: the update is ~1e-3 per step, so 1e-6 absolute is tight
            assertEquals(pd[i], p[i], 1e-6 + 1e-6 * Math.abs(pd[i]), "param " + i);
            assertEquals(md[i], m[i], 1e-6 + 1e-5 * Math.abs(md[i]), "exp_avg " + i);
            assertEquals(vd[i], v[i], 1e-9 + 1e-5 * Math.abs(vd[i]), "exp_avg_sq " + i);
        }
    }

    @Test
    void decoupledWeightDecayMatchesReference() {
        checkAgainstReference(new AdamConfig(0.9, 0.95, 1e-8, 0.1, true, true), 1f);
    }

    @Test
    void classicAdamWithL2MatchesReference() {
        checkAgainstReference(new AdamConfig(0.9, 0.999, 1e-8, 0.1, false, true), 1f);
    }

    @Test
    void noBiasCorrectionAndGradScaleMatchReference() {
        checkAgainstReference(new AdamConfig(0.8, 0.99, 1e-6, 0.01, true, false), 0.25f);
    }

    @Test
    void gapsBetweenRangesAreUntouched() {
        float[] p = new float[N];
        float[] g = new float[N];
        java.util.Arrays.fill(p, 3f);
        java.util.Arrays.fill(g, 1f);
        new AdamW(AdamConfig.fusedAdamDefaults(0.1)).step(KERNELS, p, g, new float[N], new float[N], RANGES, 0.1, 1f);
        for (int i = 200; i < 220; i++) {
            assertEquals(3f, p[i]);
        }
        // first step with bias correction: update = g/|g| = 1 (eps aside), plus decay on decaying ranges
        assertEquals(3 - 0.1 * (1 + 0.1 * 3), p[0], 1e-6);
        assertEquals(3 - 0.1, p[150], 1e-6);
    }

    @Test
    void tensorParallelFlagFollowsMegatronsModelParallelAttribute() {
        assertEquals(new ParamRange(5, 7, true, true), ParamRanges.of("sequential.0.word_embeddings.weight", 5, 7));
        assertEquals(true, ParamRanges.of("sequential.2.attention.query_key_value.bias", 0, 1).modelParallel());
        assertEquals(true, ParamRanges.of("sequential.2.mlp.dense_h_to_4h.bias", 0, 1).modelParallel());
        assertEquals(true, ParamRanges.of("sequential.2.attention.dense.weight", 0, 1).modelParallel());
        assertEquals(false, ParamRanges.of("sequential.2.attention.dense.bias", 0, 1).modelParallel());
        assertEquals(false, ParamRanges.of("sequential.2.mlp.dense_4h_to_h.bias", 0, 1).modelParallel());
        assertEquals(false, ParamRanges.of("sequential.2.input_layernorm.weight", 0, 1).modelParallel());
        assertEquals(false, ParamRanges.of("sequential.0.position_embeddings.weight", 0, 1).modelParallel());
        assertEquals(true, ParamRanges.of("sequential.10.final_linear.weight", 0, 1).modelParallel());
    }

    @Test
    void weightDecayGroupsFollowGptNeoxNames() {
        assertEquals(true, WeightDecayGroups.decays("sequential.0.word_embeddings.weight"));
        assertEquals(true, WeightDecayGroups.decays("sequential.2.attention.query_key_value.weight"));
        assertEquals(false, WeightDecayGroups.decays("sequential.2.attention.query_key_value.bias"));
        assertEquals(false, WeightDecayGroups.decays("sequential.2.input_layernorm.weight"));
        assertEquals(false, WeightDecayGroups.decays("sequential.3.post_attention_layernorm.weight"));
        assertEquals(false, WeightDecayGroups.decays("sequential.9.norm.weight"));
        assertEquals(false, WeightDecayGroups.decays("sequential.9.norm.scale"));
        assertEquals(true, WeightDecayGroups.decays("sequential.10.final_linear.weight"));
    }
}
