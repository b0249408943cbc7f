package org.neox.ckpt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes a safetensors file: 8-byte little-endian header length, a JSON header padded with
 * spaces to a multiple of 8 bytes, then the tensors' raw little-endian data in the order
 * given. Data are streamed through a small buffer (no copy of the whole file in memory) and
 * the file is forced to disk before returning. Returns the file's size and CRC32C.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUFFER_BYTES = 1 << 22;

    private SafetensorsWriter() {
    }

    /** Written file: its byte count and CRC32C of all bytes (hex, 8 digits). */
    public record Written(long bytes, String crc32c) {
    }

    public static Written write(Path file, List<NamedTensor> tensors, Map<String, String> metadata, DType dtype) {
        byte[] header = headerBytes(tensors, metadata, dtype);
        CRC32C crc = new CRC32C();
        long total = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(header.length);
            total += flushIfFull(ch, buf, crc, 8);
            for (int i = 0; i < header.length; ) {
                int n = Math.min(buf.remaining(), header.length - i);
                buf.put(header, i, n);
                i += n;
                total += flushIfFull(ch, buf, crc, 1);
            }
            int perFloat = dtype.bytes();
            for (NamedTensor t : tensors) {
                for (int done = 0; done < t.numel(); ) {
                    total += flushIfFull(ch, buf, crc, perFloat);
                    int n = Math.min(buf.remaining() / perFloat, t.numel() - done);
                    dtype.encode(t.data(), t.offset() + done, n, buf);
                    done += n;
                }
            }
            total += drain(ch, buf, crc);
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return new Written(total, String.format("%08x", crc.getValue()));
    }

    /** The header JSON with its padding; offsets assume the tensors are laid out in list order. */
    static byte[] headerBytes(List<NamedTensor> tensors, Map<String, String> metadata, DType dtype) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        Set<String> seen = new HashSet<>();
        long at = 0;
        for (NamedTensor t : tensors) {
            if (!seen.add(t.name()) || t.name().equals("__metadata__")) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + t.name());
            }
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", dtype.name());
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = at + (long) t.numel() * dtype.bytes();
            e.putArray("data_offsets").add(at).add(end);
            at = end;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    private static long flushIfFull(FileChannel ch, ByteBuffer buf, CRC32C crc, int need) throws IOException {
        return buf.remaining() < need ? drain(ch, buf, crc) : 0;
    }

    private static long drain(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
        buf.flip();
        long n = buf.remaining();
        crc.update(buf.duplicate());
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
        return n;
    }
}
