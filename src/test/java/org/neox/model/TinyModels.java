package org.neox.model;

import java.util.Random;
import org.neox.comm.SoloCommunicator;
import org.neox.kernel.Kernels;
import org.neox.model.ModelSpec.InitMethod;
import org.neox.tensor.TokenBatch;

/** Tiny specs and batches shared by the model tests. */
final class TinyModels {
    static final int VOCAB = 32;

    private TinyModels() {
    }

    /** 2 layers, h 16, 2 heads, seq 8, vocab 32; std 0.2 so gradients are large enough for finite differences. */
    static ModelSpec spec() {
        return ModelSpec.defaults(2, 16, 2, 8, VOCAB).withInit(InitMethod.NORMAL, InitMethod.SCALED_NORMAL, 0.2);
    }

    static GPTNeoXModel model(ModelSpec spec, Kernels k) {
        return new GPTNeoXModel(spec, k, SoloCommunicator.INSTANCE, 1234);
    }

    static TokenBatch batch(int batch, int seq, long seed) {
        Random r = new Random(seed);
        int n = batch * seq;
        int[] tokens = new int[n];
        int[] labels = new int[n];
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = r.nextInt(VOCAB);
            labels[i] = r.nextInt(VOCAB);
            mask[i] = i % 5 == 3 ? 0f : 1f;
        }
        return new TokenBatch(tokens, labels, mask, batch, seq);
    }
}
