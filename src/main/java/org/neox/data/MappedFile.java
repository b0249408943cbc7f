package org.neox.data;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only little-endian file mapped in 1 GiB chunks with long offsets, so files over 2 GiB
 * work (one MappedByteBuffer holds at most 2^31-1 bytes). Values that straddle a chunk
 * boundary are assembled byte by byte.
 */
final class MappedFile {
    private static final int DEFAULT_CHUNK_BITS = 30;

    private final int chunkBits;
    private final long chunk;
    private final Path path;
    private final long length;
    private final MappedByteBuffer[] chunks;

    MappedFile(Path path) throws IOException {
        this(path, DEFAULT_CHUNK_BITS);
    }

    /** Maps in chunks of 2^chunkBits bytes (small values let tests cross chunk boundaries). */
    MappedFile(Path path, int chunkBits) throws IOException {
        this.path = path;
        this.chunkBits = chunkBits;
        this.chunk = 1L << chunkBits;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            length = ch.size();
            int n = (int) ((length + chunk - 1) / chunk);
            chunks = new MappedByteBuffer[n];
            for (int i = 0; i < n; i++) {
                long start = i * chunk;
                chunks[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(chunk, length - start));
                chunks[i].order(ByteOrder.LITTLE_ENDIAN);
            }
        }
    }

    Path path() {
        return path;
    }

    long length() {
        return length;
    }

    int u8(long off) {
        return chunks[(int) (off >>> chunkBits)].get((int) (off & (chunk - 1))) & 0xFF;
    }

    int u16(long off) {
        int pos = (int) (off & (chunk - 1));
        if (pos + 2 <= chunk) {
            return chunks[(int) (off >>> chunkBits)].getShort(pos) & 0xFFFF;
        }
        return u8(off) | (u8(off + 1) << 8);
    }

    int i32(long off) {
        int pos = (int) (off & (chunk - 1));
        if (pos + 4 <= chunk) {
            return chunks[(int) (off >>> chunkBits)].getInt(pos);
        }
        return u16(off) | (u16(off + 2) << 16);
    }

    long i64(long off) {
        return (i32(off) & 0xFFFFFFFFL) | ((long) i32(off + 4) << 32);
    }
}
