package org.neox.comm;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Communicator over TCP: one authenticated connection per pair of ranks (see {@link Mesh} and
 * {@link Handshake}), framed messages carrying the group's operation sequence number and type
 * (a rank that calls a different collective than its peer gets an error naming both), and
 * deadlines instead of hangs ({@link PeerLink}). Allreduce is a segmented, pipelined ring
 * (reduce-scatter then allgather, each segment forwarded as soon as it is reduced); every
 * element is reduced once, by its chunk's owner, so results are bitwise identical on all ranks.
 * Broadcast is a pipelined chain from the root. Subgroups open their own connections,
 * exchanging listener ports through a collective on the parent group. Peers on the same host
 * pass payloads through shared memory ({@link ShmRing}); the connections still carry headers.
 *
 * <p>One thread at a time may use a communicator; different communicators (e.g. a tensor and a
 * data group) may be used from different threads.
 */
public final class TcpCommunicator implements Communicator {
    private static final Logger LOG = LoggerFactory.getLogger(TcpCommunicator.class);
    private final int rank;
    private final int size;
    private final int[] worldRanks;
    private final String[] hosts;
    private final PeerLink[] links;
    private final byte[] secret;
    private final CommOptions opt;
    private final long groupId;
    private final long[] sendSeq;
    private final long[] recvSeq;
    private final List<TcpCommunicator> children = new ArrayList<>();
    private long seq;
    private CommException broken;
    private boolean closed;

    private TcpCommunicator(int rank, int[] worldRanks, String[] hosts, PeerLink[] links, byte[] secret,
                            CommOptions opt, long groupId) {
        this.rank = rank;
        this.size = worldRanks.length;
        this.worldRanks = worldRanks;
        this.hosts = hosts;
        this.links = links;
        this.secret = secret;
        this.opt = opt;
        this.groupId = groupId;
        this.sendSeq = new long[size];
        this.recvSeq = new long[size];
    }

    /** Joins the job described by the launcher's environment ({@link WorkerEnv}). */
    public static TcpCommunicator fromEnv() {
        return fromEnv(System.getenv());
    }

    public static TcpCommunicator fromEnv(Map<String, String> env) {
        WorkerEnv w = WorkerEnv.parse(env);
        return join(w.rank(), w.worldSize(), w.masterAddr(), w.masterPort(), w.secret(), CommOptions.fromEnv(env));
    }

