package org.neox.model;

/**
 * Keys and values of one sequence for every layer, so that generating a token costs one
 * position instead of the whole prefix (GPT-NeoX's {@code layer_past}). Per layer
 * {@code keys, values [heads, capacity, headDim]}; keys are stored after rotary, as the
 * attention reads them. {@link #length()} positions are filled.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int capacity;
    private int length;

    public KvCache(int layers, int heads, int headDim, int capacity) {
        this.capacity = capacity;
        this.keys = new float[layers][heads * capacity * headDim];
        this.values = new float[layers][heads * capacity * headDim];
    }

    /** Positions already processed (the absolute position of the next token). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets the sequence (the buffers are overwritten by the next forward). */
    public void clear() {
        length = 0;
    }

    void advance(int n) {
        length += n;
    }
}
