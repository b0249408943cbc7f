package org.neox.data;

import java.util.List;

/**
 * GPT-NeoX's BlendableDataset (spec §3.5): sample s comes from the dataset whose weighted
 * share {@code w_i * max(s, 1)} runs furthest ahead of what it has supplied so far.
 */
public final class BlendableDataset implements SampleDataset {
    private final List<? extends SampleDataset> datasets;
    private final byte[] datasetIndex;
    private final long[] sampleIndex;

    public BlendableDataset(List<? extends SampleDataset> datasets, double[] weights) {
        if (datasets.isEmpty() || datasets.size() > 254 || datasets.size() != weights.length) {
            throw new IllegalArgumentException("blending needs 1..254 datasets with one weight each, got "
                    + datasets.size() + " datasets and " + weights.length + " weights");
        }
        this.datasets = datasets;
        long size = 0;
        for (SampleDataset d : datasets) {
            size += d.length();
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("blended dataset of " + size + " samples is too large");
        }
        datasetIndex = new byte[(int) size];
        sampleIndex = new long[(int) size];
        build(normalise(weights), datasetIndex, sampleIndex);
    }

    static double[] normalise(double[] weights) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double[] out = new double[weights.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights[i] / sum;
        }
        return out;
    }

    /** megatron/data/helpers.cpp build_blending_indices. */
    static void build(double[] w, byte[] datasetIndex, long[] sampleIndex) {
        long[] taken = new long[w.length];
        for (int s = 0; s < datasetIndex.length; s++) {
            double x = Math.max(s, 1.0);
            int best = 0;
            double bestErr = w[0] * x - taken[0];
            for (int i = 1; i < w.length; i++) {
                double err = w[i] * x - taken[i];
                if (err > bestErr) {
                    bestErr = err;
                    best = i;
                }
            }
            datasetIndex[s] = (byte) best;
            sampleIndex[s] = taken[best]++;
        }
    }

    /** Which dataset sample s comes from. */
    public int datasetOf(long s) {
        return datasetIndex[(int) s];
    }

    /** Index of sample s within its dataset. */
    public long localIndexOf(long s) {
        return sampleIndex[(int) s];
    }

    @Override
    public long length() {
        return datasetIndex.length;
    }

    @Override
    public int[] sample(long index) {
        int s = (int) Math.floorMod(index, length());
        return datasets.get(datasetIndex[s]).sample(sampleIndex[s]);
    }
}
