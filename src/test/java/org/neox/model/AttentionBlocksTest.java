package org.neox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
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

    /**
     * Attention dropout on the triangle blocks only is bit for bit the full-square dropout it
     * replaced: the same kernels, once as they are and once with the strided dropout widened to
     * whole rows of the square ({@link #fullSquareDropout}: per row exactly the old flat call's
     * elements and counters), give the identical loss and gradients.
     */
    @Test
    void blockDropoutIsBitwiseTheFullSquareDropout() {
        int seq = 250;
        ModelSpec spec = ModelSpec.defaults(1, 128, 2, seq, TinyModels.VOCAB)
                .withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.2).withDropout(0.1, 0.1)
                .withMemory(false, 1, true);
        TokenBatch b = TinyModels.batch(2, seq, 9);
        CpuKernels cpu = new CpuKernels(2);
        List<Kernels> kernels = new ArrayList<>(List.of(cpu));
        if (NativeKernels.unavailableReason() == null) {
            kernels.add(NativeKernels.cpu(2));
        }
        for (Kernels k : kernels) {
            float[] l0 = new float[1];
            float[] g0 = run(TinyModels.model(spec, fullSquareDropout(k)), b, l0);
            float[] l1 = new float[1];
            float[] g1 = run(TinyModels.model(spec, k), b, l1);
            assertEquals(Float.floatToIntBits(l0[0]), Float.floatToIntBits(l1[0]), "loss, " + k.name());
            assertArrayEquals(g0, g1, "gradient, " + k.name());
        }
        cpu.close();
    }

    /** k, except that the strided dropout runs the flat call over each whole row of the region. */
    private static Kernels fullSquareDropout(Kernels k) {
        InvocationHandler h = (proxy, m, a) -> {
            if (!m.getName().startsWith("dropoutForward2d") && !m.getName().startsWith("dropoutBackward2d")) {
                try {
                    return m.invoke(k, a);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            float[] x = (float[]) a[0], out = (float[]) a[2];
            int xOff = (int) a[1], outOff = (int) a[3], count = (int) a[4], cs = (int) a[5], rows = (int) a[6];
            int rs = (int) a[7];
            for (int c = 0; c < count; c++) {
                for (int r = 0; r < rows; r++) {
                    int e = c * cs + r * rs;
                    k.dropoutForward(x, xOff + e, out, outOff + e, rs, (float) a[9], (long) a[10], (long) a[11] + e);
                }
            }
            return null;
        };
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class}, h);
    }
}
