package org.neox.model;

import java.util.ArrayList;
import java.util.List;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;
import org.neox.kernel.RotaryTables;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.ParamStore;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * GPT-NeoX v2.0 (spec §5) on one tensor-parallel rank: the layer-spec list
 * {@code 0 embedding, 2..L+1 transformer layers, L+3 final norm, L+4 output} (specs 1 and L+2
 * are GPT-NeoX's parameter-free transposes, which our {@code [b, s, h]} layout does not need),
 * with all parameters in one flat buffer and all gradients in another, named as GPT-NeoX's
 * sequential checkpoint. Not thread-safe.
 */
public final class GPTNeoXModel {
    private final ModelSpec spec;
    private final Kernels k;
    private final TensorParallel tp;
    private final ParamStore store = new ParamStore();
    private final EmbeddingLayer embedding;
    private final List<TransformerLayer> layers = new ArrayList<>();
    private final OutputHead head;
    private PassBuffers buffers;

    public GPTNeoXModel(ModelSpec spec, Kernels kernels, Communicator tensorGroup, long seed) {
        this.spec = spec;
        this.k = kernels;
        this.tp = new TensorParallel(tensorGroup);
        tp.split(spec.numHeads(), "num_attention_heads");
        RotaryTables rotary = spec.posEmb() == PosEmb.ROTARY
                ? RotaryTables.of(spec.seqLength(), RotaryTables.rotaryDims(spec.headDim(), spec.rotaryPct()),
                spec.rotaryEmbBase()) : null;
        embedding = new EmbeddingLayer(spec, store, kernels, tp);
        for (int i = 0; i < spec.numLayers(); i++) {
            layers.add(new TransformerLayer(i, spec, rotary, store, kernels, tp));
        }
        head = new OutputHead(spec, store, kernels, tp, embedding);
        store.allocate();
        initialise(seed);
    }

    private void initialise(long seed) {
        Initializer init = new Initializer(seed, tp.rank(), spec.numLayers(), spec.hiddenSize(), spec.initMethodStd());
        float[] p = store.params();
        for (ParamView v : store.views()) {
            boolean embeddingTable = v.name().endsWith("_embeddings.weight") || v.name().endsWith("final_linear.weight");
            if (embeddingTable) {
                init.fill(spec.initMethod(), p, v);
            }
        }
        for (TransformerLayer l : layers) {
            l.init(p, init, spec, store);
        }
        head.norm.init(p);
    }

    public ModelSpec spec() {
        return spec;
    }

    public float[] params() {
        return store.params();
    }

    public float[] grads() {
        return store.grads();
    }

    /** Named views into {@link #params()} / {@link #grads()}, in buffer order, with the §5.8 decay flag. */
    public List<ParamView> views() {
        return store.views();
    }

    public long parameterCount() {
        return store.size();
    }

    public void zeroGrads() {
        java.util.Arrays.fill(store.grads(), 0f);
    }

    /**
     * Forward and backward of one micro-batch: returns the mean masked loss
     * {@code Σ CE·mask / Σ mask} and ACCUMULATES {@code lossScaleForBackward · d(loss)/dθ} into
     * {@link #grads()}. Dropout masks derive from {@code dropoutSeed} (vary it per micro-batch).
     */
    public float forwardBackward(TokenBatch b, float lossScaleForBackward, long dropoutSeed) {
        PassBuffers pb = bind(b.batch(), b.seq());
        forwardHidden(b.tokens(), pb, true, dropoutSeed);
        int r = pb.dims.rows();
        float[] top = pb.hidden[spec.numLayers()];
        head.logits(top, pb.normOut, pb.normA, pb.normB, pb.logits, r);
        float[] dx = pb.gradA;
        float loss = head.lossAndBackward(pb.logits, b.labels(), b.lossMask(), pb.loss, lossScaleForBackward, top,
                pb.normOut, pb.normA, pb.normB, pb.dloss, pb.gradB, dx, r);
        dx = backwardLayers(pb, dx, dropoutSeed);
        embedding.backward(b.tokens(), dx, pb.dims, true, dropoutSeed);
        return loss;
    }

    /** Mean masked loss without dropout and without touching gradients. */
    public float evalLoss(TokenBatch b) {
        PassBuffers pb = bind(b.batch(), b.seq());
        forwardHidden(b.tokens(), pb, false, 0);
        int r = pb.dims.rows();
        head.logits(pb.hidden[spec.numLayers()], pb.normOut, pb.normA, pb.normB, pb.logits, r);
        return head.loss(pb.logits, b.labels(), b.lossMask(), pb.loss, pb.lse, r);
    }

    /** Logits {@code out [batch·seq, V'/p]} for tokens {@code [batch, seq]}, no dropout. */
    public void logits(int[] tokens, int batch, int seq, float[] out) {
        PassBuffers pb = bind(batch, seq);
        forwardHidden(tokens, pb, false, 0);
        int r = pb.dims.rows();
        head.logits(pb.hidden[spec.numLayers()], pb.normOut, pb.normA, pb.normB, pb.logits, r);
        System.arraycopy(pb.logits, 0, out, 0, pb.logits.length);
    }

    /** Bytes of per-layer activation caches for a (batch, seq) pass (drops with checkpointing). */
    public long activationCacheBytes(int batch, int seq) {
        return bind(batch, seq).cacheBytes();
    }

    private void forwardHidden(int[] tokens, PassBuffers pb, boolean train, long seed) {
        embedding.forward(tokens, pb.hidden[0], pb.dims, train, seed);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(pb.hidden[i], pb.hidden[i + 1], cacheFor(pb, i), pb.scratch, train, seed);
        }
    }

    /**
     * Layers in reverse. With checkpointing, each chunk of {@code checkpoint_num_layers} layers
     * is recomputed from its kept input before its backward (dropout masks are counter-based, so
     * the recomputation is exact).
     */
    private float[] backwardLayers(PassBuffers pb, float[] dout, long seed) {
        float[] d = dout;
        float[] other = pb.gradB;
        int n = spec.checkpointActivations() ? spec.checkpointNumLayers() : layers.size();
        for (int chunkEnd = layers.size(); chunkEnd > 0; chunkEnd -= n) {
            int chunkStart = Math.max(0, chunkEnd - n);
            // The last chunk's caches are still those the forward pass just wrote.
            if (spec.checkpointActivations() && chunkEnd != layers.size()) {
                for (int i = chunkStart; i < chunkEnd; i++) {
                    layers.get(i).forward(pb.hidden[i], pb.hidden[i + 1], cacheFor(pb, i), pb.scratch, true, seed);
                }
            }
            for (int i = chunkEnd - 1; i >= chunkStart; i--) {
                layers.get(i).backward(d, pb.hidden[i], other, cacheFor(pb, i), pb.scratch, true, seed);
                float[] t = d;
                d = other;
                other = t;
            }
        }
        return d;
    }

    private LayerCache cacheFor(PassBuffers pb, int layer) {
        return pb.caches[layer % pb.caches.length];
    }

    private PassBuffers bind(int batch, int seq) {
        if (seq > spec.seqLength()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds seq_length " + spec.seqLength());
        }
        Dims d = new Dims(batch, seq, spec.hiddenSize(), spec.numHeads() / tp.size(), spec.headDim(),
                4 * spec.hiddenSize() / tp.size());
        if (buffers == null || !buffers.dims.equals(d)) {
            buffers = null;
            int caches = spec.checkpointActivations() ? Math.min(spec.checkpointNumLayers(), layers.size()) : layers.size();
            buffers = new PassBuffers(d, layers.size(), Math.max(1, caches), spec.attentionDropout() > 0,
                    !spec.gptJResidual(), embedding.vocabLocal);
            for (TransformerLayer l : layers) {
                l.bind(d);
            }
        }
        return buffers;
    }
}
