package org.neox.ckpt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.neox.util.UserError;

/**
 * A safetensors file opened for reading: the header is parsed and validated on open (so a
 * truncated or corrupt file fails here, with the file's name), and tensor data are read
 * through memory maps of at most {@link #MAP_CHUNK} bytes, converting F16/BF16 to float.
 * Nothing is allocated from the header's claims before they are checked against the file size.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest single mapping; tensors beyond it are read in several maps. */
    static final int MAP_CHUNK = 1 << 28;

    private final Path path;
    private final int mapChunk;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;

    private SafetensorsFile(Path path, int mapChunk, FileChannel channel, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.mapChunk = mapChunk;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
    }

    public static SafetensorsFile open(Path path) {
        return open(path, MAP_CHUNK);
    }

    /** As {@link #open(Path)} with a given largest mapping (small values test the chunking). */
    static SafetensorsFile open(Path path, int mapChunk) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserError("safetensors file " + path + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
        try {
            return readHeader(path, mapChunk, ch);
        } catch (RuntimeException | IOException e) {
            closeQuietly(ch);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot read " + path, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static SafetensorsFile readHeader(Path path, int mapChunk, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw SafetensorsHeader.bad(path, "file has " + size + " bytes, less than the 8-byte header length");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.getLong(0);
        if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES || n > size - 8) {
            throw SafetensorsHeader.bad(path, "header length " + Long.toUnsignedString(n)
                    + " is impossible for a file of " + size + " bytes (limit "
                    + SafetensorsHeader.MAX_HEADER_BYTES + "); not a safetensors file or truncated");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        hb.flip();
        SafetensorsHeader header = SafetensorsHeader.parse(path, hb, size - 8 - n);
        return new SafetensorsFile(path, mapChunk, ch, 8 + n, header);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(header.tensors.keySet());
    }

    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(header.tensors);
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(header.metadata);
    }

    public boolean contains(String name) {
        return header.tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = header.tensors.get(name);
        if (t == null) {
            throw new UserError("safetensors file " + path + " has no tensor \"" + name + "\"");
        }
        return t;
    }

    /** The tensor as a fresh float array (converted from its stored dtype). */
    public float[] read(String name) {
        TensorInfo t = info(name);
        float[] out = new float[Math.toIntExact(t.numel())];
        readInto(name, t.shape(), out, 0);
        return out;
    }

    /** Reads the tensor as a {@link NamedTensor} view of a fresh array. */
    public NamedTensor readTensor(String name) {
        return NamedTensor.of(name, info(name).shape(), read(name));
    }

    /**
     * Reads tensor {@code name} into {@code dst[offset..)}, after checking that its stored
     * shape equals {@code expectedShape} (error names the tensor and both shapes).
     */
    public void readInto(String name, long[] expectedShape, float[] dst, int offset) {
        TensorInfo t = info(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new UserError("tensor " + name + " in " + path + " has shape " + t.shapeString()
                    + " but the model expects " + Arrays.toString(expectedShape));
        }
        DType dtype = t.dtype();
        if (dtype == null) {
            throw new UserError("tensor " + name + " in " + path + " has dtype " + t.dtypeName()
                    + "; neox reads F32, F16 and BF16");
        }
        int n = Math.toIntExact(t.numel());
        if (offset < 0 || offset + n > dst.length) {
            throw new IllegalArgumentException("destination too small for " + name);
        }
        int perChunk = Math.max(1, mapChunk / dtype.bytes());
        long pos = dataStart + t.begin();
        for (int done = 0; done < n; ) {
            int count = Math.min(perChunk, n - done);
            ByteBuffer buf = map(pos, (long) count * dtype.bytes());
            dtype.decode(buf, dst, offset + done, count);
            done += count;
            pos += (long) count * dtype.bytes();
        }
    }

    private ByteBuffer map(long pos, long bytes) {
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, pos, bytes);
            return m.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + path, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only channel: nothing was written that a failed close could lose
        }
    }
}
