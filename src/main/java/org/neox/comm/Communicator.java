package org.neox.comm;

/**
 * Collective and point-to-point communication within a group of ranks. Buffers are heap
 * {@code float[]} ranges {@code [off, off + len)}; every collective must be called by every
 * rank of the group in the same order with the same {@code len}.
 *
 * <p>Chunked collectives ({@link #reduceScatterSum}, {@link #allGather}) split the range into
 * {@link #size()} equal chunks of {@code len / size()} elements (callers pad {@code len} to a
 * multiple of the group size); chunk {@code r} belongs to group rank {@code r}.
 */
public interface Communicator extends AutoCloseable {
    /** This process's rank within the group, {@code 0 <= rank < size}. */
    int rank();

    /** Number of ranks in the group. */
    int size();

    /** Element-wise sum over all ranks; every rank receives the result. */
    void allReduceSum(float[] buf, int off, int len);

    /** Element-wise maximum over all ranks; every rank receives the result. */
    void allReduceMax(float[] buf, int off, int len);

    /** After the call, chunk {@code rank()} of the range holds the sum of that chunk over all ranks. */
    void reduceScatterSum(float[] buf, int off, int len);

    /** Each rank contributes chunk {@code rank()} of the range; afterwards all ranks hold all chunks. */
    void allGather(float[] buf, int off, int len);

    /** Copies the range of {@code root} to every rank. */
    void broadcast(float[] buf, int off, int len, int root);

    /** Copies {@code root}'s bytes to every rank (configs, RNG state, small control messages). */
    void broadcast(byte[] buf, int off, int len, int root);

    void send(float[] buf, int off, int len, int dstRank);

    void recv(float[] buf, int off, int len, int srcRank);

    void barrier();

    /**
     * Creates the subgroup holding {@code groupRanks} (ranks of this group, in the order that
     * defines subgroup ranks). Collective over this whole group: every rank calls it with the
     * same list, members and non-members alike; non-members get {@code null}.
     */
    Communicator subgroup(int[] groupRanks);

    @Override
    void close();
}
