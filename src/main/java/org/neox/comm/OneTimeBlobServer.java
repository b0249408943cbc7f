package org.neox.comm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Hands out byte blobs over TCP, each to the first client that presents its one-time token, and
 * holds the client's connection until {@link #release()} (go) or {@link #close()} (called off):
 * <pre>
 *   client -> server : MAGIC, token (UTF)
 *   server -> client : 0, length, blob[length] ... later GO  |  1, reason (UTF)
 * </pre>
 * A token is spent on its first presentation: presenting it again is refused and reported to
 * the {@link SpentTokenListener}, since it means a second party holds the token; an unknown token
 * is refused. Listens on every interface, on a port chosen by the system.
 */
public final class OneTimeBlobServer implements AutoCloseable {
    static final int MAGIC = 0x4E58424C; // "NXBL"
    static final int GO = 'G';
    /** A client must present its token this soon after connecting. */
    private static final int TOKEN_READ_TIMEOUT_MS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Told when a spent token is presented again: by whom first and by whom now. */
    @FunctionalInterface
    public interface SpentTokenListener {
        void presentedAgain(String label, String firstFrom, String againFrom);
    }

    private static final class Entry {
        final String label;
        final byte[] token;
        byte[] blob;
        String fetchedFrom;

        Entry(String label, byte[] token, byte[] blob) {
            this.label = label;
            this.token = token;
            this.blob = blob;
        }
    }

    private final ServerSocket socket;
    private final String what;
    private final SpentTokenListener listener;
    private final List<Entry> entries = new ArrayList<>();
    private boolean released;
    private boolean closed;

    private OneTimeBlobServer(ServerSocket socket, String what, SpentTokenListener listener) {
        this.socket = socket;
        this.what = what;
        this.listener = listener;
    }

    /** Starts listening; {@code what} names the blobs in messages (e.g. "start-up plan"). */
    public static OneTimeBlobServer open(String what, SpentTokenListener listener) throws IOException {
        OneTimeBlobServer s = new OneTimeBlobServer(new ServerSocket(0), what, listener);
        Thread t = new Thread(s::acceptLoop, "neox-blob-server");
        t.setDaemon(true);
        t.start();
        return s;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Offers {@code blob} under a fresh random token (128 bits, hex), which it returns. */
    public synchronized String offer(String label, byte[] blob) {
        byte[] token = new byte[16];
        RANDOM.nextBytes(token);
        String hex = HexFormat.of().formatHex(token);
        entries.add(new Entry(label, hex.getBytes(StandardCharsets.US_ASCII), blob.clone()));
        return hex;
    }

    /**
     * Waits until every blob has been fetched; throws naming the labels of those that were not
     * after {@code timeout}, or when the server is closed first.
     */
    public synchronized void awaitAllFetched(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!closed && !unfetched().isEmpty()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new CommException(String.join(", ", unfetched()) + " did not fetch " + (unfetched().size() > 1
                        ? "their " : "its ") + what + " within " + seconds(timeout) + " s");
            }
            wait(Math.max(1, left / 1_000_000));
        }
        if (closed) {
            throw new CommException("the " + what + " server was closed");
        }
    }

    /** The labels whose blob nobody has fetched yet. */
    public synchronized List<String> unfetched() {
        return entries.stream().filter(e -> e.fetchedFrom == null).map(e -> e.label).collect(Collectors.toList());
    }

    /** Sends GO to every client holding a blob, then stops serving. */
    public void release() {
        synchronized (this) {
            released = true;
            notifyAll();
        }
        close();
    }

    /** Stops serving; clients still waiting for GO see their connection close (called off). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            entries.forEach(e -> e.blob = null);
            notifyAll();
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing a listener cannot fail in a way that matters
        }
    }

    private void acceptLoop() {
        while (true) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread t = new Thread(() -> serve(s), "neox-blob-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(TOKEN_READ_TIMEOUT_MS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            if (in.readInt() != MAGIC) {
                return;
            }
            byte[] token = in.readUTF().getBytes(StandardCharsets.US_ASCII);
            String from = s.getInetAddress().getHostAddress();
            byte[] blob = take(token, from, out);
            if (blob == null) {
                return;
            }
            out.write(0);
            out.writeInt(blob.length);
            out.write(blob);
            out.flush();
            if (awaitRelease()) {
                out.write(GO);
                out.flush();
            }
        } catch (IOException e) {
            // a client that hangs up or speaks garbage gets nothing
        }
    }

    /** The blob of {@code token}, now spent, or null after telling the client why it gets none. */
    private byte[] take(byte[] token, String from, DataOutputStream out) throws IOException {
        Entry hit = null;
        String refusal;
        synchronized (this) {
            for (Entry e : entries) {
                // constant-time comparison: response times must not reveal a token's prefix
                if (MessageDigest.isEqual(e.token, token)) {
                    hit = e;
                }
            }
            if (hit != null && hit.fetchedFrom == null && !closed) {
                hit.fetchedFrom = from;
                byte[] blob = hit.blob;
                hit.blob = null;
                notifyAll();
                return blob;
            }
            refusal = hit == null ? "unknown token" : closed ? "the " + what + " server is closed"
                    : "token already used";
        }
        if (hit != null && hit.fetchedFrom != null) {
            // before answering, so that the refused client cannot be faster than the report
            listener.presentedAgain(hit.label, hit.fetchedFrom, from);
        }
        out.write(1);
        out.writeUTF(refusal);
        out.flush();
        return null;
    }

    private synchronized boolean awaitRelease() {
        while (!closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                return false;
            }
        }
        return released;
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
