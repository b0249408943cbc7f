package org.neox.comm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Header of one message on a {@link PeerLink}, 32 bytes little-endian:
 * {@code type, senderRank, seq (long), len, step, segment, payloadBytes}. {@code seq} numbers the
 * group's collectives (or a pair's point-to-point messages), {@code len} is the whole operation's
 * element count, and {@code step}/{@code segment} place the payload within a ring or chain.
 */
record Frame(Op type, int sender, long seq, int len, int step, int segment, int payloadBytes) {
    static final int BYTES = 32;

    /** Operation types; {@code HEARTBEAT} frames carry nothing and are skipped by readers. */
    enum Op {
        HEARTBEAT, ALL_REDUCE_SUM, ALL_REDUCE_MAX, REDUCE_SCATTER_SUM, ALL_GATHER, BROADCAST_FLOATS,
        BROADCAST_BYTES, BARRIER, SUBGROUP, SEND
    }

    void write(byte[] dst) {
        ByteBuffer.wrap(dst, 0, BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(type.ordinal()).putInt(sender)
                .putLong(seq).putInt(len).putInt(step).putInt(segment).putInt(payloadBytes);
    }

    static Frame read(byte[] src) {
        ByteBuffer b = ByteBuffer.wrap(src, 0, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int t = b.getInt();
        if (t < 0 || t >= Op.values().length) {
            throw new CommException("corrupt frame: unknown op type " + t);
        }
        return new Frame(Op.values()[t], b.getInt(), b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }

    /** Whether this received frame is the one the reader expects (sender aside). */
    boolean matches(Frame want) {
        return type == want.type && seq == want.seq && len == want.len && step == want.step
                && segment == want.segment && payloadBytes == want.payloadBytes;
    }

    String describe() {
        String where = type == Op.SEND ? "message #" + seq : "op #" + seq;
        return where + " " + type + " (len " + len + ", step " + step + ", segment " + segment + ", "
                + payloadBytes + " bytes)";
    }
}
