package org.neox.optim;

/**
 * The data-parallel reduction buckets of a flat gradient buffer of {@code numel} elements,
 * taken from the END of the buffer: bucket k is {@code [max(0, numel-(k+1)·b), numel-k·b)}.
 * Backward finalises gradients from the end of the buffer, so with {@code overlap_comm} the
 * buckets become ready in this order; the step-time reduction uses the same boundaries, so
 * every element is summed in the same order either way (a ring all-reduce's order depends on
 * the element's position within its bucket).
 */
record TailBuckets(int numel, int bucketSize) {
    TailBuckets {
        if (bucketSize <= 0 || numel < 0) {
            throw new IllegalArgumentException("bucket size must be > 0 and numel >= 0, got " + bucketSize + ", " + numel);
        }
    }

    int count() {
        return (int) (((long) numel + bucketSize - 1) / bucketSize);
    }

    /** First index of bucket k. */
    int start(int k) {
        return (int) Math.max(0, (long) numel - (long) (k + 1) * bucketSize);
    }

    /** One past the last index of bucket k. */
    int end(int k) {
        return numel - k * bucketSize;
    }
}
