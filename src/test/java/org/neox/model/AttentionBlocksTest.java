package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.neox.kernel.CpuKernels;
import org.neox.kernel.Kernels;
import org.neox.kernel.NativeKernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.model.ModelSpec.InitMethod;
import org.neox.tensor.TokenBatch;

/**
 * Block-triangular attention at a size where it has several blocks (seq 250: blocks of 62 rows,
 * the last one short) and where the batched block GEMMs take their parallel path (batch·heads
 * = 4 matrices of head size 64), on the pure Java and the native CPU kernels (when built),
 * against the reference kernels' full masked square, dropout on: loss within 1e-5, every
 * gradient within 1e-4·(1 + |ref|), the tolerances of the tiny-model tests.
 */
class AttentionBlocksTest {

    private static float[] run(GPTNeoXModel m, TokenBatch b, float[] lossOut) {
        m.zeroGrads();
        lossOut[0] = m.forwardBackward(b, 1f, 5);
        return m.grads().clone();
    }

    @Test
    void triangleBlocksOnFastKernelsEqualReferenceFullMask() {
        int seq = 250;
        ModelSpec full = ModelSpec.defaults(1, 128, 2, seq, TinyModels.VOCAB)
                .withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.2).withDropout(0.1, 0.1);
        assertEquals(62, AttentionCore.block(seq));
        TokenBatch b = TinyModels.batch(2, seq, 9);
        float[] l0 = new float[1];
        float[] g0 = run(TinyModels.model(full, new ReferenceKernels()), b, l0);
        List<Kernels> fast = new ArrayList<>();
        fast.add(new CpuKernels(2));
        if (NativeKernels.unavailableReason() == null) {
            fast.add(NativeKernels.cpu(2));
        }
        for (Kernels k : fast) {
            float[] l1 = new float[1];
            float[] g1 = run(TinyModels.model(full.withMemory(false, 1, true), k), b, l1);
            assertEquals(l0[0], l1[0], 1e-5, "loss, " + k.name());
            ModelBehaviourTest.assertClose(g0, g1, 1e-4, "gradient, " + k.name());
        }
        ((CpuKernels) fast.get(0)).close();
    }
}
