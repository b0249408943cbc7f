package org.neox.comm;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * One direction of a link between two ranks on the same host: a file in shared memory
 * ({@code /dev/shm}) mapped by both, holding {@code slots} payload slots used round-robin. The
 * sender copies a payload into the next slot and then sends only the frame header over TCP; the
 * receiver, having read the header, takes the payload from the slot and marks it consumed. This
 * replaces TCP's two kernel copies per payload with none (the copies between the heap arrays
 * and the slots remain), and the TCP connection still carries headers, heartbeats and end of
 * stream, so deadlines and failure detection are unchanged.
 *
 * <p>Layout: {@code [0,16)} nonce (proves the receiver mapped the sender's file), {@code [16,24)}
 * consumed count (written by the receiver, release/acquire), {@code [64, 64 + slots·slotBytes)}
 * the slots. Payload bytes are published by the TCP header that follows them (a release fence
 * before the send, an acquire fence after the receive).
 */
final class ShmRing {
    static final Path DIR = Path.of("/dev/shm");
    static final int NONCE_BYTES = 16;
    private static final int CONSUMED = 16;
    private static final int HEADER = 64;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
            ByteOrder.nativeOrder());

    /** The mapping; Java cannot unmap it explicitly, so its pages go when the link is collected. */
    private final MappedByteBuffer map;
    /** Little-endian views of the slots, {@code slotBytes} each. */
    private final ByteBuffer[] slotViews;
    private final int slotBytes;
    /** Payloads written (sender side) or taken (receiver side) so far. */
    private long count;

    private ShmRing(MappedByteBuffer map, int slots, int slotBytes) {
        this.map = map;
        this.slotBytes = slotBytes;
        this.slotViews = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            slotViews[i] = map.slice(HEADER + i * slotBytes, slotBytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    static long fileBytes(int slots, int slotBytes) {
        return HEADER + (long) slots * slotBytes;
    }

    /**
     * Creates and maps a new ring file readable only by this user, with every page allocated
     * now: a full tmpfs fails here with an IOException instead of a bus error on first use.
     */
    static ShmRing create(Path file, int slots, int slotBytes, byte[] nonce) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = fileBytes(slots, slotBytes);
            ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
            for (long at = 0; at < size; at += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, at + zeros.position());
                }
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            map.put(0, nonce);
            return new ShmRing(map, slots, slotBytes);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Maps the peer's ring file; refuses a file of another size or with another nonce. */
    static ShmRing open(Path file, int slots, int slotBytes, byte[] nonce) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = fileBytes(slots, slotBytes);
            if (ch.size() != size) {
                throw new IOException(file + " has " + ch.size() + " bytes, expected " + size);
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            byte[] got = new byte[NONCE_BYTES];
            map.get(0, got);
            if (!Arrays.equals(got, nonce)) {
                throw new IOException(file + " is not the peer's ring (nonce differs)");
            }
            return new ShmRing(map, slots, slotBytes);
        }
    }

    static byte[] newNonce(SecureRandom random) {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return n;
    }

    int slotBytes() {
        return slotBytes;
    }

    /** Sender: whether the receiver has consumed enough for the next slot to be free. */
    boolean hasFreeSlot() {
        return count - (long) LONGS.getAcquire(map, CONSUMED) < slotViews.length;
    }

    /** Sender: the next slot, cleared, little-endian, {@code slotBytes} long; then {@link #published()}. */
    ByteBuffer nextSlot() {
        return slot(count);
    }

    /** Sender: the slot from {@link #nextSlot()} is filled; its header may now be sent. */
    void published() {
        count++;
        VarHandle.releaseFence();
    }

    /** Receiver: the payload announced by the header just read. */
    ByteBuffer takeSlot() {
        VarHandle.acquireFence();
        return slot(count);
    }

    /** Receiver: the slot from {@link #takeSlot()} has been copied out and may be reused. */
    void consumed() {
        count++;
        LONGS.setRelease(map, CONSUMED, count);
    }

    private ByteBuffer slot(long n) {
        return slotViews[(int) (n % slotViews.length)].clear();
    }
}
