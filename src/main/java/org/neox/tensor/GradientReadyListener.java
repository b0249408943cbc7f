package org.neox.tensor;

/**
 * Told during a backward pass which part of a flat gradient buffer holds its final values, so
 * that work on it (the data-parallel reduction with {@code overlap_comm}) can start while the
 * backward pass continues on the rest. Backward finishes the output layer first, so the final
 * part grows from the end of the buffer towards its start.
 */
@FunctionalInterface
public interface GradientReadyListener {
    /**
     * {@code grads[from, grads.length)} will not be written again in this backward pass. Called
     * on the backward thread with non-increasing {@code from}; the listener must not write
     * below {@code from} and must return quickly.
     */
    void gradientsFinalFrom(float[] grads, int from);
}
