package org.neox.optim;

/**
 * The {@code zero_optimization} settings stage 1 uses (spec §6.4), in elements.
 *
 * @param reduceScatter true: each gradient slice is reduced to its owner; false: all-reduce
 */
public record ZeroConfig(boolean reduceScatter, int reduceBucketSize, int allgatherBucketSize) {
    public ZeroConfig {
        if (reduceBucketSize <= 0 || allgatherBucketSize <= 0) {
            throw new IllegalArgumentException("ZeRO bucket sizes must be > 0: reduce_bucket_size "
                    + reduceBucketSize + ", allgather_bucket_size " + allgatherBucketSize);
        }
    }

    /** DeepSpeed's defaults: reduce_scatter true, both buckets 5e8 elements. */
    public static ZeroConfig defaults() {
        return new ZeroConfig(true, 500_000_000, 500_000_000);
    }
}
