package org.neox.comm;

import java.util.Map;

/**
 * Timeouts and sizes of the TCP communicator.
 *
 * @param joinTimeoutMs   how long rendezvous and connection set-up may take
 * @param peerTimeoutMs   a peer that sends neither data nor heartbeats for this long is hung
 * @param opTimeoutMs     deadline of one operation while the peer is alive but does not arrive
 * @param heartbeatMs     idle connections send a heartbeat this often
 * @param segmentFloats   ring and chain messages are cut into segments of this many floats
 * @param sharedMemory    ranks on the same host pass payloads through shared memory ({@link ShmRing})
 */
public record CommOptions(long joinTimeoutMs, long peerTimeoutMs, long opTimeoutMs, long heartbeatMs,
                          int segmentFloats, boolean sharedMemory) {
    public static final CommOptions DEFAULTS = new CommOptions(120_000, 60_000, 1_800_000, 1_000, 128 * 1024, true);

    public CommOptions {
        if (joinTimeoutMs <= 0 || peerTimeoutMs <= 0 || opTimeoutMs <= 0 || heartbeatMs <= 0
                || heartbeatMs >= peerTimeoutMs || segmentFloats <= 0) {
            throw new IllegalArgumentException("bad communicator options: join " + joinTimeoutMs + " ms, peer "
                    + peerTimeoutMs + " ms, op " + opTimeoutMs + " ms, heartbeat " + heartbeatMs + " ms, segment "
                    + segmentFloats + " floats; all must be positive and heartbeat < peer timeout");
        }
    }

    /**
     * Defaults overridden by {@code NEOX_COMM_JOIN_TIMEOUT_S}, {@code NEOX_COMM_PEER_TIMEOUT_S},
     * {@code NEOX_COMM_OP_TIMEOUT_S} (seconds, may be fractional), {@code NEOX_COMM_SEGMENT_FLOATS}
     * and {@code NEOX_COMM_SHM} ({@code 0} keeps same-host payloads on TCP).
     */
    public static CommOptions fromEnv(Map<String, String> env) {
        CommOptions d = DEFAULTS;
        long peer = seconds(env, "NEOX_COMM_PEER_TIMEOUT_S", d.peerTimeoutMs);
        return new CommOptions(seconds(env, "NEOX_COMM_JOIN_TIMEOUT_S", d.joinTimeoutMs), peer,
                seconds(env, "NEOX_COMM_OP_TIMEOUT_S", d.opTimeoutMs), Math.min(d.heartbeatMs, Math.max(1, peer / 4)),
                (int) number(env, "NEOX_COMM_SEGMENT_FLOATS", d.segmentFloats), !"0".equals(env.get("NEOX_COMM_SHM")));
    }

    public CommOptions withTimeouts(long peerMs, long opMs) {
        return new CommOptions(joinTimeoutMs, peerMs, opMs, Math.min(heartbeatMs, Math.max(1, peerMs / 4)),
                segmentFloats, sharedMemory);
    }

    public CommOptions withSharedMemory(boolean on) {
        return new CommOptions(joinTimeoutMs, peerTimeoutMs, opTimeoutMs, heartbeatMs, segmentFloats, on);
    }

    private static long seconds(Map<String, String> env, String key, long defMs) {
        String v = env.get(key);
        return v == null ? defMs : Math.round(number(env, key, 0) * 1000);
    }

    private static double number(Map<String, String> env, String key, double def) {
        String v = env.get(key);
        if (v == null) {
            return def;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d > 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommException("environment variable " + key + "=" + v + " is not a positive number");
    }
}
