package org.neox.comm;

import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One authenticated connection to a peer rank, over a non-blocking {@link SocketChannel} with
 * direct buffers (one copy between the heap arrays and the kernel each way). Writes go through a
 * writer thread (so a rank can send to one neighbour while receiving from another without
 * deadlock), which also sends a heartbeat whenever the link is idle; the owner's thread reads
 * frames directly. A read that sees no bytes for {@code peerTimeoutMs} reports the peer as hung;
 * end of stream reports it as dead. When the peer is on the same host, payloads go through
 * shared-memory rings ({@link ShmNegotiation}) and the connection carries only the headers.
 */
final class PeerLink {
    /** One queued message: a header and a float or byte payload range; {@code done} may be null. */
    record Outgoing(Frame frame, float[] floats, byte[] bytes, int off, int count, OpCompletion done) {
    }

    static final int COPY = 0;
    static final int ADD = 1;
    static final int MAX = 2;
    private static final Outgoing STOP = new Outgoing(null, null, null, 0, 0, null);
    private static final Frame HEARTBEAT = new Frame(Frame.Op.HEARTBEAT, 0, 0, 0, 0, 0, 0);

    final int peerRank;
    private final String me;
    private final String peer;
    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;
    private final CommOptions options;
    private final LinkedBlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Receive buffer: a header, then one segment's payload, little-endian. */
    private final ByteBuffer rx;
    private final float[] rxFloats;
    /** Shared-memory payload rings for what this side sends / receives; null where TCP carries them. */
    private final ShmRing txRing;
    private final ShmRing rxRing;
    /** Serialises writes to the connection between the writer thread and inline sends. */
    private final Object sendLock = new Object();
    /** Guarded by {@link #sendLock}: scratch for a header; a header-only buffer for inline sends. */
    private final byte[] headerBytes = new byte[Frame.BYTES];
    private final ByteBuffer inlineTx = ByteBuffer.allocateDirect(Frame.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** Guarded by {@link #sendLock}: shared-memory messages queued or being written by the writer thread. */
    private int pending;
    private volatile IOException writeError;
    private volatile boolean closed;

    PeerLink(Socket socket, int peerRank, String me, String peer, CommOptions options) throws IOException {
        this.channel = socket.getChannel();
        this.peerRank = peerRank;
        this.me = me;
        this.peer = peer;
        this.options = options;
        socket.setTcpNoDelay(true);
        ShmNegotiation.Rings rings = ShmNegotiation.negotiate(socket, options, me, peer);
        this.txRing = rings.tx();
        this.rxRing = rings.rx();
        channel.configureBlocking(false);
        this.readable = Selector.open();
        this.writable = Selector.open();
        channel.register(readable, SelectionKey.OP_READ);
        channel.register(writable, SelectionKey.OP_WRITE);
        this.rx = ByteBuffer.allocateDirect(Frame.BYTES + 4 * options.segmentFloats()).order(ByteOrder.LITTLE_ENDIAN);
        this.rxFloats = new float[options.segmentFloats()];
        this.writer = new Thread(this::writeLoop, "neox-comm " + me + "->" + peer);
        writer.setDaemon(true);
        writer.start();
    }

    void enqueue(Outgoing o) {
        IOException e = writeError;
        if (e != null) {
            throw new CommException(me + ": sending to " + peer + " failed earlier: " + e.getMessage(), e);
        }
        if (txRing != null && sentInline(o)) {
            return;
        }
        queue.add(o);
        if (writeError != null) {
            // the writer died between the check and the add: fail what it will never send
            failQueued(writeError);
        }
    }

    /**
     * Over shared memory a message goes out on the caller's thread when nothing is queued before
     * it and its slot is free: the header write cannot block, and the writer thread's wake-up per
     * segment is saved. Otherwise it is counted as pending and queued for the writer, in order.
     */
    private boolean sentInline(Outgoing o) {
        synchronized (sendLock) {
            if (pending == 0 && (o.frame().payloadBytes() == 0 || txRing.hasFreeSlot())) {
                try {
                    write(o.frame(), o, inlineTx);
                } catch (IOException | ClosedSelectorException e) {
                    throw new CommException(me + ": sending to " + peer + " failed: " + e, e);
                }
                if (o.done() != null) {
                    o.done().completeOne();
                }
                return true;
            }
            pending++;
            return false;
        }
    }

    /**
     * Reads the next data frame, which must match {@code want}, and its float payload into
     * {@code dst[off, off+count)}: copied, added ({@link #ADD}) or max-ed ({@link #MAX}) in.
     */
    void receiveFloats(Frame want, float[] dst, int off, int count, int mode, long deadlineNanos) {
        readFrame(want, deadlineNanos);
        ByteBuffer payload = payload(4 * count, want);
        if (mode == COPY) {
            payload.asFloatBuffer().get(dst, off, count);
        } else {
            payload.asFloatBuffer().get(rxFloats, 0, count);
            reduce(dst, off, count, mode);
        }
        payloadDone(4 * count);
    }

    private void reduce(float[] dst, int off, int count, int mode) {
        if (mode == ADD) {
            for (int i = 0; i < count; i++) {
                dst[off + i] += rxFloats[i];
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst[off + i] = Math.max(dst[off + i], rxFloats[i]);
            }
        }
    }

    void receiveBytes(Frame want, byte[] dst, int off, int count, long deadlineNanos) {
        readFrame(want, deadlineNanos);
        payload(count, want).get(dst, off, count);
        payloadDone(count);
    }

    /** The payload of the frame just read: its shared-memory slot, or read from the connection into {@code rx}. */
    private ByteBuffer payload(int bytes, Frame during) {
        if (rxRing != null && bytes > 0) {
            return rxRing.takeSlot();
        }
        readFully(bytes, during);
        return rx;
    }

    private void payloadDone(int bytes) {
        if (rxRing != null && bytes > 0) {
            rxRing.consumed();
        }
    }

    boolean sharedMemory() {
        return txRing != null && rxRing != null;
    }

    private void readFrame(Frame want, long deadlineNanos) {
        while (true) {
            readFully(Frame.BYTES, want);
            byte[] h = new byte[Frame.BYTES];
            rx.get(h);
            Frame got = Frame.read(h);
            if (got.type() != Frame.Op.HEARTBEAT) {
                if (!got.matches(want)) {
                    throw new CommException("operation mismatch: " + me + " expected " + want.describe() + " from "
                            + peer + ", but " + peer + " sent " + got.describe());
                }
                return;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new CommException(me + ": " + peer + " is alive but did not take part in " + want.describe()
                        + " within the operation deadline of " + options.opTimeoutMs() / 1000.0 + " s");
            }
        }
    }

    /** Fills {@code rx[0, len)} from the channel and flips it for reading. */
    private void readFully(int len, Frame during) {
        rx.clear().limit(len);
        try {
            long quietSince = System.nanoTime();
            while (rx.hasRemaining()) {
                int n = channel.read(rx);
                if (n < 0) {
                    throw new EOFException("end of stream");
                }
                if (n > 0) {
                    quietSince = System.nanoTime();
                    continue;
                }
                long left = options.peerTimeoutMs() - (System.nanoTime() - quietSince) / 1_000_000;
                if (left <= 0) {
                    throw new CommException(me + ": no data or heartbeat from " + peer + " for "
                            + options.peerTimeoutMs() / 1000.0 + " s during " + during.describe()
                            + " (the peer is hung, stopped or unreachable)");
                }
                readable.select(left);
                readable.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            throw new CommException(me + ": connection to " + peer + " lost during " + during.describe()
                    + " (the peer process exited or was killed): " + e, e);
        }
        rx.flip();
    }

    private void writeLoop() {
        ByteBuffer tx = ByteBuffer.allocateDirect(Frame.BYTES + 4 * options.segmentFloats())
                .order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                Outgoing o = queue.poll(options.heartbeatMs(), TimeUnit.MILLISECONDS);
                if (o == STOP) {
                    return;
                }
                if (o != null && o.frame().payloadBytes() > 0 && txRing != null) {
                    awaitFreeSlot();
                }
                synchronized (sendLock) {
                    write(o == null ? HEARTBEAT : o.frame(), o, tx);
                    if (o != null && txRing != null) {
                        pending--;
                    }
                }
                if (o != null && o.done() != null) {
                    o.done().completeOne();
                }
            }
        } catch (ClosedSelectorException e) {
            writeError = new IOException("link closed", e);
            failQueued(writeError);
        } catch (IOException e) {
            writeError = e;
            failQueued(e);
        } catch (InterruptedException e) {
            writeError = new IOException("link closed");
            failQueued(writeError);
        }
    }

    /**
     * Writes one message: its payload into the next shared-memory slot (which must be free) and
     * the header to the connection, or header and payload to the connection through {@code tx}.
     */
    private void write(Frame f, Outgoing o, ByteBuffer tx) throws IOException {
        tx.clear();
        f.write(headerBytes);
        tx.put(headerBytes);
        if (f.payloadBytes() > 0 && txRing != null) {
            putPayload(o, txRing.nextSlot());
            txRing.published();
        } else if (f.payloadBytes() > 0) {
            putPayload(o, tx);
        }
        tx.flip();
        writeFully(tx);
    }

    /** Copies a message's payload to {@code dst} at its position (a segment never exceeds the buffers). */
    private static void putPayload(Outgoing o, ByteBuffer dst) {
        if (o.floats() != null) {
            dst.asFloatBuffer().put(o.floats(), o.off(), o.count());
            dst.position(dst.position() + 4 * o.count());
        } else {
            dst.put(o.bytes(), o.off(), o.count());
        }
    }

    /**
     * Waits until the peer has consumed a slot. A peer that is alive but busy elsewhere is waited
     * for (as a full TCP send buffer would be); heartbeats sent meanwhile fail on a dead peer.
     */
    private void awaitFreeSlot() throws IOException {
        long pauseNanos = 1_000;
        long lastBeat = System.nanoTime();
        while (!txRing.hasFreeSlot()) {
            if (closed || Thread.interrupted()) {
                throw new IOException("link closed");
            }
            LockSupport.parkNanos(pauseNanos);
            pauseNanos = Math.min(2 * pauseNanos, 200_000);
            if ((System.nanoTime() - lastBeat) / 1_000_000 >= options.heartbeatMs()) {
                synchronized (sendLock) {
                    write(HEARTBEAT, null, inlineTx);
                }
                lastBeat = System.nanoTime();
            }
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.write(b) == 0) {
                if (closed) {
                    throw new IOException("link closed");
                }
                writable.select(options.heartbeatMs());
                writable.selectedKeys().clear();
            }
        }
    }

