package org.neox.train;

import java.util.List;
import java.util.function.LongUnaryOperator;
import org.neox.comm.Communicator;
import org.neox.model.GPTNeoXModel;
import org.neox.tensor.ParamView;
import org.neox.tensor.TokenBatch;
import org.neox.util.Clock;

/**
 * One pipeline stage's part of an iteration (spec §6.3): the {@link PipelineSchedule} 1F1B steps
 * over the iteration's micro-batches, hidden states {@code [R, h]} sent to the next stage and
 * their gradients back to the previous one over the pipe group (group rank = stage). Each
 * micro-batch in flight keeps its own activations in a model slot (micro-batch m uses slot
 * {@code m mod inFlight}: 1F1B finishes micro-batch m before it starts m + inFlight), so
 * nothing is recomputed. Every stage receives the same micro-batches (all ranks read the same
 * data stream); the first stage uses their tokens, the last their labels and loss mask. The
 * time spent waiting in {@code recv} during training steps is counted, so the measured bubble
 * can be set against the theoretical {@link PipelineSchedule#bubbleFraction}.
 */
final class PipelineEngine {
    private final GPTNeoXModel model;
    private final Communicator pipe;
    private final int stage;
    private final int stages;
    private final int hidden;
    private final ParamView tiedEmbedding;
    /** pos_emb rpe with pp > 1: the relative position bias every stage holds a tied copy of, else null */
    private final ParamView relativeBias;
    private final Clock clock;
    private long waitNanos;
    private long stepNanos;

    PipelineEngine(GPTNeoXModel model, Communicator pipe, Clock clock) {
        this.model = model;
        this.clock = clock;
        this.pipe = pipe;
        this.stage = pipe.rank();
        this.stages = pipe.size();
        this.hidden = model.spec().hiddenSize();
        ParamView tied = null;
        if (!model.spec().noWeightTying() && (stage == 0 || stage == stages - 1) && stages > 1) {
            tied = model.views().stream().filter(v -> v.name().endsWith("word_embeddings.weight")).findFirst()
                    .orElseThrow();
        }
        this.tiedEmbedding = tied;
        this.relativeBias = stages < 2 ? null : model.views().stream()
                .filter(v -> v.name().endsWith(".attention.rpe.weight")).findFirst().orElse(null);
    }

    private boolean first() {
        return stage == 0;
    }

    private boolean last() {
        return stage == stages - 1;
    }

    /**
     * Forward and backward of {@code batches} (accumulating {@code backwardScale · dLoss/dθ}
     * into the stage's gradients), then the tied embedding's gradient summed between the first
     * and last stage. Returns the mean loss over the micro-batches, the same on every stage
     * (broadcast from the last).
     */
    double trainIteration(List<TokenBatch> batches, float backwardScale, LongUnaryOperator dropoutSeed) {
        int m = batches.size();
        int slots = PipelineSchedule.inFlight(stage, stages, m);
        TokenBatch b0 = batches.get(0);
        int n = b0.batch() * b0.seq() * hidden;
        float[] in = new float[n];
        float[] grad = new float[n];
        double sum = 0;
        long t0 = clock.nanoTime();
        for (PipelineSchedule.Step st : PipelineSchedule.steps(stage, stages, m)) {
            TokenBatch b = batches.get(st.micro());
            int slot = st.micro() % slots;
            long seed = dropoutSeed.applyAsLong(st.micro());
            if (st.forward()) {
                if (!first()) {
                    timedRecv(in, n, stage - 1);
                }
                float[] out = model.stageForward(b.tokens(), in, b.batch(), b.seq(), true, seed, slot);
                if (!last()) {
                    pipe.send(out, 0, n, stage + 1);
                }
            } else {
                if (!last()) {
                    timedRecv(grad, n, stage + 1);
                }
                float loss = model.stageBackward(b, grad, backwardScale, seed, in, slot);
                if (last()) {
                    sum += loss;
                }
                if (!first()) {
                    pipe.send(in, 0, n, stage - 1);
                }
            }
        }
        stepNanos += clock.nanoTime() - t0;
        syncTiedGradient();
        syncRelativeBiasGradient();
        return fromLastStage(sum / m);
    }

    private void timedRecv(float[] buf, int n, int from) {
        long t = clock.nanoTime();
        pipe.recv(buf, 0, n, from);
        waitNanos += clock.nanoTime() - t;
    }

    /** Fraction of this stage's 1F1B time spent waiting for a neighbour so far (0 before any step). */
    double measuredBubble() {
        return stepNanos == 0 ? 0 : (double) waitNanos / stepNanos;
    }

    /** Mean loss of {@code batches} without dropout (forward only, one micro-batch at a time), on every stage. */
    double evalLoss(List<TokenBatch> batches) {
        double sum = 0;
        for (TokenBatch b : batches) {
            int n = b.batch() * b.seq() * hidden;
            float[] in = new float[n];
            if (!first()) {
                pipe.recv(in, 0, n, stage - 1);
            }
            float[] out = model.stageForward(b.tokens(), in, b.batch(), b.seq(), false, 0, 0);
            if (last()) {
                sum += model.stageLoss(b, 0);
            } else {
                pipe.send(out, 0, n, stage + 1);
            }
        }
        return fromLastStage(sum / batches.size());
    }

    /**
     * Every stage's copy of the relative position bias gets the sum of the stages' gradients, so
     * the copies stay equal and the model is the single-stage one (GPT-NeoX trains an untied copy
     * per stage instead; see {@code model.RelativePositionBias}).
     */
    private void syncRelativeBiasGradient() {
        if (relativeBias != null) {
            pipe.allReduceSum(model.grads(), relativeBias.offset(), relativeBias.numel());
        }
    }

    /** DeepSpeed's tied-weight all-reduce: both copies of the word embedding get the sum of their gradients. */
    private void syncTiedGradient() {
        if (tiedEmbedding == null) {
            return;
        }
        float[] g = model.grads();
        int off = tiedEmbedding.offset();
        int len = tiedEmbedding.numel();
        if (first()) {
            float[] other = new float[len];
            pipe.recv(other, 0, len, stages - 1);
            for (int i = 0; i < len; i++) {
                g[off + i] += other[i];
            }
            pipe.send(g, off, len, stages - 1);
        } else {
            pipe.send(g, off, len, 0);
            pipe.recv(g, off, len, 0);
        }
    }

    private double fromLastStage(double v) {
        float[] buf = {(float) v};
        pipe.broadcast(buf, 0, 1, stages - 1);
        return buf[0];
    }
}
