package org.neox.model;

import org.neox.kernel.Kernels;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.ParamStore;

/**
 * Layer-spec 0 (EmbeddingPipe, spec §5.2): vocab-parallel word embedding {@code [V'/p, h]},
 * plus a learned {@code [maxPos, h]} or sinusoidal position table, then hidden dropout.
 * Tokens {@code int[R]} (row b·s + t, position t) → hidden {@code [R, h]}.
 */
final class EmbeddingLayer {
    static final int SPEC_INDEX = 0;
    private static final long COUNTER = 7L << 40;

    private final Kernels k;
    private final ParamStore store;
    private final TensorParallel tp;
    private final PosEmb posEmb;
    private final int h;
    final int vocabLocal;
    final int vocabStart;
    final int wordOff;
    final int posOff;
    private final float[] sinusoid;
    private final float dropout;

    EmbeddingLayer(ModelSpec spec, ParamStore store, Kernels k, TensorParallel tp) {
        this.k = k;
        this.store = store;
        this.tp = tp;
        this.posEmb = spec.posEmb();
        this.h = spec.hiddenSize();
        this.vocabLocal = tp.split(spec.paddedVocabSize(), "padded vocab size");
        this.vocabStart = tp.rank() * vocabLocal;
        this.wordOff = store.add("sequential.0.word_embeddings.weight", true, vocabLocal, h);
        this.posOff = posEmb == PosEmb.LEARNED
                ? store.add("sequential.0.position_embeddings.weight", true, spec.maxPositionEmbeddings(), h) : -1;
        this.sinusoid = posEmb == PosEmb.SINUSOIDAL ? sinusoidTable(spec.seqLength(), h) : null;
        this.dropout = (float) spec.hiddenDropout();
    }

    /** Spec §5.2: {@code [sin | cos]} halves, frequencies {@code 10000^(−2i/h)}; table [seq, h]. */
    static float[] sinusoidTable(int seq, int h) {
        float[] t = new float[seq * h];
        int half = h / 2;
        for (int pos = 0; pos < seq; pos++) {
            for (int i = 0; i < half; i++) {
                double a = pos / Math.pow(10000.0, 2.0 * i / h);
                t[pos * h + i] = (float) Math.sin(a);
                t[pos * h + half + i] = (float) Math.cos(a);
            }
        }
        return t;
    }

    void forward(int[] tokens, float[] out, Dims d, boolean train, long seed) {
        int r = d.rows();
        float[] p = store.params();
        k.embeddingForward(tokens, 0, p, wordOff, out, 0, r, h, vocabStart, vocabLocal);
        tp.reduceFromRegionForward(out, 0, r * h);
        float[] pos = posOff >= 0 ? p : sinusoid;
        int base = posOff >= 0 ? posOff : 0;
        if (pos != null) {
            int sh = d.seq() * h;
            for (int b = 0; b < d.batch(); b++) {
                k.add(out, b * sh, pos, base, out, b * sh, sh);
            }
        }
        if (train && dropout > 0f) {
            k.dropoutForward(out, 0, out, 0, r * h, dropout, seed, COUNTER);
        }
    }

    /** dout [R, h] (consumed: overwritten by the dropout backward) → word/position gradients. */
    void backward(int[] tokens, float[] dout, Dims d, boolean train, long seed) {
        int r = d.rows();
        float[] g = store.grads();
        if (train && dropout > 0f) {
            k.dropoutBackward(dout, 0, dout, 0, r * h, dropout, seed, COUNTER);
        }
        tp.reduceFromRegionBackward(dout, 0, r * h);
        if (posOff >= 0) {
            int sh = d.seq() * h;
            for (int b = 0; b < d.batch(); b++) {
                k.add(g, posOff, dout, b * sh, g, posOff, sh);
            }
        }
        k.embeddingBackward(tokens, 0, dout, 0, g, wordOff, r, h, vocabStart, vocabLocal);
    }
}
