package org.neox.train;

import java.util.Set;
import org.neox.comm.Communicator;

/** A real communicator that also records which threads (other than the ranks' own) call allReduceSum. */
final class ThreadRecordingCommunicator implements Communicator {
    private final Communicator inner;
    private final Set<String> threads;

    ThreadRecordingCommunicator(Communicator inner, Set<String> threads) {
        this.inner = inner;
        this.threads = threads;
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public void allReduceSum(float[] buf, int off, int len) {
        String name = Thread.currentThread().getName();
        if (!name.equals("rank-thread")) {
            threads.add(name);
        }
        inner.allReduceSum(buf, off, len);
    }

    @Override
    public void allReduceMax(float[] buf, int off, int len) {
        inner.allReduceMax(buf, off, len);
    }

    @Override
    public void reduceScatterSum(float[] buf, int off, int len) {
        inner.reduceScatterSum(buf, off, len);
    }

    @Override
    public void allGather(float[] buf, int off, int len) {
        inner.allGather(buf, off, len);
    }

    @Override
    public void broadcast(float[] buf, int off, int len, int root) {
        inner.broadcast(buf, off, len, root);
    }

    @Override
    public void broadcast(byte[] buf, int off, int len, int root) {
        inner.broadcast(buf, off, len, root);
    }

    @Override
    public void send(float[] buf, int off, int len, int dstRank) {
        inner.send(buf, off, len, dstRank);
    }

    @Override
    public void recv(float[] buf, int off, int len, int srcRank) {
        inner.recv(buf, off, len, srcRank);
    }

    @Override
    public void barrier() {
        inner.barrier();
    }

    @Override
    public Communicator subgroup(int[] groupRanks) {
        return inner.subgroup(groupRanks);
    }

    @Override
    public void close() {
        inner.close();
    }
}
