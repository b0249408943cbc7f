package org.neox.comm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual challenge-response authentication of a new connection with the per-job secret:
 * <pre>
 *   acceptor  -> connector : MAGIC, nonceA[16]
 *   connector -> acceptor  : MAGIC, nonceC[16], rank, size, groupId, HMAC(k, "C" nonceA nonceC rank size groupId)
 *   acceptor  -> connector : 0, rank, HMAC(k, "A" nonceA nonceC rank size groupId)  |  1, reason (UTF)
 * </pre>
 * The secret itself never crosses the wire; a process without it cannot produce the MAC.
 */
final class Handshake {
    static final int MAGIC = 0x4E454F58; // "NEOX"
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;
    private final int size;
    private final long groupId;

    Handshake(byte[] secret, int size, long groupId) {
        this.secret = secret.clone();
        this.size = size;
        this.groupId = groupId;
    }

    /** Connector side; returns the acceptor's rank (already checked to be {@code expectPeer}). */
    void connect(DataInputStream in, DataOutputStream out, int myRank, int expectPeer) throws IOException {
        if (in.readInt() != MAGIC) {
            throw new CommException("rank " + myRank + ": the process at the rank " + expectPeer
                    + " address is not a neox communicator");
        }
        byte[] nonceA = in.readNBytes(16);
        byte[] nonceC = nonce();
        out.writeInt(MAGIC);
        out.write(nonceC);
        out.writeInt(myRank);
        out.writeInt(size);
        out.writeLong(groupId);
        out.write(mac('C', nonceA, nonceC, myRank));
        out.flush();
        int status = in.read();
        if (status == 1) {
            throw new CommException("rank " + expectPeer + " rejected rank " + myRank + ": " + in.readUTF());
        }
        if (status != 0) {
            throw new CommException("rank " + expectPeer + " closed the connection from rank " + myRank
                    + " during authentication (wrong NEOX_JOB_SECRET?)");
        }
        int peer = in.readInt();
        byte[] proof = in.readNBytes(32);
        if (peer != expectPeer || !MessageDigest.isEqual(proof, mac('A', nonceA, nonceC, peer))) {
            throw new CommException("rank " + myRank + ": the peer claiming to be rank " + expectPeer
                    + " failed authentication (it does not hold this job's secret)");
        }
    }

    /**
     * Acceptor side; returns the authenticated connector's rank, or throws after telling the
     * connector why it was rejected.
     */
    int accept(DataInputStream in, DataOutputStream out, int myRank) throws IOException {
        byte[] nonceA = nonce();
        out.writeInt(MAGIC);
        out.write(nonceA);
        out.flush();
        if (in.readInt() != MAGIC) {
            throw new CommException("rank " + myRank + ": rejected a connection that does not speak the neox protocol");
        }
        byte[] nonceC = in.readNBytes(16);
        int peer = in.readInt();
        int peerSize = in.readInt();
        long peerGroup = in.readLong();
        byte[] proof = in.readNBytes(32);
        if (proof.length != 32 || !MessageDigest.isEqual(proof, macFor('C', nonceA, nonceC, peer, peerSize, peerGroup))) {
            reject(out, "authentication failed: wrong job secret (NEOX_JOB_SECRET)");
            throw new CommException("rank " + myRank + ": rejected a connection claiming rank " + peer
                    + ": authentication failed (wrong job secret)");
        }
        if (peerGroup != groupId || peerSize != size || peer < 0 || peer >= size || peer == myRank) {
            String why = "peer says rank " + peer + " of " + peerSize + " in group " + peerGroup + ", expected a rank of "
                    + size + " in group " + groupId;
            reject(out, why);
            throw new CommException("rank " + myRank + ": rejected a connection: " + why);
        }
        out.write(0);
        out.writeInt(myRank);
        out.write(mac('A', nonceA, nonceC, myRank));
        out.flush();
        return peer;
    }

    private static void reject(DataOutputStream out, String why) throws IOException {
        out.write(1);
        out.writeUTF(why);
        out.flush();
    }

    private byte[] mac(char role, byte[] nonceA, byte[] nonceC, int rank) {
        return macFor(role, nonceA, nonceC, rank, size, groupId);
    }

    private byte[] macFor(char role, byte[] nonceA, byte[] nonceC, int rank, int sz, long group) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            m.update((byte) role);
            m.update(nonceA);
            m.update(nonceC);
            m.update(ByteBuffer.allocate(16).putInt(rank).putInt(sz).putLong(group).array());
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return b;
    }

    static byte[] secretBytes(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new CommException("the job secret (NEOX_JOB_SECRET) is empty; the launcher sets it");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }
}
