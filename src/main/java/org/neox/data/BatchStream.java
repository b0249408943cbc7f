package org.neox.data;

import org.neox.tensor.TokenBatch;

/**
 * Micro-batches of one data-parallel rank (spec §3.6). Global batch g holds samples
 * {@code [g*micro*dp, (g+1)*micro*dp)}; rank r takes {@code [r*micro, (r+1)*micro)} of it; an
 * incomplete last global batch is dropped and the stream cycles. Each {@link #next()} advances
 * the consumed-sample count by {@code micro*dp}, so a stream built from a saved count continues
 * with exactly the samples the interrupted run would have seen.
 */
public final class BatchStream {
    private final SampleDataset dataset;
    private final int dpRank;
    private final int dpSize;
    private final int micro;
    private final int seqLength;
    private final int eodId;
    private final boolean eodMaskLoss;
    private final long batches;
    private long consumed;

    public BatchStream(SampleDataset dataset, long consumedSamples, int dpRank, int dpSize, int micro,
            int seqLength, int eodId, boolean eodMaskLoss) {
        long global = (long) micro * dpSize;
        if (dpRank < 0 || dpRank >= dpSize || micro < 1) {
            throw new IllegalArgumentException("bad rank " + dpRank + " of " + dpSize + " or micro " + micro);
        }
        if (consumedSamples % global != 0) {
            throw new IllegalArgumentException("consumed samples " + consumedSamples
                    + " is not a multiple of micro*dp = " + global);
        }
        this.batches = dataset.length() / global;
        if (batches == 0) {
            throw new IllegalArgumentException("dataset of " + dataset.length()
                    + " samples holds no full global batch of " + global);
        }
        this.dataset = dataset;
        this.dpRank = dpRank;
        this.dpSize = dpSize;
        this.micro = micro;
        this.seqLength = seqLength;
        this.eodId = eodId;
        this.eodMaskLoss = eodMaskLoss;
        this.consumed = consumedSamples;
    }

    /** Samples consumed by all ranks so far (the value to checkpoint). */
    public long consumedSamples() {
        return consumed;
    }

    /** Full global batches per pass over the dataset. */
    public long batchesPerEpoch() {
        return batches;
    }

    public TokenBatch next() {
        long global = (long) micro * dpSize;
        long g = (consumed / global) % batches;
        long first = g * global + (long) dpRank * micro;
        int s = seqLength;
        int[] tokens = new int[micro * s];
        int[] labels = new int[micro * s];
        float[] mask = new float[micro * s];
        for (int b = 0; b < micro; b++) {
            int[] text = dataset.sample(first + b);
            System.arraycopy(text, 0, tokens, b * s, s);
            System.arraycopy(text, 1, labels, b * s, s);
            for (int t = 0; t < s; t++) {
                mask[b * s + t] = eodMaskLoss && text[t] == eodId ? 0f : 1f;
            }
        }
        consumed += global;
        return new TokenBatch(tokens, labels, mask, micro, s);
    }
}
