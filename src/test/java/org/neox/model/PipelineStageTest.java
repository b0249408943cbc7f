package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.neox.comm.SoloCommunicator;
import org.neox.kernel.ReferenceKernels;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/** Two stages owning contiguous layer-spec slices reproduce the whole model's loss and gradients. */
class PipelineStageTest {

    @Test
    void twoStagesMatchTheWholeModel() {
        for (boolean untied : new boolean[] {true, false}) {
            ModelSpec spec = ModelSpec.defaults(3, 16, 2, 8, TinyModels.VOCAB).withDropout(0.1, 0.1)
                    .withNorm(ModelSpec.Norm.LAYERNORM, false, false, untied, false);
            GPTNeoXModel[] m = wholeAndTwoStages(spec);
            GPTNeoXModel whole = m[0];
            GPTNeoXModel s0 = m[1];
            GPTNeoXModel s1 = m[2];
            for (GPTNeoXModel s : new GPTNeoXModel[] {s0, s1}) {
                for (ParamView v : s.views()) {
                    ParamView w = whole.views().stream().filter(x -> x.name().equals(v.name())).findFirst().orElseThrow();
                    float[] a = java.util.Arrays.copyOfRange(s.params(), v.offset(), v.offset() + v.numel());
                    float[] e = java.util.Arrays.copyOfRange(whole.params(), w.offset(), w.offset() + w.numel());
                    org.junit.jupiter.api.Assertions.assertArrayEquals(e, a, v.name());
                    if (untied || !v.name().contains("word_embeddings")) {
                        float[] ga = java.util.Arrays.copyOfRange(s.grads(), v.offset(), v.offset() + v.numel());
                        float[] ge = java.util.Arrays.copyOfRange(whole.grads(), w.offset(), w.offset() + w.numel());
                        ModelBehaviourTest.assertClose(ge, ga, 1e-6, v.name());
                    }
                }
            }
            if (!untied) {
                // Tied copies: the two stages' gradients sum to the whole model's (the trainer all-reduces them).
                ParamView e0 = s0.views().get(0);
                ParamView e1 = s1.views().get(0);
                float[] sum = new float[e0.numel()];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = s0.grads()[e0.offset() + i] + s1.grads()[e1.offset() + i];
                }
                float[] ge = java.util.Arrays.copyOfRange(whole.grads(), 0, e0.numel());
                ModelBehaviourTest.assertClose(ge, sum, 1e-6, "tied word embeddings");
            }
        }
    }

    @Test
    void finalNormAndOutputMustStayTogether() {
        ModelSpec spec = TinyModels.spec();
        assertThrows(IllegalArgumentException.class,
                () -> new GPTNeoXModel(spec, new ReferenceKernels(), SoloCommunicator.INSTANCE, 1, 0, 6));
    }

    /**
     * One forward/backward of a 3-layer spec on the reference kernels as the whole model and as two
     * stages (specs: 0 emb, 1, 2-4 layers, 5, 6 norm, 7 output; split after layer 0, spec 2) on the
     * same batch and dropout seed, checking the losses are equal: {whole, stage 0, stage 1}.
     */
    static GPTNeoXModel[] wholeAndTwoStages(ModelSpec spec) {
        ReferenceKernels k = new ReferenceKernels();
        TokenBatch b = TinyModels.batch(2, 8, 9);
        GPTNeoXModel whole = new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, 5);
        whole.zeroGrads();
        float loss = whole.forwardBackward(b, 1f, 3);
        GPTNeoXModel s0 = new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, 5, 0, 3);
        GPTNeoXModel s1 = new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, 5, 3, 8);
        float[] h = s0.stageForward(b.tokens(), null, 2, 8, 3).clone();
        s1.stageForward(null, h, 2, 8, 3);
        float[] dh = new float[h.length];
        assertEquals(loss, s1.stageBackward(b, null, 1f, 3, dh), 0f);
        s0.stageBackward(null, dh, 1f, 3, null);
        return new GPTNeoXModel[] {whole, s0, s1};
    }
}
