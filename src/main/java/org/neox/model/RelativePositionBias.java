package org.neox.model;

import org.neox.kernel.Kernels;
import org.neox.tensor.ParamStore;
import org.neox.tensor.ParamView;

/**
 * T5-style relative position bias ({@code pos_emb: rpe}), following GPT-NeoX's
 * {@code megatron/mpu/layers.py ParallelRelativePositionBias} as of v2.0 (early 2023; created once
 * in {@code gpt2_model.py init_specs} with {@code causal=True}, {@code scale = sqrt(hidden/heads)},
 * the default {@code init.xavier_normal_}, and handed to every transformer layer, whose
 * {@code ParallelSelfAttention} adds {@code rpe(sq, sk)} to the {@code 1/norm_factor}-scaled scores
 * before the masked softmax). For query i and key j ≤ i, with {@code n = i − j},
 * {@code maxExact = buckets/2}: bucket n when {@code n < maxExact}, else
 * {@code min(buckets − 1, maxExact + (long) (log(n/maxExact) / log(maxDistance/maxExact) · (buckets − maxExact)))}
 * in float32 like torch; the bias of head h is {@code scale · weight[bucket, h]}. Global layers
 * add it (with apply_query_key_layer_scaling it counts c = max(1, layer) times, see
 * {@link AttentionCore}), sparse layers too (DeepSpeed's sparse softmax takes it), flash layers
 * not ({@link AttentionKind#addsRelativeBias()}).
 *
 * <p>One instance serves all layers of a pipeline stage. Its weight {@code [buckets, heads/p]} is
 * split by heads over tensor ranks (rank r holds heads {@code [r·H/p, (r+1)·H/p)}); every stage
 * holds it under the one name {@link #NAME} (the first layer's attribute path in GPT-NeoX's
 * sequential checkpoint). Unlike GPT-NeoX, whose pipeline stages each build and train their own
 * untied copy, neox ties the copies: the trainer sums their gradients over the stages like the
 * tied embedding's, so every (pp, mp) layout computes the single-rank model and checkpoints
 * re-layout by name.
 *
 * <p>Buffers, all kernel-owned (the host never reads them): {@code table [heads, buckets + 1]}
 * = {@code scale · weightᵀ} with a zero last column; {@code index [s, s]} = {@code bucket(i, j)},
 * or the zero column {@code buckets} for j &gt; i, so that per head one width-1
 * {@link Kernels#embeddingForward} from the head's table row gathers its {@code bias [s, s]}
 * (zero above the diagonal, where the causal softmax ignores it) and one
 * {@link Kernels#embeddingBackward} scatters the score gradient, summed over batch and layers in
 * {@code dbias [heads, s, s]}, into the head's {@code dtable} row (the entries above the
 * diagonal, which block-triangular attention leaves unwritten, land in the discarded last
 * column). GEMMs against an identity matrix do the scaled transposes {@code weight ↔ table}.
 * Host memory: {@code s²} ints and {@code 2·heads·s²} floats.
 */
final class RelativePositionBias {
    /** The parameter's name on every pipeline stage. */
    static final String NAME = "sequential." + ModelSpec.layerSpecIndex(0) + ".attention.rpe.weight";

    private final Kernels k;
    private final ParamStore store;
    private final int buckets;
    private final int maxDistance;
    private final int heads;
    private final float scale;
    private final int offset;
    private final float[] identity;
    private final float[] table;
    private final float[] dtable;
    private int seq = -1;
    private int[] index;
    private float[] bias;
    private float[] dbias;
    /** whether dbias holds gradient not yet added to the parameter gradients */
    private boolean pending;

