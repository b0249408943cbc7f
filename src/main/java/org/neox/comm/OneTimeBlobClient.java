package org.neox.comm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The client of a {@link OneTimeBlobServer}: fetches the blob of a one-time token, then waits
 * for the server's go. Failures are {@link CommException}s saying what the server answered.
 */
public final class OneTimeBlobClient implements AutoCloseable {
    /** Larger answers are not a blob of this protocol. */
    private static final int MAX_BLOB_BYTES = 256 << 20;

    private final Socket socket;
    private final DataInputStream in;
    private final byte[] blob;

    private OneTimeBlobClient(Socket socket, DataInputStream in, byte[] blob) {
        this.socket = socket;
        this.in = in;
        this.blob = blob;
    }

    /** Connects to {@code host:port}, presents {@code token} and reads the blob, each within {@code timeout}. */
    public static OneTimeBlobClient fetch(String host, int port, String token, Duration timeout) {
        Socket s = new Socket();
        try {
            int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            s.connect(new InetSocketAddress(host, port), ms);
            s.setSoTimeout(ms);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(OneTimeBlobServer.MAGIC);
            out.writeUTF(token);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int status = in.read();
            if (status == 1) {
                throw new CommException(host + ":" + port + " refused the token: " + in.readUTF());
            }
            if (status != 0) {
                throw new CommException(host + ":" + port + " closed the connection without answering");
            }
            int len = in.readInt();
            if (len < 0 || len > MAX_BLOB_BYTES) {
                throw new CommException(host + ":" + port + " announced a blob of " + len + " bytes");
            }
            return new OneTimeBlobClient(s, in, in.readNBytes(len));
        } catch (IOException e) {
            close(s);
            throw new CommException("could not fetch from " + host + ":" + port + ": " + e, e);
        } catch (RuntimeException e) {
            close(s);
            throw e;
        }
    }

    public byte[] blob() {
        return blob.clone();
    }

    /** Waits up to {@code timeout} for the server's go; throws when it calls the start off or stays silent. */
    public void awaitGo(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            int b = in.read();
            if (b != OneTimeBlobServer.GO) {
                throw new EOFException();
            }
        } catch (SocketTimeoutException e) {
            throw new CommException("no go from " + socket.getRemoteSocketAddress() + " within " + timeout.toSeconds()
                    + " s", e);
        } catch (IOException e) {
            throw new CommException(socket.getRemoteSocketAddress() + " called the start off", e);
        }
    }

    @Override
    public void close() {
        close(socket);
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to release beyond the socket
        }
    }
}
