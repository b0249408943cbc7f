package org.neox.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neox.util.UserError;

/**
 * NumPy {@code .npy} format version 1.0 for the index maps: little-endian int32 ({@code <i4}),
 * uint32 ({@code <u4}, held in Java ints as bit patterns) and int64 ({@code <i8}), C order.
 * Writes go to a temporary file renamed into place.
 */
final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<|>]?[iu][48])'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([0-9,\\s]*)\\)");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*True");

    /** An array read back: values widened to long, and its shape. */
    record Array(long[] values, long[] shape, String descr) {
    }

    private Npy() {
    }

    /** Writes int values with NumPy dtype {@code descr} ("<i4" or "<u4") and the given shape. */
    static void writeInts(Path path, int[] values, String descr, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        write(path, b.array(), descr, shape);
    }

    static void writeLongs(Path path, long[] values, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        write(path, b.array(), "<i8", shape);
    }

    private static void write(Path path, byte[] data, String descr, long[] shape) throws IOException {
        StringBuilder s = new StringBuilder();
        for (long d : shape) {
            s.append(d).append(shape.length == 1 ? "," : ", ");
        }
        String dims = shape.length == 1 ? s.toString() : s.substring(0, s.length() - 2);
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': ("
                + dims + "), }");
        // pad with spaces so magic + length + header (ending in \n) is a multiple of 64
        while ((MAGIC.length + 2 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        Path tmp = Path.of(path + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (OutputStream o = Files.newOutputStream(tmp)) {
            o.write(MAGIC);
            o.write(header.length() & 0xFF);
            o.write(header.length() >>> 8);
            o.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            o.write(data);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Array read(Path path) {
        try {
            byte[] all = Files.readAllBytes(path);
            for (int i = 0; i < 6; i++) {
                if (all.length < 10 || all[i] != MAGIC[i]) {
                    throw new UserError(path + ": not a .npy file (bad magic)");
                }
            }
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            int major = all[6];
            int hlen = major == 1 ? (b.getShort(8) & 0xFFFF) : b.getInt(8);
            int start = major == 1 ? 10 : 12;
            if (hlen < 0 || start + hlen > all.length) {
                throw new UserError(path + ": truncated .npy header (" + all.length + " bytes)");
            }
            String header = new String(all, start, hlen, StandardCharsets.US_ASCII);
            Matcher d = DESCR.matcher(header);
            Matcher sh = SHAPE.matcher(header);
            if (!d.find() || !sh.find() || FORTRAN.matcher(header).find() || d.group(1).startsWith(">")) {
                throw new UserError(path + ": unsupported .npy header " + header.trim()
                        + "; expected little-endian int32/uint32/int64 in C order");
            }
            String descr = d.group(1).replace("|", "<");
            long[] shape = java.util.Arrays.stream(sh.group(1).split(","))
                    .map(String::trim).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
            long count = java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            int item = descr.endsWith("8") ? 8 : 4;
            if (all.length - start - hlen != count * item) {
                throw new UserError(path + ": holds " + (all.length - start - hlen) + " data bytes, shape "
                        + java.util.Arrays.toString(shape) + " needs " + count * item + " (truncated?)");
            }
            b.position(start + hlen);
            long[] v = new long[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = item == 8 ? b.getLong() : descr.contains("u") ? b.getInt() & 0xFFFFFFFFL : b.getInt();
            }
            return new Array(v, shape, descr);
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage(), e);
        }
    }
}