    private synchronized void failQueued(IOException e) {
        Outgoing o;
        while ((o = queue.poll()) != null) {
            if (o.done() != null) {
                o.done().fail(new CommException(me + ": sending to " + peer + " failed: " + e, e));
            }
        }
    }

    /** Lets queued messages go out, stops the writer and half-closes: the peer reads end of stream. */
    void finishWriting(long waitMs) {
        queue.add(STOP);
        try {
            writer.join(waitMs);
            if (writer.isAlive()) {
                closed = true;
                writer.interrupt();
            } else {
                channel.shutdownOutput();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the peer is gone already; closing below is all that is left
        }
    }

    /**
     * Reads and drops what the peer still sends until it half-closes too or the time is up, so
     * closing leaves no unread bytes (which would make TCP reset the connection and could drop
     * data still on its way to the peer).
     */
    void drainAndClose(long untilNanos) {
        try {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            while (true) {
                long left = (untilNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                sink.clear();
                int n = channel.read(sink);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    readable.select(left);
                    readable.selectedKeys().clear();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            // reset by the peer: close anyway
        }
        abort();
    }

    /** Closes at once; a writer blocked on a hung peer is released. */
    void abort() {
        closed = true;
        writer.interrupt();
        try {
            channel.close();
            readable.close();
            writable.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