    /** Registers the weight {@code [buckets, heads/p]} in {@code store} (before its allocation). */
    RelativePositionBias(ModelSpec spec, int headsLocal, ParamStore store, Kernels k) {
        this.k = k;
        this.store = store;
        this.buckets = spec.rpeNumBuckets();
        this.maxDistance = spec.rpeMaxDistance();
        this.heads = headsLocal;
        this.scale = (float) Math.sqrt(spec.headDim());
        this.offset = store.add(NAME, true, buckets, headsLocal);
        this.identity = new float[heads * heads];
        for (int h = 0; h < heads; h++) {
            identity[h * heads + h] = 1f;
        }
        this.table = new float[heads * (buckets + 1)];
        this.dtable = new float[heads * (buckets + 1)];
    }

    ParamView view() {
        return store.view(NAME);
    }

    /**
     * GPT-NeoX's causal bucket of relative distance {@code n = max(i − j, 0)}, with torch's float32
     * arithmetic ({@code n.float() / maxExact}, {@code torch.log}, divided by the float32 of
     * Python's {@code math.log(maxDistance / maxExact)}, times the bucket count, then {@code .long()}).
     */
    static int bucket(int n, int numBuckets, int maxDistance) {
        int maxExact = numBuckets / 2;
        if (n < maxExact) {
            return n;
        }
        float ratio = (float) n / (float) maxExact;
        float log = (float) Math.log(ratio);
        float denom = (float) Math.log((double) maxDistance / maxExact);
        float v = log / denom * (float) (numBuckets - maxExact);
        return (int) Math.min(numBuckets - 1, maxExact + (long) v);
    }

    /** Allocates the per-length buffers for sequences of {@code s} positions (once per length). */
    void bind(int s) {
        if (s == seq) {
            return;
        }
        seq = s;
        int[] rowBuckets = new int[s];
        for (int n = 0; n < s; n++) {
            rowBuckets[n] = bucket(n, buckets, maxDistance);
        }
        index = new int[s * s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                index[i * s + j] = j <= i ? rowBuckets[i - j] : buckets;
            }
        }
        bias = new float[heads * s * s];
        dbias = new float[heads * s * s];
        pending = false;
    }

    /** Builds {@code bias} from the current weight; call at the start of every forward pass. */
    void prepare() {
        // table[h, b] = scale · W[b, h] for b < buckets (ldc buckets + 1 keeps the zero column)
        k.gemm(false, true, heads, buckets, heads, scale, identity, 0, heads, store.params(), offset, heads,
                0f, table, 0, buckets + 1);
        int ss = seq * seq;
        for (int h = 0; h < heads; h++) {
            k.embeddingForward(index, 0, table, h * (buckets + 1), bias, h * ss, ss, 1, 0, buckets + 1);
        }
    }

    /** Scores {@code [batch·heads, s, s]} += bias, for each batch element. */
    void addTo(float[] scores, int batch) {
        int n = heads * seq * seq;
        for (int b = 0; b < batch; b++) {
            k.add(scores, b * n, bias, 0, scores, b * n, n);
        }
    }

    /** Accumulates the gradient of the biased scores {@code [batch·heads, s, s]} (one layer's). */
    void accumulate(float[] dscores, int batch) {
        int n = heads * seq * seq;
        for (int b = 0; b < batch; b++) {
            k.add(dbias, 0, dscores, b * n, dbias, 0, n);
        }
        pending = true;
    }

    /**
     * Adds {@code scale · Σ dbias} per (bucket, head) to the weight's gradient and clears the
     * accumulator; call once after the stage's last layer backward of a pass.
     */
    void finishBackward() {
        if (!pending) {
            return;
        }
        k.fill(dtable, 0, dtable.length, 0f);
        int ss = seq * seq;
        for (int h = 0; h < heads; h++) {
            k.embeddingBackward(index, 0, dbias, h * ss, dtable, h * (buckets + 1), ss, 1, 0, buckets + 1);
        }
        // grads[b, h] += scale · dtable[h, b] for b < buckets
        k.gemm(true, false, buckets, heads, heads, scale, dtable, 0, buckets + 1, identity, 0, heads,
                1f, store.grads(), offset, heads);
        k.fill(dbias, 0, dbias.length, 0f);
        pending = false;
    }
}
