package org.neox.train;

import org.neox.kernel.Kernels;
import org.neox.model.InferenceSession;
import org.neox.model.KvCache;

/**
 * Language-model loss over consecutive windows of {@code seq_length + 1} tokens (window w
 * starts at token {@code w·seq_length}, as GPT2Dataset's samples overlap by one token): inputs
 * are the first {@code seq_length} tokens, labels the next ones, every position counted.
 * Loss is the mean cross-entropy per token (nats); perplexity {@code exp(loss)}.
 */
public final class DatasetEval {
    /** @param windows full windows evaluated; @param tokens predicted positions */
    public record Result(double loss, double perplexity, long windows, long tokens) {
    }

    private final InferenceSession session;
    private final Kernels kernels;

    public DatasetEval(InferenceSession session, Kernels kernels) {
        this.session = session;
        this.kernels = kernels;
    }

    /** Number of full windows in {@code tokens} for this model's seq_length. */
    public long windowCount(EvalTokens tokens) {
        int seq = session.spec().seqLength();
        return Math.max(0, (tokens.length() - 1) / seq);
    }

    /** Evaluates the first {@code min(limit, windowCount)} windows ({@code limit <= 0}: all). */
    public Result run(EvalTokens tokens, long limit) {
        int seq = session.spec().seqLength();
        int vocab = session.spec().paddedVocabSize();
        long windows = limit > 0 ? Math.min(limit, windowCount(tokens)) : windowCount(tokens);
        int[] window = new int[seq + 1];
        int[] labels = new int[seq];
        float[] logits = new float[seq * vocab];
        float[] loss = new float[seq];
        float[] lse = new float[seq];
        KvCache cache = session.newCache();
        double sum = 0;
        for (long w = 0; w < windows; w++) {
            tokens.read(w * seq, window, seq + 1);
            System.arraycopy(window, 1, labels, 0, seq);
            cache.clear();
            session.forward(window, 0, seq, cache, true, logits);
            kernels.crossEntropyForward(logits, 0, labels, 0, loss, lse, seq, vocab);
            for (float l : loss) {
                sum += l;
            }
        }
        long n = windows * seq;
        double mean = n == 0 ? Double.NaN : sum / n;
        return new Result(mean, Math.exp(mean), windows, n);
    }
}
