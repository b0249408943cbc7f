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
     * replaced: the same kernels, once as they are and once with the block dropout calls turned
     * back into the old single flat call over the square ({@link #fullSquareDropout}), give the
     * identical loss and gradients. (A constant shift of the counters would pass here; the test
     * above catches it, its reference path making the flat call with the layer's counter.)
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

    /**
     * k, except that the strided dropout is the pre-block code's flat call {@code (x, 0, out, 0,
     * count·s·s, p, seed, counter)}: made once, by the call for the block at offset 0 (whose
     * counterBase is the layer's counter), the calls for later blocks doing nothing.
     */
    private static Kernels fullSquareDropout(Kernels k) {
        InvocationHandler h = (proxy, m, a) -> {
            if (!m.getName().equals("dropoutForward2d") && !m.getName().equals("dropoutBackward2d")) {
                try {
                    return m.invoke(k, a);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            int xOff = (int) a[1], outOff = (int) a[3], count = (int) a[4], countStride = (int) a[5];
            assertEquals(xOff, outOff);
            if (xOff == 0) {
                k.dropoutForward((float[]) a[0], 0, (float[]) a[2], 0, count * countStride, (float) a[9], (long) a[10],
                        (long) a[11]);
            }
            return null;
        };
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class}, h);
    }
}
