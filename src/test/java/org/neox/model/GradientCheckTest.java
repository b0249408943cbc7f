package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.neox.kernel.ReferenceKernels;
import org.neox.model.ModelSpec.Activation;
import org.neox.model.ModelSpec.Norm;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * Finite-difference checks of the whole tiny model's gradients, one random direction per
 * parameter tensor (unit length; which checks every layer's backward through the tensors it owns):
 * {@code (L(θ+εu) − L(θ−εu)) / 2ε} against {@code g·u}, ε = 1e-2 on the reference kernels.
 * Tolerance 2e-2 relative + 2e-4 absolute: activations are stored in float, so the difference
 * quotient carries ~1e-6·L/ε of rounding noise. ReLU uses ε = 5e-4 and 1e-3 absolute: its kink
 * makes the quotient wrong for every pre-activation the ±ε step moves across 0 (an error that
 * shrinks with ε: 2.3e-3 at ε = 2e-3, 1.6e-3 at 1e-3 on the smallest gradient), while the rounding
 * noise grows as 1/ε (about 6e-4 here). The check is deterministic (seeded, reference kernels).
 */
class GradientCheckTest {

    static Stream<Arguments> variants() {
        ModelSpec base = TinyModels.spec();
        return Stream.of(
                Arguments.of("rotary-layernorm-sequential-untied", base),
                Arguments.of("learned-rmsnorm-parallel-tied",
                        base.withPosEmb(PosEmb.LEARNED).withNorm(Norm.RMSNORM, true, false, false, false)),
                Arguments.of("sinusoidal-scalenorm-gptj-tied-tanh",
                        base.withPosEmb(PosEmb.SINUSOIDAL).withNorm(Norm.SCALENORM, true, true, true, true)),
                Arguments.of("partial-rotary-triangle-dropout",
                        base.withRotaryPct(0.5).withMemory(false, 1, true).withDropout(0.1, 0.1)),
                Arguments.of("no-posemb-checkpointed",
                        base.withPosEmb(PosEmb.NONE).withMemory(true, 1, false).withDropout(0.0, 0.2)),
                Arguments.of("alibi", base.withPosEmb(PosEmb.ALIBI)),
                Arguments.of("alibi-triangle-dropout",
                        base.withPosEmb(PosEmb.ALIBI).withMemory(false, 1, true).withDropout(0.1, 0.0)),
                Arguments.of("rpe", base.withRpe(6, 5)),
                Arguments.of("rpe-triangle-dropout-checkpointed",
                        base.withRpe(6, 5).withMemory(true, 1, true).withDropout(0.1, 0.1)),
                Arguments.of("rpe-layer-scaling-3-layers", ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB)
                        .withInit(ModelSpec.InitMethod.NORMAL, ModelSpec.InitMethod.SCALED_NORMAL, 0.2)
                        .withRpe(6, 5).withLayerScaling(true)),
                Arguments.of("rpe-sparse-local-then-flash-triangle", base.withRpe(6, 5).withMemory(false, 1, true)
                        .withAttention(List.of(AttentionKind.LOCAL, AttentionKind.FLASH),
                                new SparsityConfig(2, null, 2, null, null, null, null, null, null, null))),
                Arguments.of("relu", base.withActivation(Activation.RELU)),
                Arguments.of("softsign", base.withActivation(Activation.SOFTSIGN)),
                Arguments.of("swish-parallel", base.withActivation(Activation.SWISH)
                        .withNorm(Norm.LAYERNORM, true, false, false, false)),
                Arguments.of("mish-checkpointed", base.withActivation(Activation.MISH).withMemory(true, 1, false)),
                Arguments.of("geglu-dropout", base.withActivation(Activation.GEGLU).withDropout(0.0, 0.1)),
                // 4 blocks of 2: a local layer (window of 2 blocks) and a per-head fixed layout, with
                // dropout configured (sparse layers take none) and triangle blocks
                Arguments.of("sparse-local-fixed-triangle", base.withMemory(false, 1, true).withDropout(0.1, 0.0)
                        .withAttention(List.of(AttentionKind.LOCAL, AttentionKind.SPARSE_FIXED),
                                new SparsityConfig(2, true, 3, null, 1, 2, null, null, null, null))),
                Arguments.of("flash-alibi-bigbird", base.withPosEmb(PosEmb.ALIBI).withDropout(0.1, 0.0)
                        .withAttention(List.of(AttentionKind.FLASH, AttentionKind.BIGBIRD),
                                new SparsityConfig(2, null, null, 1, 1, null, 1, null, null, null))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void gradientsMatchFiniteDifferences(String name, ModelSpec spec) {
        GPTNeoXModel m = TinyModels.model(spec, new ReferenceKernels());
        TokenBatch b = TinyModels.batch(2, 8, 5);
        long dropSeed = 99;
        m.zeroGrads();
        m.forwardBackward(b, 1f, dropSeed);
        float[] g = m.grads().clone();
        float[] p = m.params();
        Random rnd = new Random(3);
        boolean kinked = spec.activation() == Activation.RELU;
        float eps = kinked ? 5e-4f : 1e-2f;
        double absTol = kinked ? 1e-3 : 2e-4;
        for (ParamView v : m.views()) {
            double[] u = new double[v.numel()];
            double norm = 0;
            for (int i = 0; i < u.length; i++) {
                u[i] = rnd.nextGaussian();
                norm += u[i] * u[i];
            }
            double an = 0;
            for (int i = 0; i < u.length; i++) {
                u[i] /= Math.sqrt(norm);
                an += u[i] * g[v.offset() + i];
            }
            float[] saved = java.util.Arrays.copyOfRange(p, v.offset(), v.offset() + u.length);
            shift(p, v.offset(), saved, u, eps);
            double plus = loss(m, b, dropSeed);
            shift(p, v.offset(), saved, u, -eps);
            double minus = loss(m, b, dropSeed);
            System.arraycopy(saved, 0, p, v.offset(), saved.length);
            double fd = (plus - minus) / (2 * eps);
            assertTrue(Math.abs(fd - an) <= 2e-2 * Math.abs(an) + absTol,
                    name + " " + v.name() + ": finite difference " + fd + " vs backward " + an);
        }
    }

    private static void shift(float[] p, int off, float[] saved, double[] u, float eps) {
        for (int i = 0; i < u.length; i++) {
            p[off + i] = (float) (saved[i] + eps * u[i]);
        }
    }

    private static double loss(GPTNeoXModel m, TokenBatch b, long dropSeed) {
        float l = m.forwardBackward(b, 0f, dropSeed);
        m.zeroGrads();
        return l;
    }
}
