package org.neox.comm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * In-JVM communicator for tests: {@link #create(int)} returns one communicator per rank, each
 * meant to be driven by its own thread. Collectives meet at a barrier, exchange copies of the
 * ranges, and reduce in rank order 0..n-1 so every rank gets bitwise identical results.
 * Each collective also checks that all ranks called the same op with the same length, and
 * reports a mismatch naming both ranks and ops. A rank that fails or waits past the deadline
 * breaks the group's barrier so the other ranks fail instead of hanging.
 */
public final class LocalCommunicator implements Communicator {
    /** Default deadline for one collective or receive. */
    public static final long DEFAULT_TIMEOUT_MS = 60_000;

    private final Group group;
    private final int rank;
    private long seq;
    private int subgroupCount;

    private LocalCommunicator(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** n communicators forming one group; element r has rank r. */
    public static List<Communicator> create(int n) {
        return create(n, DEFAULT_TIMEOUT_MS);
    }

    /** As {@link #create(int)} with a deadline (ms) for every collective and receive. */
    public static List<Communicator> create(int n, long timeoutMs) {
        if (n < 1) {
            throw new IllegalArgumentException("group size must be >= 1, got " + n);
        }
        Group g = new Group(n, timeoutMs);
        List<Communicator> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            out.add(new LocalCommunicator(g, r));
        }
        return out;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.n;
    }

    @Override
    public void allReduceSum(float[] buf, int off, int len) {
        float[][] all = exchange("allReduceSum", Arrays.copyOfRange(buf, off, off + len), len);
        reduceInto(all, buf, off, 0, len, false);
        leave();
    }

    @Override
    public void allReduceMax(float[] buf, int off, int len) {
        float[][] all = exchange("allReduceMax", Arrays.copyOfRange(buf, off, off + len), len);
        reduceInto(all, buf, off, 0, len, true);
        leave();
    }

    @Override
    public void reduceScatterSum(float[] buf, int off, int len) {
        int chunk = chunkLength(len);
        float[][] all = exchange("reduceScatterSum", Arrays.copyOfRange(buf, off, off + len), len);
        reduceInto(all, buf, off, rank * chunk, chunk, false);
        leave();
    }

    @Override
    public void allGather(float[] buf, int off, int len) {
        int chunk = chunkLength(len);
        float[] mine = Arrays.copyOfRange(buf, off + rank * chunk, off + (rank + 1) * chunk);
        float[][] all = exchange("allGather", mine, len);
        for (int r = 0; r < group.n; r++) {
            System.arraycopy(all[r], 0, buf, off + r * chunk, chunk);
        }
        leave();
    }

    @Override
    public void broadcast(float[] buf, int off, int len, int root) {
        checkRank(root);
        float[] mine = rank == root ? Arrays.copyOfRange(buf, off, off + len) : null;
        Object[] all = exchangeObjects("broadcast(float) root " + root, mine, len);
        if (rank != root) {
            System.arraycopy((float[]) all[root], 0, buf, off, len);
        }
        leave();
    }

    @Override
    public void broadcast(byte[] buf, int off, int len, int root) {
        checkRank(root);
        byte[] mine = rank == root ? Arrays.copyOfRange(buf, off, off + len) : null;
        Object[] all = exchangeObjects("broadcast(byte) root " + root, mine, len);
        if (rank != root) {
            System.arraycopy((byte[]) all[root], 0, buf, off, len);
        }
        leave();
    }

    @Override
    public void send(float[] buf, int off, int len, int dstRank) {
        checkPeer(dstRank);
        group.mailbox(rank, dstRank).add(Arrays.copyOfRange(buf, off, off + len));
    }

    @Override
    public void recv(float[] buf, int off, int len, int srcRank) {
        checkPeer(srcRank);
        float[] msg;
        try {
            msg = group.mailbox(srcRank, rank).poll(group.timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommException("rank " + rank + ": interrupted in recv from rank " + srcRank, e);
        }
        if (msg == null) {
            throw new CommException("rank " + rank + ": recv from rank " + srcRank + " timed out after "
                    + group.timeoutMs + " ms");
        }
        if (msg.length != len) {
            throw new CommException("rank " + rank + ": recv of " + len + " floats from rank " + srcRank
                    + " got a message of " + msg.length);
        }
        System.arraycopy(msg, 0, buf, off, len);
    }

    @Override
    public void barrier() {
        exchangeObjects("barrier", null, 0);
        leave();
    }

    @Override
    public Communicator subgroup(int[] groupRanks) {
        int[] ranks = groupRanks.clone();
        for (int r : ranks) {
            checkRank(r);
        }
        String key = (subgroupCount++) + ":" + Arrays.toString(ranks);
        exchangeObjects("subgroup " + Arrays.toString(ranks), null, ranks.length);
        Group sub = group.subgroups.computeIfAbsent(key, k -> new Group(ranks.length, group.timeoutMs));
        leave();
        for (int i = 0; i < ranks.length; i++) {
            if (ranks[i] == rank) {
                return new LocalCommunicator(sub, i);
            }
        }
        return null;
    }

    @Override
    public void close() {
    }

    private int chunkLength(int len) {
        if (len % group.n != 0) {
            throw new IllegalArgumentException("length " + len + " is not a multiple of the group size "
                    + group.n);
        }
        return len / group.n;
    }

    /** Sums (or maxes) elements [from, from+count) of every rank's copy, in rank order, into buf. */
    private void reduceInto(float[][] all, float[] buf, int off, int from, int count, boolean max) {
        for (int i = from; i < from + count; i++) {
            float acc = all[0][i];
            for (int r = 1; r < all.length; r++) {
                acc = max ? Math.max(acc, all[r][i]) : acc + all[r][i];
            }
            buf[off + i] = acc;
        }
    }

    private float[][] exchange(String op, float[] mine, int len) {
        Object[] all = exchangeObjects(op, mine, len);
        float[][] out = new float[all.length][];
        for (int r = 0; r < all.length; r++) {
            out[r] = (float[]) all[r];
        }
        return out;
    }

    /** Deposits this rank's payload, waits for all ranks, and checks they called the same op. */
    private Object[] exchangeObjects(String op, Object mine, int len) {
        long mySeq = seq++;
        group.payload[rank] = mine;
        group.ops[rank] = new OpTag(mySeq, op, len);
        await("entering " + op);
        OpTag ref = group.ops[0];
        for (int r = 1; r < group.n; r++) {
            OpTag t = group.ops[r];
            if (!t.equals(ref)) {
                group.barrier.reset();
                throw new CommException("collective mismatch: rank 0 called " + ref + " but rank " + r
                        + " called " + t);
            }
        }
        return group.payload.clone();
    }

    /** Second barrier: nobody overwrites its slot for the next op until all have read this one. */
    private void leave() {
        await("leaving op " + (seq - 1));
    }

    private void await(String where) {
        try {
            group.barrier.await(group.timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            group.barrier.reset();
            Thread.currentThread().interrupt();
            throw new CommException("rank " + rank + ": interrupted " + where, e);
        } catch (TimeoutException e) {
            throw new CommException("rank " + rank + ": timed out after " + group.timeoutMs + " ms "
                    + where + " (a rank did not arrive)", e);
        } catch (BrokenBarrierException e) {
            throw new CommException("rank " + rank + ": another rank failed or timed out " + where, e);
        }
    }

    private void checkRank(int r) {
        if (r < 0 || r >= group.n) {
            throw new IllegalArgumentException("rank " + r + " outside a group of " + group.n);
        }
    }

    private void checkPeer(int r) {
        checkRank(r);
        if (r == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot send to or receive from itself");
        }
    }

    private record OpTag(long seq, String op, int len) {
        @Override
        public String toString() {
            return "op #" + seq + " " + op + " (len " + len + ")";
        }
    }

    /** State shared by the n ranks of one group. */
    private static final class Group {
        final int n;
        final long timeoutMs;
        final CyclicBarrier barrier;
        final Object[] payload;
        final OpTag[] ops;
        final Map<String, Group> subgroups = new ConcurrentHashMap<>();
        final Map<Long, LinkedBlockingQueue<float[]>> mailboxes = new ConcurrentHashMap<>();

        Group(int n, long timeoutMs) {
            this.n = n;
            this.timeoutMs = timeoutMs;
            this.barrier = new CyclicBarrier(n);
            this.payload = new Object[n];
            this.ops = new OpTag[n];
        }

        LinkedBlockingQueue<float[]> mailbox(int src, int dst) {
            return mailboxes.computeIfAbsent((long) src * n + dst, k -> new LinkedBlockingQueue<>());
        }
    }
}
