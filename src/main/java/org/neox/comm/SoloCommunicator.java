package org.neox.comm;

/**
 * The group of one: every collective is the identity. Single-rank runs and layers whose
 * tensor-parallel group has one member use it, so conjugate communication pairs cost nothing.
 */
public final class SoloCommunicator implements Communicator {
    public static final SoloCommunicator INSTANCE = new SoloCommunicator();

    private SoloCommunicator() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduceSum(float[] buf, int off, int len) {
    }

    @Override
    public void allReduceMax(float[] buf, int off, int len) {
    }

    @Override
    public void reduceScatterSum(float[] buf, int off, int len) {
    }

    @Override
    public void allGather(float[] buf, int off, int len) {
    }

    @Override
    public void broadcast(float[] buf, int off, int len, int root) {
        requireSelf(root);
    }

    @Override
    public void broadcast(byte[] buf, int off, int len, int root) {
        requireSelf(root);
    }

    @Override
    public void send(float[] buf, int off, int len, int dstRank) {
        throw new IllegalStateException("send to rank " + dstRank + " in a group of one");
    }

    @Override
    public void recv(float[] buf, int off, int len, int srcRank) {
        throw new IllegalStateException("recv from rank " + srcRank + " in a group of one");
    }

    @Override
    public void barrier() {
    }

    @Override
    public Communicator subgroup(int[] groupRanks) {
        for (int r : groupRanks) {
            requireSelf(r);
        }
        return groupRanks.length == 0 ? null : this;
    }

    @Override
    public void close() {
    }

    private static void requireSelf(int r) {
        if (r != 0) {
            throw new IllegalArgumentException("rank " + r + " in a group of one");
        }
    }
}
