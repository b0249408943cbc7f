package org.neox.comm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated connection to a peer rank. Writes go through a writer thread (so a rank can
 * send to one neighbour while receiving from another without deadlock), which also sends a
 * heartbeat whenever the link is idle; the owner's thread reads frames directly. A read that sees
 * no bytes for {@code peerTimeoutMs} reports the peer as hung; end of stream reports it as dead.
 */
final class PeerLink {
    /** One queued message: a header and a float or byte payload range; {@code done} may be null. */
    record Outgoing(Frame frame, float[] floats, byte[] bytes, int off, int count, OpCompletion done) {
    }

    static final int COPY = 0;
    static final int ADD = 1;
    static final int MAX = 2;
    private static final Outgoing STOP = new Outgoing(null, null, null, 0, 0, null);

    final int peerRank;
    private final String me;
    private final String peer;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final CommOptions options;
    private final LinkedBlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final byte[] rx;
    private final float[] rxFloats;
    private volatile IOException writeError;

    PeerLink(Socket socket, int peerRank, String me, String peer, CommOptions options) throws IOException {
        this.socket = socket;
        this.peerRank = peerRank;
        this.me = me;
        this.peer = peer;
        this.options = options;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, options.peerTimeoutMs()));
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.rx = new byte[Frame.BYTES + 4 * options.segmentFloats()];
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
        queue.add(o);
    }

    /**
     * Reads the next data frame, which must match {@code want}, and its float payload into
     * {@code dst[off, off+count)}: copied, added ({@link #ADD}) or max-ed ({@link #MAX}) in.
     */
    void receiveFloats(Frame want, float[] dst, int off, int count, int mode, long deadlineNanos) {
        readFrame(want, deadlineNanos);
        int bytes = 4 * count;
        readFully(rx, Frame.BYTES, bytes, want);
        ByteBuffer.wrap(rx, Frame.BYTES, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rxFloats, 0, count);
        if (mode == ADD) {
            for (int i = 0; i < count; i++) {
                dst[off + i] += rxFloats[i];
            }
        } else if (mode == MAX) {
            for (int i = 0; i < count; i++) {
                dst[off + i] = Math.max(dst[off + i], rxFloats[i]);
            }
        } else {
            System.arraycopy(rxFloats, 0, dst, off, count);
        }
    }

    void receiveBytes(Frame want, byte[] dst, int off, int count, long deadlineNanos) {
        readFrame(want, deadlineNanos);
        readFully(dst, off, count, want);
    }

    private void readFrame(Frame want, long deadlineNanos) {
        while (true) {
            readFully(rx, 0, Frame.BYTES, want);
            Frame got = Frame.read(rx);
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

    private void readFully(byte[] dst, int off, int len, Frame during) {
        try {
            while (len > 0) {
                int n = in.read(dst, off, len);
                if (n < 0) {
                    throw new EOFException();
                }
                off += n;
                len -= n;
            }
        } catch (SocketTimeoutException e) {
            throw new CommException(me + ": no data or heartbeat from " + peer + " for "
                    + options.peerTimeoutMs() / 1000.0 + " s during " + during.describe()
                    + " (the peer is hung, stopped or unreachable)", e);
        } catch (IOException e) {
            throw new CommException(me + ": connection to " + peer + " lost during " + during.describe()
                    + " (the peer process exited or was killed): " + e, e);
        }
    }

    private void writeLoop() {
        byte[] tx = new byte[Frame.BYTES + 4 * options.segmentFloats()];
        Frame heartbeat = new Frame(Frame.Op.HEARTBEAT, 0, 0, 0, 0, 0, 0);
        try {
            while (true) {
                Outgoing o = queue.poll(options.heartbeatMs(), TimeUnit.MILLISECONDS);
                if (o == STOP) {
                    return;
                }
                if (o == null) {
                    heartbeat.write(tx);
                    out.write(tx, 0, Frame.BYTES);
                    continue;
                }
                tx = write(o, tx);
                if (o.done() != null) {
                    o.done().completeOne();
                }
            }
        } catch (IOException e) {
            writeError = e;
            failQueued(e);
        } catch (InterruptedException e) {
            failQueued(new IOException("link closed"));
        }
    }

    private byte[] write(Outgoing o, byte[] tx) throws IOException {
        int bytes = o.frame().payloadBytes();
        if (tx.length < Frame.BYTES + bytes) {
            tx = new byte[Frame.BYTES + bytes];
        }
        o.frame().write(tx);
        if (o.floats() != null) {
            ByteBuffer.wrap(tx, Frame.BYTES, bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                    .put(o.floats(), o.off(), o.count());
        } else if (bytes > 0) {
            System.arraycopy(o.bytes(), o.off(), tx, Frame.BYTES, bytes);
        }
        out.write(tx, 0, Frame.BYTES + bytes);
        return tx;
    }

    private void failQueued(IOException e) {
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
                writer.interrupt();
            } else {
                socket.shutdownOutput();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the peer is gone already; closing below is all that is left
        }
    }

    /**
     * Reads and drops what the peer still sends until it half-closes too or the time is up, so
     * closing leaves no unread bytes (which would make TCP reset the peer's connection and drop
     * data the peer has not read yet).
     */
    void drainAndClose(long untilNanos) {
        try {
            byte[] sink = new byte[4096];
            while (true) {
                long left = (untilNanos - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                if (in.read(sink) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // timed out or reset: close anyway
        }
        abort();
    }

    /** Closes at once; a writer blocked on a hung peer is released. */
    void abort() {
        writer.interrupt();
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
