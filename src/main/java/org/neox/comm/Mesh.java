package org.neox.comm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection set-up: the world's rendezvous at rank 0 and the full mesh of authenticated
 * connections within a group (rank i connects to every lower rank and accepts every higher one).
 */
final class Mesh {
    private static final Logger LOG = LoggerFactory.getLogger(Mesh.class);
    private static final int ACCEPT_HANDSHAKE_MS = 10_000;

    /** The world's links (null at this rank) and every rank's reachable host. */
    record World(PeerLink[] links, String[] hosts) {
    }

    private Mesh() {
    }

    /** A listener whose accepted sockets have channels (the links use non-blocking NIO). */
    static ServerSocket listen(int port, int backlog) throws IOException {
        ServerSocket ss = ServerSocketChannel.open().socket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(port), Math.max(50, backlog));
        return ss;
    }

    /** Rank 0 listens at the master port; the others join there, then connect pairwise. */
    static World joinWorld(int rank, int size, String masterAddr, int masterPort, byte[] secret,
                           CommOptions opt) throws IOException {
        long deadline = System.nanoTime() + opt.joinTimeoutMs() * 1_000_000;
        Handshake hs = new Handshake(secret, size, 0);
        if (rank == 0) {
            try (ServerSocket ss = listen(masterPort, size)) {
                return hostRendezvous(ss, size, masterAddr, hs, opt, deadline);
            }
        }
        try (ServerSocket listener = listen(0, size)) {
            Socket master = connect(masterAddr, masterPort, deadline, rank, 0);
            DataInputStream in = new DataInputStream(master.getInputStream());
            DataOutputStream out = new DataOutputStream(master.getOutputStream());
            hs.connect(in, out, rank, 0);
            out.writeInt(listener.getLocalPort());
            out.flush();
            String[] hosts = new String[size];
            int[] ports = new int[size];
            hosts[0] = masterAddr;
            for (int j = 1; j < size; j++) {
                hosts[j] = in.readUTF();
                ports[j] = in.readInt();
            }
            Socket[] sockets = new Socket[size];
            sockets[0] = master;
            connectGroup(rank, size, listener, hosts, ports, hs, sockets, deadline);
            return new World(links(sockets, rank, identity(size), opt), hosts);
        }
    }

    private static World hostRendezvous(ServerSocket ss, int size, String masterAddr, Handshake hs,
                                        CommOptions opt, long deadline) throws IOException {
        Socket[] sockets = new Socket[size];
        String[] hosts = new String[size];
        int[] ports = new int[size];
        hosts[0] = masterAddr;
        try {
            for (int joined = 0; joined < size - 1; ) {
                Socket s = accept(ss, deadline, 0, sockets);
                try {
                    s.setSoTimeout(ACCEPT_HANDSHAKE_MS);
                    int peer = hs.accept(new DataInputStream(s.getInputStream()),
                            new DataOutputStream(s.getOutputStream()), 0);
                    if (sockets[peer] != null) {
                        throw new CommException("rank 0: a second process joined as rank " + peer);
                    }
                    ports[peer] = new DataInputStream(s.getInputStream()).readInt();
                    hosts[peer] = s.getInetAddress().getHostAddress();
                    sockets[peer] = s;
                    joined++;
                } catch (CommException | IOException e) {
                    LOG.warn("rank 0: refused a connection from {}: {}", s.getRemoteSocketAddress(), e.getMessage());
                    s.close();
                }
            }
            for (int peer = 1; peer < size; peer++) {
                DataOutputStream out = new DataOutputStream(sockets[peer].getOutputStream());
                for (int j = 1; j < size; j++) {
                    out.writeUTF(hosts[j]);
                    out.writeInt(ports[j]);
                }
                out.flush();
            }
        } catch (CommException | IOException e) {
            closeAll(sockets);
            throw e;
        }
        return new World(links(sockets, 0, identity(size), opt), hosts);
    }

    /**
     * Connects this group rank to every lower rank's listener and accepts every higher rank,
     * filling {@code sockets} (entries already present are kept).
     */
    static void connectGroup(int rank, int size, ServerSocket listener, String[] hosts, int[] ports,
                             Handshake hs, Socket[] sockets, long deadline) throws IOException {
        try {
            for (int j = 0; j < rank; j++) {
                if (sockets[j] == null) {
                    Socket s = connect(hosts[j], ports[j], deadline, rank, j);
                    sockets[j] = s;
                    hs.connect(new DataInputStream(s.getInputStream()), new DataOutputStream(s.getOutputStream()),
                            rank, j);
                }
            }
            int missing = size - 1 - rank;
            while (missing > 0) {
                Socket s = accept(listener, deadline, rank, sockets);
                try {
                    s.setSoTimeout(ACCEPT_HANDSHAKE_MS);
                    int peer = hs.accept(new DataInputStream(s.getInputStream()),
                            new DataOutputStream(s.getOutputStream()), rank);
                    if (peer < rank || sockets[peer] != null) {
                        throw new CommException("group rank " + rank + ": unexpected connection from group rank " + peer);
                    }
                    sockets[peer] = s;
                    missing--;
                } catch (CommException | IOException e) {
                    LOG.warn("group rank {}: refused a connection from {}: {}", rank, s.getRemoteSocketAddress(),
                            e.getMessage());
                    s.close();
                }
            }
        } catch (CommException | IOException e) {
            closeAll(sockets);
            throw e;
        }
    }

    static PeerLink[] links(Socket[] sockets, int rank, int[] worldRanks, CommOptions opt) throws IOException {
        PeerLink[] links = new PeerLink[sockets.length];
        for (int j = 0; j < sockets.length; j++) {
            if (j != rank) {
                links[j] = new PeerLink(sockets[j], j, "rank " + worldRanks[rank], "rank " + worldRanks[j], opt);
            }
        }
        return links;
    }

    private static Socket connect(String host, int port, long deadline, int me, int peer) throws IOException {
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new CommException("rank " + me + ": could not connect to rank " + peer + " at " + host + ":"
                        + port + " before the join deadline");
            }
            Socket s = SocketChannel.open().socket();
            try {
                s.connect(new InetSocketAddress(host, port), (int) Math.min(left, 5_000));
                s.setSoTimeout((int) Math.max(1, left));
                return s;
            } catch (ConnectException | SocketTimeoutException e) {
                s.close();
                sleep(100);
            }
        }
    }

    private static Socket accept(ServerSocket ss, long deadline, int me, Socket[] have) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        try {
            ss.setSoTimeout((int) Math.max(1, left));
            return ss.accept();
        } catch (SocketTimeoutException e) {
            List<Integer> missing = new ArrayList<>();
            for (int j = me + 1; j < have.length; j++) {
                if (have[j] == null) {
                    missing.add(j);
                }
            }
            throw new CommException("rank " + me + ": timed out waiting for ranks " + missing + " to connect", e);
        }
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static void closeAll(Socket[] sockets) {
        for (Socket s : sockets) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing after a failure
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommException("interrupted while connecting", e);
        }
    }
}
