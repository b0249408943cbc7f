package org.neox.model;

/**
 * Every activation buffer of one (batch, seq) shape: hidden states between layer specs
 * ({@code hidden[i]} is the input of transformer layer i, {@code hidden[L]} the final norm's
 * input, each {@code [R, h]}), the per-layer caches (one per layer, or one per layer of a
 * checkpoint chunk when activations are checkpointed), the shared scratch and the head's
 * buffers ({@code logits [R, V'/p]}).
 */
final class PassBuffers {
    final Dims dims;
    final float[][] hidden;
    final LayerCache[] caches;
    final Scratch scratch;
    final float[] normOut;
    final float[] normA;
    final float[] normB;
    final float[] logits;
    final float[] loss;
    final float[] lse;
    final float[] dloss;
    final float[] gradA;
    final float[] gradB;
    /** Tokens of the pass in flight (first stage), kept for the embedding backward. */
    int[] tokens;

    PassBuffers(Dims d, int numLayers, int cacheCount, boolean attentionDropout, boolean sequential, int vocabLocal) {
        this.dims = d;
        int r = d.rows();
        int rh = r * d.hidden();
        hidden = new float[numLayers + 1][rh];
        caches = new LayerCache[cacheCount];
        for (int i = 0; i < cacheCount; i++) {
            caches[i] = new LayerCache(d, attentionDropout, sequential);
        }
        scratch = new Scratch(d);
        normOut = new float[rh];
        normA = new float[r];
        normB = new float[r];
        logits = new float[Math.multiplyExact(r, vocabLocal)];
        loss = new float[vocabLocal == 0 ? 0 : r];
        lse = new float[r];
        dloss = new float[r];
        gradA = new float[rh];
        gradB = new float[rh];
    }

    /** Bytes held by the per-layer activation caches (what checkpointing saves). */
    long cacheBytes() {
        long b = 0;
        for (LayerCache c : caches) {
            b += c.bytes();
        }
        return b;
    }
}
