package org.neox.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.neox.comm.Communicator;
import org.neox.kernel.Kernels;
import org.neox.kernel.RotaryTables;
import org.neox.model.ModelSpec.PosEmb;
import org.neox.tensor.GradientReadyListener;
import org.neox.tensor.ParamStore;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;

/**
 * GPT-NeoX v2.0 (spec §5) on one tensor-parallel rank: the layer-spec list
 * {@code 0 embedding, 2..L+1 transformer layers, L+3 final norm, L+4 output} (specs 1 and L+2
 * are GPT-NeoX's parameter-free transposes, which our {@code [b, s, h]} layout does not need),
 * with all parameters in one flat buffer and all gradients in another, named as GPT-NeoX's
 * sequential checkpoint.
 *
 * <p>A pipeline stage owns the contiguous spec range {@code [firstSpec, endSpec)}: the stage
 * input is tokens when it owns spec 0, else the previous stage's hidden states {@code [R, h]};
 * the final norm and output (specs L+3, L+4) must be owned together by the last stage. With tied
 * weights the last stage holds its own copy of {@code sequential.0.word_embeddings.weight}
 * (DeepSpeed's tied layer; the trainer all-reduces its gradient between first and last stage).
 * With {@code pos_emb: rpe} every stage holds {@code sequential.2.attention.rpe.weight}, placed
 * just before its first layer's parameters and shared by its layers ({@link RelativePositionBias});
 * the trainer sums its gradient over all stages.
 * Several micro-batches may be in flight (the 1F1B schedule): each uses its own activation
 * slot ({@code slot} arguments, buffers allocated on first use, so a stage holds as many
 * activation sets as it has micro-batches in flight). A {@link GradientReadyListener} may be
 * told, during backward, from which flat index on the gradients are final (the parameters are
 * laid out in spec order, so backward finalises the buffer from its end). Not thread-safe.
 *
 * <p>With device-resident kernels ({@link Kernels#toHost}) every buffer lives on the device between
 * calls; this class hands buffers to the host exactly where host code needs them: what
 * {@link #params()}, {@link #grads()}, {@link #stageForward} and {@link #logits} return, the gradient
 * ranges a {@link GradientReadyListener} is told about, and the per-row losses.
 */
public final class GPTNeoXModel {
    private final ModelSpec spec;
    private final Kernels k;
    private final TensorParallel tp;
    private final ParamStore store = new ParamStore();
    private final int firstSpec;
    private final int endSpec;
    private final int layerStart;
    private final EmbeddingLayer embedding;
    private final List<TransformerLayer> layers = new ArrayList<>();
    /** pos_emb rpe: the bias all layers of this stage share (every stage holds its weight), else null */
    private final RelativePositionBias rpe;
    private final OutputHead head;
    /** Activation buffers per in-flight micro-batch slot, all of the shape {@link #dims}. */
    private final List<PassBuffers> slots = new ArrayList<>();
    /** Flat offset of each layer's first parameter, and of the final norm's (the head's). */
    private final int[] layerOffsets;
    private final int headOffset;
    private GradientReadyListener gradientListener;
    /** During a backward with a listener: gradients {@code [hostGradsFrom, n)} were read to the host. */
    private int hostGradsFrom;
    private Dims dims;
    private final Map<Integer, BlockLayout> layouts = new HashMap<>();

    /** The whole model (every layer spec) on one pipeline stage. */
    public GPTNeoXModel(ModelSpec spec, Kernels kernels, Communicator tensorGroup, long seed) {
        this(spec, kernels, tensorGroup, seed, 0, spec.numLayers() + 5);
    }

