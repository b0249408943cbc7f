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
}
