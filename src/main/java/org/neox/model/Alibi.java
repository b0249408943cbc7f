package org.neox.model;

/**
 * ALiBi attention biases (GPT-NeoX v2.0 {@code megatron/model/positional_embeddings.py AliBi}):
 * head {@code h} adds {@code −slope_h·(i − j)} to the {@code 1/√hd}-scaled score of query
 * {@code i} and key {@code j ≤ i}, before the causal softmax. No parameters, no input embedding.
 */
final class Alibi {
    private Alibi() {
    }

    /**
     * GPT-NeoX's {@code _get_slopes(n)} in double, as Python evaluates it: for n a power of two
     * {@code start = 2^(−2^−(log2 n − 3))}, slope i = {@code start·start^i}; otherwise the slopes
     * of the closest lower power of two p, then every other slope of 2p, the first n − p of them.
     */
    static double[] slopes(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("ALiBi needs at least one head, got " + n);
        }
        int p = Integer.highestOneBit(n);
        double[] out = new double[n];
        double[] base = powerOfTwoSlopes(p);
        System.arraycopy(base, 0, out, 0, p);
        if (p < n) {
            double[] twice = slopes(2 * p);
            for (int i = 0; i < n - p; i++) {
                out[p + i] = twice[2 * i];
            }
        }
        return out;
    }

    private static double[] powerOfTwoSlopes(int n) {
        int log2 = Integer.numberOfTrailingZeros(n);
        double start = Math.pow(2, -Math.pow(2, -(log2 - 3)));
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = start * Math.pow(start, i);
        }
        return s;
    }

    /**
     * The float32 slopes (GPT-NeoX keeps them in a {@code torch.Tensor}) of the heads of one tensor
     * rank: {@code slopes[rank·heads/size, (rank+1)·heads/size)}.
     */
    static float[] rankSlopes(int numHeads, int tpSize, int tpRank) {
        double[] all = slopes(numHeads);
        int local = numHeads / tpSize;
        float[] s = new float[local];
        for (int i = 0; i < local; i++) {
            s[i] = (float) all[tpRank * local + i];
        }
        return s;
    }
}
