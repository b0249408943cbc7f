package org.neox.comm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per direction of a freshly authenticated connection, whether payloads travel through
 * a shared-memory {@link ShmRing}: each side creates a ring for what it sends and offers its path
 * and nonce; the peer maps it if it can (same host, same {@code /dev/shm}) and says so. A peer on
 * another host, a full or missing {@code /dev/shm}, or {@code NEOX_COMM_SHM=0} on either side
 * leaves that direction on plain TCP. The ring files are unlinked as soon as both sides have
 * answered, so nothing stays in {@code /dev/shm} once the link is up.
 *
 * <p>Both sides write their offer before reading the peer's, and every rank sets up its links
 * in ascending peer order, so set-up cannot deadlock.
 */
final class ShmNegotiation {
    /** Payload slots per direction: enough for a sender to run a few segments ahead. */
    static final int SLOTS = 4;
    private static final Logger LOG = LoggerFactory.getLogger(ShmNegotiation.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "neox-comm-";

    /** The ring this side sends through and the one it receives from; either may be null (TCP). */
    record Rings(ShmRing tx, ShmRing rx) {
    }

    private ShmNegotiation() {
    }

    /** Runs the exchange on the (still blocking) socket of a new link. */
    static Rings negotiate(Socket socket, CommOptions opt, String me, String peer) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int slotBytes = 4 * opt.segmentFloats();
        byte[] nonce = ShmRing.newNonce(RANDOM);
        Path txFile = ShmRing.DIR.resolve(PREFIX + HexFormat.of().formatHex(ShmRing.newNonce(RANDOM)));
        ShmRing tx = opt.sharedMemory() ? tryCreate(txFile, slotBytes, nonce, me, peer) : null;
        try {
            out.writeUTF(tx == null ? "" : txFile.toString());
            out.write(nonce);
            out.writeInt(slotBytes);
            out.flush();
            String peerFile = in.readUTF();
            byte[] peerNonce = in.readNBytes(ShmRing.NONCE_BYTES);
            int peerSlotBytes = in.readInt();
            ShmRing rx = opt.sharedMemory() && !peerFile.isEmpty()
                    ? tryOpen(peerFile, peerSlotBytes, peerNonce, me, peer) : null;
            out.writeBoolean(rx != null);
            out.flush();
            boolean peerMapped = in.readBoolean();
            return new Rings(peerMapped ? tx : null, rx);
        } finally {
            Files.deleteIfExists(txFile);
        }
    }

    private static ShmRing tryCreate(Path file, int slotBytes, byte[] nonce, String me, String peer) {
        try {
            return ShmRing.create(file, SLOTS, slotBytes, nonce);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("{}: no shared memory towards {} ({}); payloads go over TCP", me, peer, e.toString());
            return null;
        }
    }

    /** Maps the peer's ring; only a neox ring file directly in the shared-memory directory is accepted. */
    private static ShmRing tryOpen(String name, int slotBytes, byte[] nonce, String me, String peer) {
        Path file = Path.of(name);
        if (!ShmRing.DIR.equals(file.getParent()) || !file.getFileName().toString().startsWith(PREFIX)) {
            LOG.warn("{}: {} offered {} as its ring, which is not a neox ring in {}; using TCP", me, peer, name,
                    ShmRing.DIR);
            return null;
        }
        try {
            return ShmRing.open(file, SLOTS, slotBytes, nonce);
        } catch (IOException e) {
            LOG.debug("{}: cannot map {}'s ring ({}), e.g. it is on another host; payloads go over TCP", me, peer,
                    e.toString());
            return null;
        }
    }
}
