package org.neox.model;

import org.neox.kernel.Kernels;
import org.neox.tensor.ParamStore;

/**
 * Layer specs L+3 (final norm) and L+4 (output): {@code logits [R, V'/p] = norm(x) · Wᵀ} with W
 * the untied {@code final_linear.weight [V'/p, h]} (column-parallel) or, tied, the word
 * embedding; then the masked mean cross-entropy of spec §3.6. The logits buffer is turned into
 * its gradient in place by backward.
 */
final class OutputHead {
    private final Kernels k;
    private final ParamStore store;
    private final TensorParallel tp;
    final NormLayer norm;
    private final int h;
    private final int vocabLocal;
    final int weightOff;
    private final int vocabStart;
    /**
     * Vocab-parallel scratch: local label or −1 [R], the same clamped to 0 for the kernels [R],
     * per-row stats [3R] (max | Σexp | target logit), column-0 logits [R].
     */
    private int[] localLabels = new int[0];
    private int[] clamped = new int[0];
    private float[] stats = new float[0];
    private float[] column0 = new float[0];
    private float[] globalLse = new float[0];

    /** @param embedding the (tied) word embedding; null when untied and the stage does not own spec 0 */
    OutputHead(ModelSpec spec, ParamStore store, Kernels k, TensorParallel tp, EmbeddingLayer embedding) {
        this.k = k;
        this.store = store;
        this.tp = tp;
        this.h = spec.hiddenSize();
        this.norm = new NormLayer("sequential." + spec.finalNormSpecIndex() + ".norm", spec, store, k);
        this.vocabLocal = tp.split(spec.paddedVocabSize(), "padded vocab size");
        this.vocabStart = tp.rank() * vocabLocal;
        this.weightOff = spec.noWeightTying()
                ? store.add("sequential." + spec.outputSpecIndex() + ".final_linear.weight", true, vocabLocal, h)
                : embedding.wordOff;
    }

    /** x [R, h] → normOut [R, h] (stats in a, b) → logits [R, V'/p]. */
    void logits(float[] x, float[] normOut, float[] a, float[] b, float[] logits, int rows) {
        norm.forward(x, 0, normOut, 0, a, b, rows);
        tp.copyToRegionForward(normOut, 0, rows * h);
        k.gemm(false, true, rows, vocabLocal, h, 1f, normOut, 0, h, store.params(), weightOff, h, 0f, logits, 0, vocabLocal);
    }

    /**
     * Per-row losses into {@code loss [R]}, logsumexp into {@code lse}; returns
     * {@code Σ loss·mask / Σ mask} (0 when the mask is all zero).
     */
    float loss(float[] logits, int[] labels, float[] mask, float[] loss, float[] lse, int rows) {
        if (tp.size() > 1) {
            vocabParallelForward(logits, labels, loss, lse, rows);
        } else {
            k.crossEntropyForward(logits, 0, labels, 0, loss, lse, rows, vocabLocal);
        }
        k.toHost(loss);
        double num = 0;
        double den = 0;
        for (int r = 0; r < rows; r++) {
            num += (double) loss[r] * mask[r];
            den += mask[r];
        }
        return den == 0 ? 0f : (float) (num / den);
    }

    /**
     * Training path: per-row losses into {@code loss [R]} and, in the same sweep, the logits
     * turned in place into the gradient of {@code lossScale · mean masked loss}; then the output
     * layer and final norm backward down to {@code dx [R, h]}. Returns the mean masked loss.
     * {@code dloss} is scratch {@code [R]}, {@code dnorm} scratch {@code [R, h]}.
     */
    float lossAndBackward(float[] logits, int[] labels, float[] mask, float[] loss, float lossScale, float[] x,
                          float[] normOut, float[] a, float[] b, float[] dloss, float[] dnorm, float[] dx, int rows) {
        double den = 0;
        for (int r = 0; r < rows; r++) {
            den += mask[r];
        }
        k.toHost(dloss);
        for (int r = 0; r < rows; r++) {
            dloss[r] = den == 0 ? 0f : (float) (mask[r] * lossScale / den);
        }
        if (tp.size() > 1) {
            vocabParallelForward(logits, labels, loss, null, rows);
            vocabParallelBackward(logits, globalLse, dloss, rows);
        } else {
            k.crossEntropyFused(logits, 0, labels, 0, dloss, loss, rows, vocabLocal);
        }
        k.toHost(loss);
        double num = 0;
        for (int r = 0; r < rows; r++) {
            num += (double) loss[r] * mask[r];
        }
        k.gemm(true, false, vocabLocal, h, rows, 1f, logits, 0, vocabLocal, normOut, 0, h, 1f, store.grads(), weightOff, h);
        k.gemm(false, false, rows, h, vocabLocal, 1f, logits, 0, vocabLocal, store.params(), weightOff, h, 0f, dnorm, 0, h);
        tp.copyToRegionBackward(dnorm, 0, rows * h);
        norm.backward(dnorm, 0, x, 0, a, b, dx, 0, rows);
        return den == 0 ? 0f : (float) (num / den);
    }

    /**
     * Global logsumexp (into {@code lse [R]} when not null, always into {@link #globalLse}) and
     * {@code loss [R] = lse − target logit} from this rank's {@code logits [R, V'/p]}.
     */
    private void vocabParallelForward(float[] logits, int[] labels, float[] loss, float[] lseOut, int rows) {
        if (localLabels.length < rows) {
            localLabels = new int[rows];
            clamped = new int[rows];
            stats = new float[3 * rows];
            column0 = new float[rows];
            globalLse = new float[rows];
        }
        for (int r = 0; r < rows; r++) {
            int t = labels[r] - vocabStart;
            localLabels[r] = t >= 0 && t < vocabLocal ? t : -1;
            clamped[r] = Math.max(0, localLabels[r]);
        }
        float[] lse = globalLse;
        k.crossEntropyForward(logits, 0, clamped, 0, loss, lse, rows, vocabLocal);
        k.toHost(lse);
        k.toHost(loss);
        k.toHost(logits);
        System.arraycopy(lse, 0, stats, 0, rows);
        tp.allReduceMax(stats, 0, rows);
        for (int r = 0; r < rows; r++) {
            stats[rows + r] = (float) Math.exp((double) lse[r] - stats[r]);
            stats[2 * rows + r] = localLabels[r] >= 0 ? logits[r * vocabLocal + localLabels[r]] : 0f;
        }
        tp.allReduceSum(stats, rows, 2 * rows);
        for (int r = 0; r < rows; r++) {
            double global = stats[r] + Math.log(stats[rows + r]);
            lse[r] = (float) global;
            loss[r] = (float) (global - stats[2 * rows + r]);
        }
        if (lseOut != null) {
            k.toHost(lseOut);
            System.arraycopy(lse, 0, lseOut, 0, rows);
        }
    }

    /** Logits turned in place into {@code dloss · (softmax − onehot)} with the global {@code lse}. */
    private void vocabParallelBackward(float[] logits, float[] lse, float[] dloss, int rows) {
        k.toHost(logits);
        for (int r = 0; r < rows; r++) {
            column0[r] = logits[r * vocabLocal];
        }
        k.crossEntropyBackward(logits, 0, clamped, 0, lse, dloss, rows, vocabLocal);
        k.toHost(logits);
        for (int r = 0; r < rows; r++) {
            if (localLabels[r] < 0) {
                logits[r * vocabLocal] = (float) (Math.exp((double) column0[r] - lse[r]) * dloss[r]);
            }
        }
    }
}
