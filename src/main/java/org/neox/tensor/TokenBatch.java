package org.neox.tensor;

/**
 * One micro-batch as the model consumes it (spec §3.6): {@code tokens = text[:, :-1]},
 * {@code labels = text[:, 1:]}, and the loss mask. All arrays are row-major {@code [batch, seq]}.
 */
public record TokenBatch(int[] tokens, int[] labels, float[] lossMask, int batch, int seq) {
    public TokenBatch {
        int n = batch * seq;
        if (tokens.length != n || labels.length != n || lossMask.length != n) {
            throw new IllegalArgumentException("TokenBatch arrays must hold batch*seq = " + n
                    + " elements, got tokens " + tokens.length + ", labels " + labels.length
                    + ", lossMask " + lossMask.length);
        }
    }

    /** The first {@code len} positions of every sequence (a sequence-length curriculum's batch). */
    public TokenBatch prefix(int len) {
        if (len < 1 || len > seq) {
            throw new IllegalArgumentException("prefix length " + len + " outside [1, " + seq + "]");
        }
        int[] t = new int[batch * len];
        int[] l = new int[batch * len];
        float[] m = new float[batch * len];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(tokens, b * seq, t, b * len, len);
            System.arraycopy(labels, b * seq, l, b * len, len);
            System.arraycopy(lossMask, b * seq, m, b * len, len);
        }
        return new TokenBatch(t, l, m, batch, len);
    }
}
