package org.neox.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * GPT-NeoX's next-token choice ({@code stream_tokens}, spec §9.2): greedy argmax when
 * {@code temperature == 0 && topK == 0 && topP == 0}; otherwise logits divided by the
 * temperature (when > 0), {@link #filter top-k then top-p}, softmax and a multinomial draw from
 * a seeded stream, so a fixed seed reproduces the samples.
 */
public final class TokenSampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;
    private float[] work = new float[0];

    public TokenSampler(double temperature, int topK, double topP, long seed) {
        if (temperature < 0 || topK < 0 || topP < 0 || topP > 1) {
            throw new IllegalArgumentException("temperature " + temperature + ", top_k " + topK + ", top_p " + topP
                    + ": expected temperature >= 0, top_k >= 0 and 0 <= top_p <= 1");
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    public boolean greedy() {
        return temperature == 0 && topK == 0 && topP == 0;
    }

    /** The next token for {@code logits[off, off + vocab)} (not modified). */
    public int next(float[] logits, int off, int vocab) {
        if (greedy()) {
            return argmax(logits, off, vocab);
        }
        if (work.length != vocab) {
            work = new float[vocab];
        }
        for (int i = 0; i < vocab; i++) {
            work[i] = temperature > 0 ? (float) (logits[off + i] / temperature) : logits[off + i];
        }
        filter(work, topK, topP);
        return draw(softmax(work));
    }

    /** First index of the largest value (torch.argmax). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * GPT-NeoX's {@code filter_logits} in place: top-k sets every logit below the k-th largest
     * to −inf (ties with it stay); top-p sorts descending, takes the cumulative softmax and sets
     * −inf on every token after the first one whose cumulative probability exceeds p (the
     * removal mask shifted right by one, so the most likely token always stays).
     */
    public static void filter(float[] logits, int topK, double topP) {
        int n = logits.length;
        if (topK > 0 && topK < n) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            float kth = sorted[n - topK];
            for (int i = 0; i < n; i++) {
                if (logits[i] < kth) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        if (topP > 0) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
            double max = logits[order[0]];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(logits[i] - max);
            }
            double cumulative = 0;
            boolean removeRest = false;
            for (int j = 0; j < n; j++) {
                int idx = order[j];
                double p = Math.exp(logits[idx] - max) / sum;
                if (removeRest) {
                    logits[idx] = Float.NEGATIVE_INFINITY;
                }
                cumulative += p;
                removeRest = removeRest || cumulative > topP;
            }
        }
    }

    /** Probabilities in double; −inf logits get exactly 0. */
    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private int draw(double[] p) {
        double u = random.nextDouble();
        double c = 0;
        int last = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                c += p[i];
                last = i;
                if (u < c) {
                    return i;
                }
            }
        }
        return last;
    }
}
