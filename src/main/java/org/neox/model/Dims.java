package org.neox.model;

/**
 * Sizes of one pass: {@code batch} sequences of {@code seq} tokens, {@code rows = batch·seq}
 * activation rows (row {@code b·seq + t}), hidden {@code h}; per tensor-parallel rank
 * {@code headsLocal} heads of {@code headDim}, {@code hLocal = headsLocal·headDim} attention
 * width, {@code ffLocal} outputs of {@code dense_h_to_4h} and {@code actLocal} activation width
 * (inputs of {@code dense_4h_to_h}: ffLocal, or ffLocal/2 for geglu).
 */
record Dims(int batch, int seq, int hidden, int headsLocal, int headDim, int ffLocal, int actLocal) {
    int rows() {
        return batch * seq;
    }

    int hLocal() {
        return headsLocal * headDim;
    }

    /** Attention matrices per pass: batch·headsLocal. */
    int count() {
        return batch * headsLocal;
    }
}
