package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.neox.kernel.NativeKernels;
import org.neox.kernel.ReferenceKernels;
import org.neox.tensor.TokenBatch;

/**
 * The whole tiny model (dropout on, full and triangle attention, rotary and ALiBi) on the native CPU kernels
 * against the reference kernels: loss within 1e-5, every gradient within 1e-4·(1 + |ref|),
 * the tolerances of the pure Java CPU kernels. Skipped when the native library is not built.
 */
class NativeModelTest {

    private static float[] run(GPTNeoXModel m, TokenBatch b, float[] lossOut) {
        m.zeroGrads();
        lossOut[0] = m.forwardBackward(b, 1f, 17);
        return m.grads().clone();
    }

    @Test
    void nativeKernelsMatchReferenceOnTheWholeModel() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        for (ModelSpec.PosEmb pos : new ModelSpec.PosEmb[] {ModelSpec.PosEmb.ROTARY, ModelSpec.PosEmb.ALIBI}) {
            for (boolean triangle : new boolean[] {false, true}) {
                ModelSpec spec = TinyModels.spec().withPosEmb(pos).withDropout(0.1, 0.1).withMemory(false, 1, triangle);
                TokenBatch b = TinyModels.batch(2, 8, 3);
                float[] l1 = new float[1], l2 = new float[1];
                float[] g1 = run(TinyModels.model(spec, new ReferenceKernels()), b, l1);
                float[] g2 = run(TinyModels.model(spec, NativeKernels.cpu(2)), b, l2);
                String what = pos + ", triangle=" + triangle;
                assertEquals(l1[0], l2[0], 1e-5, "loss, " + what);
                ModelBehaviourTest.assertClose(g1, g2, 1e-4, "gradient, " + what);
            }
        }
    }
}