    /** The pipeline stage owning layer specs {@code [firstSpec, endSpec)} of spec §5.1. */
    public GPTNeoXModel(ModelSpec spec, Kernels kernels, Communicator tensorGroup, long seed, int firstSpec, int endSpec) {
        int total = spec.numLayers() + 5;
        if (firstSpec < 0 || endSpec > total || firstSpec >= endSpec || (endSpec > spec.finalNormSpecIndex() && endSpec != total)) {
            throw new IllegalArgumentException("layer-spec range [" + firstSpec + ", " + endSpec + ") is not a valid stage of "
                    + total + " specs (the final norm and output must stay together)");
        }
        this.spec = spec;
        this.k = kernels;
        this.tp = new TensorParallel(tensorGroup, kernels);
        this.firstSpec = firstSpec;
        this.endSpec = endSpec;
        tp.split(spec.numHeads(), "num_attention_heads");
        RotaryTables rotary = spec.posEmb() == PosEmb.ROTARY
                ? RotaryTables.of(spec.seqLength(), RotaryTables.rotaryDims(spec.headDim(), spec.rotaryPct()),
                spec.rotaryEmbBase()) : null;
        float[] alibi = spec.posEmb() == PosEmb.ALIBI ? Alibi.rankSlopes(spec.numHeads(), tp.size(), tp.rank()) : null;
        boolean last = endSpec == total;
        boolean needsEmbedding = firstSpec == 0 || (last && !spec.noWeightTying());
        embedding = needsEmbedding ? new EmbeddingLayer(spec, store, kernels, tp) : null;
        this.layerStart = Math.max(0, firstSpec - 2);
        int layerEnd = Math.min(spec.numLayers(), endSpec - 2);
        rpe = spec.posEmb() == PosEmb.RPE ? new RelativePositionBias(spec, spec.numHeads() / tp.size(), store, kernels) : null;
        for (int i = layerStart; i < layerEnd; i++) {
            layers.add(new TransformerLayer(i, spec, rotary, alibi, layout(i, seed), store, kernels, tp, rpe));
        }
        head = last ? new OutputHead(spec, store, kernels, tp, embedding) : null;
        store.allocate();
        this.layerOffsets = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            layerOffsets[i] = firstOffset("sequential." + (layerStart + i + 2) + ".");
        }
        if (rpe != null && !layers.isEmpty()) {
            // registered just before the first layer: final after that layer's backward
            layerOffsets[0] = Math.min(layerOffsets[0], rpe.view().offset());
        }
        this.headOffset = head != null ? firstOffset("sequential." + spec.finalNormSpecIndex() + ".") : 0;
        initialise(seed);
    }

    /**
     * Layer i's sparse block layout for this rank's heads (null for global/flash layers); layers
     * with equal layouts share one object, and with it one score mask.
     */
    private BlockLayout layout(int layer, long seed) {
        AttentionKind kind = spec.attentionConfig().get(layer);
        if (!kind.sparse()) {
            return null;
        }
        int local = spec.numHeads() / tp.size();
        BlockLayout l = SparseLayouts.make(kind, spec.sparsityConfig(), spec.numHeads(), spec.seqLength(), seed, layer)
                .heads(tp.rank() * local, local);
        for (BlockLayout known : layouts.values()) {
            if (known.sameAs(l)) {
                l = known;
                break;
            }
        }
        layouts.put(layer, l);
        return l;
    }

    /** Transformer layer → its sparse block layout (for {@link InferenceSession}). */
    BlockLayout sparseLayout(int layer) {
        return layouts.get(layer);
    }

    /** The lowest offset of the views named {@code prefix...} (views are contiguous per layer spec). */
    private int firstOffset(String prefix) {
        int min = Integer.MAX_VALUE;
        for (ParamView v : store.views()) {
            if (v.name().startsWith(prefix)) {
                min = Math.min(min, v.offset());
            }
        }
        if (min == Integer.MAX_VALUE) {
            throw new IllegalStateException("no parameters under " + prefix);
        }
        return min;
    }

    /**
     * Until replaced or cleared (null), every backward tells {@code listener} after each layer
     * spec (output head, transformer layers in reverse, embedding) from which flat index on
     * {@link #grads()} holds its final values for that backward pass. With tied weights the
     * head's gradient for {@code word_embeddings} lies below the reported index, so it is covered.
     */
    public void setGradientReadyListener(GradientReadyListener listener) {
        this.gradientListener = listener;
    }

    private void gradientsFinalFrom(int offset) {
        if (gradientListener != null) {
            if (offset < hostGradsFrom) {
                k.readToHost(store.grads(), offset, hostGradsFrom - offset);
                hostGradsFrom = offset;
            }
            gradientListener.gradientsFinalFrom(store.grads(), offset);
        }
    }

    private void initialise(long seed) {
        Initializer init = new Initializer(seed, tp.rank(), tp.size(), spec.numLayers(), spec.hiddenSize(), spec.initMethodStd(),
                spec.activation() == ModelSpec.Activation.GEGLU);
        float[] p = store.params();
        for (ParamView v : store.views()) {
            boolean table = v.name().endsWith("_embeddings.weight") || v.name().endsWith("final_linear.weight");
            if (table) {
                init.fill(spec.initMethod(), p, v);
            }
        }
        for (TransformerLayer l : layers) {
            l.init(p, init, spec, store);
        }
        if (rpe != null) {
            // GPT-NeoX's default init.xavier_normal_ (drawn over the full [buckets, heads], then sliced)
            init.fill(ModelSpec.InitMethod.XAVIER_NORMAL, p, rpe.view());
        }
        if (head != null) {
            head.norm.init(p);
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /**
     * The flat parameters, handed to the caller ({@link Kernels#toHost}): it may read and write
     * them; the next forward or backward uses what it wrote.
     */
    public float[] params() {
        k.toHost(store.params());
        return store.params();
    }

    /**
     * The flat parameters as the model's kernels hold them, NOT handed to the caller: for code
     * that reaches them only through the same kernels, or hands them over itself (an optimizer
     * built on those kernels).
     */
    public float[] paramBuffer() {
        return store.params();
    }

    /** The flat gradients as the kernels hold them; see {@link #paramBuffer()}. */
    public float[] gradBuffer() {
        return store.grads();
    }

    /** The flat gradients, handed to the caller like {@link #params()}. */
    public float[] grads() {
        k.toHost(store.grads());
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
        k.fill(store.grads(), 0, store.grads().length, 0f);
    }

    /**
     * Forward and backward of one micro-batch: returns the mean masked loss
     * {@code Σ CE·mask / Σ mask} and ACCUMULATES {@code lossScaleForBackward · d(loss)/dθ} into
     * {@link #grads()}. Dropout masks derive from {@code dropoutSeed} (vary it per micro-batch).
     */
    public float forwardBackward(TokenBatch b, float lossScaleForBackward, long dropoutSeed) {
        requireWhole();
        forwardLayers(b.tokens(), null, bind(b.batch(), b.seq(), 0), true, dropoutSeed);
        return stageBackward(b, null, lossScaleForBackward, dropoutSeed, null);
    }

    /** Mean masked loss without dropout and without touching gradients. */
    public float evalLoss(TokenBatch b) {
        requireWhole();
        forwardLayers(b.tokens(), null, bind(b.batch(), b.seq(), 0), false, 0);
        return stageLoss(b, 0);
    }

    /**
     * Last stage: the mean masked loss of the forward pass held in {@code slot} (run with
     * {@code train = false} for evaluation), without touching gradients.
     */
    public float stageLoss(TokenBatch b, int slot) {
        PassBuffers pb = slots.get(slot);
        int r = pb.dims.rows();
        head.logits(pb.hidden[layers.size()], pb.normOut, pb.normA, pb.normB, pb.logits, r);
        return head.loss(pb.logits, b.labels(), b.lossMask(), pb.loss, pb.lse, r);
    }

    /** Logits {@code out [batch·seq, V'/p]} for tokens {@code [batch, seq]}, no dropout. */
    public void logits(int[] tokens, int batch, int seq, float[] out) {
        requireWhole();
        PassBuffers pb = bind(batch, seq, 0);
        forwardLayers(tokens, null, pb, false, 0);
        int r = pb.dims.rows();
        head.logits(pb.hidden[layers.size()], pb.normOut, pb.normA, pb.normB, pb.logits, r);
        k.toHost(pb.logits);
        System.arraycopy(pb.logits, 0, out, 0, pb.logits.length);
    }

    /**
     * Pipeline-stage forward in training mode: input is {@code tokens} on the first stage, else
     * {@code hiddenIn [batch·seq, h]}. Returns this stage's last hidden states {@code [R, h]}
     * (a model-owned buffer, valid until the next call; on the last stage the final norm's input).
     */
    public float[] stageForward(int[] tokens, float[] hiddenIn, int batch, int seq, long dropoutSeed) {
        return stageForward(tokens, hiddenIn, batch, seq, true, dropoutSeed, 0);
    }

    /**
     * {@link #stageForward(int[], float[], int, int, long)} into activation slot {@code slot}
     * (one per micro-batch in flight), with or without training-mode dropout. The returned
     * buffer belongs to the slot and stays valid until the slot's next forward.
     */
    public float[] stageForward(int[] tokens, float[] hiddenIn, int batch, int seq, boolean train, long dropoutSeed,
                                int slot) {
        PassBuffers pb = bind(batch, seq, slot);
        forwardLayers(tokens, hiddenIn, pb, train, dropoutSeed);
        float[] out = pb.hidden[layers.size()];
        k.toHost(out);
        return out;
    }

    /**
     * Pipeline-stage backward of the last {@link #stageForward}. The last stage takes the batch
     * (labels, loss mask) and returns the loss; other stages take {@code dOut [R, h]}, the
     * gradient of their output, and return NaN. Writes the gradient of the stage input into
     * {@code dIn [R, h]} unless this is the first stage (then {@code dIn} may be null).
     */
    public float stageBackward(TokenBatch b, float[] dOut, float lossScale, long dropoutSeed, float[] dIn) {
        return stageBackward(b, dOut, lossScale, dropoutSeed, dIn, 0);
    }

    /** {@link #stageBackward(TokenBatch, float[], float, long, float[])} of the forward held in {@code slot}. */
    public float stageBackward(TokenBatch b, float[] dOut, float lossScale, long dropoutSeed, float[] dIn, int slot) {
        PassBuffers pb = slots.get(slot);
        int r = pb.dims.rows();
        float[] d = pb.gradA;
        float loss = Float.NaN;
        hostGradsFrom = store.grads().length;
        if (head != null) {
            float[] top = pb.hidden[layers.size()];
            head.logits(top, pb.normOut, pb.normA, pb.normB, pb.logits, r);
            loss = head.lossAndBackward(pb.logits, b.labels(), b.lossMask(), pb.loss, lossScale, top,
                    pb.normOut, pb.normA, pb.normB, pb.dloss, pb.gradB, d, r);
            gradientsFinalFrom(headOffset);
        } else {
            k.toHost(d);
            System.arraycopy(dOut, 0, d, 0, r * spec.hiddenSize());
        }
        d = backwardLayers(pb, d, dropoutSeed);
        if (firstSpec == 0) {
            embedding.backward(pb.tokens, d, pb.dims, true, dropoutSeed);
            gradientsFinalFrom(0);
        } else {
            k.toHost(d);
            System.arraycopy(d, 0, dIn, 0, r * spec.hiddenSize());
        }
        if (gradientListener != null) {
            // every range the listener saw is on the host already (and may be changing there)
            k.readToHost(store.grads(), 0, hostGradsFrom);
            k.toHostAfterReading(store.grads());
        }
        return loss;
    }

    /** Bytes of per-layer activation caches for a (batch, seq) pass (drops with checkpointing). */
    public long activationCacheBytes(int batch, int seq) {
        return bind(batch, seq, 0).cacheBytes();
    }

    private void requireWhole() {
        if (firstSpec != 0 || endSpec != spec.numLayers() + 5) {
            throw new IllegalStateException("this model holds only layer specs [" + firstSpec + ", " + endSpec + ")");
        }
    }

    private void forwardLayers(int[] tokens, float[] hiddenIn, PassBuffers pb, boolean train, long seed) {
        if (firstSpec == 0) {
            pb.tokens = tokens;
            embedding.forward(tokens, pb.hidden[0], pb.dims, train, seed);
        } else {
            k.toHost(pb.hidden[0]);
            System.arraycopy(hiddenIn, 0, pb.hidden[0], 0, pb.hidden[0].length);
        }
        if (rpe != null && !layers.isEmpty()) {
            rpe.prepare();
        }
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
        int n = spec.checkpointActivations() ? spec.checkpointNumLayers() : Math.max(1, layers.size());
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
                if (i == 0 && rpe != null) {
                    rpe.finishBackward();
                }
                gradientsFinalFrom(layerOffsets[i]);
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

    private PassBuffers bind(int batch, int seq, int slot) {
        if (seq > spec.seqLength()) {
            throw new IllegalArgumentException("sequence length " + seq + " exceeds seq_length " + spec.seqLength());
        }
        Dims d = new Dims(batch, seq, spec.hiddenSize(), spec.numHeads() / tp.size(), spec.headDim(),
                spec.ffOut() / tp.size(), spec.ffIn() / tp.size());
        if (!d.equals(dims)) {
            slots.clear();
            dims = d;
            for (TransformerLayer l : layers) {
                l.bind(d);
            }
            if (rpe != null) {
                rpe.bind(seq);
            }
        }
        while (slots.size() <= slot) {
            int caches = spec.checkpointActivations() ? Math.min(spec.checkpointNumLayers(), layers.size()) : layers.size();
            int vocab = head != null ? tp.split(spec.paddedVocabSize(), "padded vocab size") : 0;
            slots.add(new PassBuffers(d, layers.size(), Math.max(1, caches), spec.attentionDropout() > 0,
                    !spec.gptJResidual(), vocab));
        }
        return slots.get(slot);
    }
}
