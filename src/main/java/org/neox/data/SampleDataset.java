package org.neox.data;

/** A map-style dataset of fixed-length token samples ({@code seq_length + 1} tokens each). */
public interface SampleDataset {
    long length();

    /** Sample {@code index} (wrapped modulo the length, as GPT-NeoX does). */
    int[] sample(long index);
}