    /**
     * Joins a world of {@code size} ranks: rank 0 listens at {@code masterAddr:masterPort}, the
     * others connect there; every connection is authenticated with {@code secret}.
     */
    public static TcpCommunicator join(int rank, int size, String masterAddr, int masterPort, String secret,
                                       CommOptions options) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new CommException("rank " + rank + " is outside a world of " + size);
        }
        byte[] key = Handshake.secretBytes(secret);
        if (size == 1) {
            return new TcpCommunicator(0, new int[] {0}, new String[] {masterAddr}, new PeerLink[1], key, options, 0);
        }
        try {
            Mesh.World w = Mesh.joinWorld(rank, size, masterAddr, masterPort, key, options);
            TcpCommunicator c = new TcpCommunicator(rank, Mesh.identity(size), w.hosts(), w.links(), key, options, 0);
            LOG.info("rank {}: joined {} ranks; {} of {} peers pass payloads through shared memory", rank, size,
                    c.sharedMemoryLinks(), size - 1);
            return c;
        } catch (IOException e) {
            throw new CommException("rank " + rank + ": joining the job at " + masterAddr + ":" + masterPort
                    + " failed: " + e, e);
        }
    }

    /** How many of this rank's links pass payloads through shared memory (peers on this host). */
    int sharedMemoryLinks() {
        int n = 0;
        for (PeerLink l : links) {
            if (l != null && l.sharedMemory()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(float[] buf, int off, int len) {
        ring(Frame.Op.ALL_REDUCE_SUM, buf, off, len, 0, size - 1, size - 1, PeerLink.ADD);
    }

    @Override
    public void allReduceMax(float[] buf, int off, int len) {
        ring(Frame.Op.ALL_REDUCE_MAX, buf, off, len, 0, size - 1, size - 1, PeerLink.MAX);
    }

    @Override
    public void reduceScatterSum(float[] buf, int off, int len) {
        requireMultiple(len);
        // shift -1: after n-1 steps rank r holds the sum of chunk r
        ring(Frame.Op.REDUCE_SCATTER_SUM, buf, off, len, -1, size - 1, 0, PeerLink.ADD);
    }

    @Override
    public void allGather(float[] buf, int off, int len) {
        requireMultiple(len);
        ring(Frame.Op.ALL_GATHER, buf, off, len, 0, 0, size - 1, PeerLink.COPY);
    }

    @Override
    public void broadcast(float[] buf, int off, int len, int root) {
        checkRank(root);
        chain(Frame.Op.BROADCAST_FLOATS, buf, null, off, len, root);
    }

    @Override
    public void broadcast(byte[] buf, int off, int len, int root) {
        checkRank(root);
        chain(Frame.Op.BROADCAST_BYTES, null, buf, off, len, root);
    }

    @Override
    public void barrier() {
        // a full ring round trip of empty segments: nobody leaves before everybody arrived
        ring(Frame.Op.BARRIER, new float[0], 0, 0, 0, size - 1, size - 1, PeerLink.COPY);
    }

    @Override
    public void send(float[] buf, int off, int len, int dstRank) {
        checkPeer(dstRank);
        usable();
        long s = sendSeq[dstRank]++;
        float[] copy = Arrays.copyOfRange(buf, off, off + len);
        int k = 0;
        for (int a = 0; a < len || k == 0; a += opt.segmentFloats(), k++) {
            int cnt = Math.min(opt.segmentFloats(), len - a);
            links[dstRank].enqueue(new PeerLink.Outgoing(new Frame(Frame.Op.SEND, rank, s, len, 0, k, 4 * cnt),
                    copy, null, a, cnt, null));
        }
    }

    @Override
    public void recv(float[] buf, int off, int len, int srcRank) {
        checkPeer(srcRank);
        usable();
        long s = recvSeq[srcRank]++;
        long deadline = System.nanoTime() + opt.opTimeoutMs() * 1_000_000;
        try {
            int k = 0;
            for (int a = 0; a < len || k == 0; a += opt.segmentFloats(), k++) {
                int cnt = Math.min(opt.segmentFloats(), len - a);
                links[srcRank].receiveFloats(new Frame(Frame.Op.SEND, srcRank, s, len, 0, k, 4 * cnt),
                        buf, off + a, cnt, PeerLink.COPY, deadline);
            }
        } catch (CommException e) {
            throw fail(e);
        }
    }

    @Override
    public Communicator subgroup(int[] groupRanks) {
        int[] members = groupRanks.clone();
        int me = validateMembers(members);
        ServerSocket listener = null;
        try {
            if (me >= 0) {
                listener = Mesh.listen(0, members.length);
            }
            // allgather of (listener port, hash of the member list): checks every rank passed the same list
            float[] table = new float[2 * size];
            table[2 * rank] = listener == null ? 0 : listener.getLocalPort();
            table[2 * rank + 1] = Arrays.hashCode(members) & 0xFFFFFF;
            long opSeq = seq;
            ring(Frame.Op.SUBGROUP, table, 0, 2 * size, 0, 0, size - 1, PeerLink.COPY);
            for (int r = 0; r < size; r++) {
                if (table[2 * r + 1] != table[2 * rank + 1]) {
                    throw fail(new CommException("subgroup mismatch: rank " + worldRanks[rank] + " called subgroup "
                            + Arrays.toString(members) + " but rank " + worldRanks[r] + " passed a different list"));
                }
            }
            return me < 0 ? null : connectSubgroup(members, me, listener, table, groupId * 1_000_003L + opSeq + 1);
        } catch (IOException e) {
            throw fail(new CommException("rank " + worldRanks[rank] + ": creating subgroup "
                    + Arrays.toString(members) + " failed: " + e, e));
        } finally {
            closeQuietly(listener);
        }
    }

    private TcpCommunicator connectSubgroup(int[] members, int me, ServerSocket listener, float[] table, long gid)
            throws IOException {
        int m = members.length;
        String[] subHosts = new String[m];
        int[] ports = new int[m];
        int[] subWorld = new int[m];
        for (int i = 0; i < m; i++) {
            subHosts[i] = hosts[members[i]];
            ports[i] = (int) table[2 * members[i]];
            subWorld[i] = worldRanks[members[i]];
        }
        if (m == 1) {
            return addChild(new TcpCommunicator(0, subWorld, subHosts, new PeerLink[1], secret, opt, gid));
        }
        Socket[] sockets = new Socket[m];
        Mesh.connectGroup(me, m, listener, subHosts, ports, new Handshake(secret, m, gid), sockets,
                System.nanoTime() + opt.joinTimeoutMs() * 1_000_000);
        return addChild(new TcpCommunicator(me, subWorld, subHosts, Mesh.links(sockets, me, subWorld, opt), secret,
                opt, gid));
    }

    private TcpCommunicator addChild(TcpCommunicator c) {
        children.add(c);
        return c;
    }

    /**
     * The ring: at step s this rank sends chunk (rank+shift-s) to its right neighbour and
     * receives chunk (rank+shift-s-1) from its left, reducing it in ({@code rsSteps} first steps,
     * {@code mode}) or copying it (the following {@code agSteps}). Each received segment is
     * forwarded at step s+1 as soon as it is processed, so segments stream through the ring.
     */
    private void ring(Frame.Op op, float[] buf, int off, int len, int shift, int rsSteps, int agSteps, int mode) {
        long s0 = beginOp();
        if (size == 1) {
            return;
        }
        int right = (rank + 1) % size;
        int left = (rank + size - 1) % size;
        int total = rsSteps + agSteps;
        OpCompletion done = new OpCompletion();
        long deadline = System.nanoTime() + opt.opTimeoutMs() * 1_000_000;
        try {
            int c0 = Math.floorMod(rank + shift, size);
            for (int k = 0, n = segments(len, c0); k < n; k++) {
                sendSegment(op, s0, len, 0, k, buf, off, c0, links[right], done);
            }
            for (int s = 0; s < total; s++) {
                int c = Math.floorMod(rank + shift - s - 1, size);
                int cs = chunkStart(len, c);
                int stepMode = s < rsSteps ? mode : PeerLink.COPY;
                for (int k = 0, n = segments(len, c); k < n; k++) {
                    int a = cs + k * opt.segmentFloats();
                    int cnt = Math.min(opt.segmentFloats(), chunkStart(len, c + 1) - a);
                    links[left].receiveFloats(new Frame(op, left, s0, len, s, k, 4 * cnt), buf, off + a, cnt,
                            stepMode, deadline);
                    if (s + 1 < total) {
                        sendSegment(op, s0, len, s + 1, k, buf, off, c, links[right], done);
                    }
                }
            }
            done.await(deadline, "rank " + worldRanks[rank] + " in op #" + s0 + " " + op);
        } catch (CommException e) {
            throw fail(e);
        }
    }

    private void sendSegment(Frame.Op op, long s0, int len, int step, int k, float[] buf, int off, int chunk,
                             PeerLink to, OpCompletion done) {
        int a = chunkStart(len, chunk) + k * opt.segmentFloats();
        int cnt = Math.min(opt.segmentFloats(), chunkStart(len, chunk + 1) - a);
        done.expect(1);
        to.enqueue(new PeerLink.Outgoing(new Frame(op, rank, s0, len, step, k, 4 * cnt), buf, null, off + a, cnt,
                done));
    }

    /** Pipelined chain root -> root+1 -> ... : each segment is forwarded as soon as it arrives. */
    private void chain(Frame.Op op, float[] fbuf, byte[] bbuf, int off, int len, int root) {
        long s0 = beginOp();
        if (size == 1) {
            return;
        }
        int pos = Math.floorMod(rank - root, size);
        int right = (rank + 1) % size;
        int left = (rank + size - 1) % size;
        int seg = fbuf != null ? opt.segmentFloats() : 4 * opt.segmentFloats();
        int elem = fbuf != null ? 4 : 1;
        OpCompletion done = new OpCompletion();
        long deadline = System.nanoTime() + opt.opTimeoutMs() * 1_000_000;
        try {
            int k = 0;
            for (int a = 0; a < len || k == 0; a += seg, k++) {
                int cnt = Math.min(seg, len - a);
                if (pos > 0) {
                    Frame want = new Frame(op, left, s0, len, 0, k, elem * cnt);
                    if (fbuf != null) {
                        links[left].receiveFloats(want, fbuf, off + a, cnt, PeerLink.COPY, deadline);
                    } else {
                        links[left].receiveBytes(want, bbuf, off + a, cnt, deadline);
                    }
                }
                if (pos < size - 1) {
                    done.expect(1);
                    links[right].enqueue(new PeerLink.Outgoing(new Frame(op, rank, s0, len, 0, k, elem * cnt), fbuf,
                            bbuf, off + a, cnt, done));
                }
            }
            done.await(deadline, "rank " + worldRanks[rank] + " in op #" + s0 + " " + op);
        } catch (CommException e) {
            throw fail(e);
        }
    }

    private int chunkStart(int len, int chunk) {
        return (int) ((long) chunk * len / size);
    }

    /** Segments of a chunk; an empty chunk still sends one empty segment so every step synchronises. */
    private int segments(int len, int chunk) {
        int n = chunkStart(len, chunk + 1) - chunkStart(len, chunk);
        return Math.max(1, (n + opt.segmentFloats() - 1) / opt.segmentFloats());
    }

    private long beginOp() {
        usable();
        return seq++;
    }

    private void usable() {
        if (closed) {
            throw new IllegalStateException("communicator of rank " + worldRanks[rank] + " is closed");
        }
        if (broken != null) {
            throw new CommException("communicator of rank " + worldRanks[rank] + " failed earlier: "
                    + broken.getMessage(), broken);
        }
    }

    /** The first error breaks the communicator: its connections are dropped so peers fail fast too. */
    private CommException fail(CommException e) {
        if (broken == null) {
            broken = e;
            for (PeerLink l : links) {
                if (l != null) {
                    l.abort();
                }
            }
        }
        return e;
    }

    private int validateMembers(int[] members) {
        int me = -1;
        boolean[] seen = new boolean[size];
        for (int i = 0; i < members.length; i++) {
            checkRank(members[i]);
            if (seen[members[i]]) {
                throw new IllegalArgumentException("rank " + members[i] + " listed twice in subgroup "
                        + Arrays.toString(members));
            }
            seen[members[i]] = true;
            if (members[i] == rank) {
                me = i;
            }
        }
        return me;
    }

    private void requireMultiple(int len) {
        if (len % size != 0) {
            throw new IllegalArgumentException("length " + len + " is not a multiple of the group size " + size);
        }
    }

    private void checkRank(int r) {
        if (r < 0 || r >= size) {
            throw new IllegalArgumentException("rank " + r + " outside a group of " + size);
        }
    }

    private void checkPeer(int r) {
        checkRank(r);
        if (r == rank) {
            throw new IllegalArgumentException("rank " + rank + " cannot send to or receive from itself");
        }
    }

    /**
     * Closes subgroups, lets queued sends go out, then half-closes every connection and waits
     * briefly for the peers to do the same, so no peer loses data it has not read yet. All ranks
     * should close at about the same time (as processes ending a job do).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TcpCommunicator c : children) {
            c.close();
        }
        if (broken != null) {
            return;
        }
        for (PeerLink l : links) {
            if (l != null) {
                l.finishWriting(Math.min(opt.peerTimeoutMs(), 10_000));
            }
        }
        // peers closing at about the same time half-close within milliseconds; a peer that is
        // still busy gets our data and end-of-stream anyway, so the wait is short
        long until = System.nanoTime() + Math.min(opt.peerTimeoutMs(), 2_000) * 1_000_000;
        for (PeerLink l : links) {
            if (l != null) {
                l.drainAndClose(until);
            }
        }
    }

    private static void closeQuietly(ServerSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // the listener has done its job; nothing depends on closing it cleanly
            }
        }
    }
}
