package org.neox.data;

import java.io.BufferedOutputStream;
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
 * NumPy {@code .npy} format version 1.0 for the index maps: writes little-endian int32
 * ({@code <i4}) and uint32 ({@code <u4}, held in Java ints as bit patterns) through a temporary
 * file renamed into place; reads those and int64 ({@code <i8}, values must fit 32 bits), C order.
 */
final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<|>]?[iu][48])'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([0-9,\\s]*)\\)");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*True");

    /** An array read back: 32-bit values (uint32 as bit patterns), its shape and dtype. */
    record Array(int[] values, long[] shape, String descr) {
    }

    private Npy() {
    }

    /** Writes int values with NumPy dtype {@code descr} ("<i4" or "<u4") and the given shape. */
    static void writeInts(Path path, int[] values, String descr, long... shape) throws IOException {
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
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            o.write(MAGIC);
            o.write(header.length() & 0xFF);
            o.write(header.length() >>> 8);
            o.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : values) {
                if (!b.hasRemaining()) {
                    o.write(b.array(), 0, b.position());
                    b.clear();
                }
                b.putInt(v);
            }
            o.write(b.array(), 0, b.position());
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads an index map through a mapping (no 2 GiB limit on the file, no long[] copy). */
    static Array read(Path path) {
        try {
            MappedFile f = new MappedFile(path);
            for (int i = 0; i < 6; i++) {
                if (f.length() < 10 || f.u8(i) != (MAGIC[i] & 0xFF)) {
                    throw new UserError(path + ": not a .npy file (bad magic)");
                }
            }
            int major = f.u8(6);
            long hlen = major == 1 ? f.u16(8) : f.i32(8) & 0xFFFFFFFFL;
            int start = major == 1 ? 10 : 12;
            if (start + hlen > f.length()) {
                throw new UserError(path + ": truncated .npy header (" + f.length() + " bytes)");
            }
            byte[] hb = new byte[(int) hlen];
            for (int i = 0; i < hb.length; i++) {
                hb[i] = (byte) f.u8(start + i);
            }
            String header = new String(hb, StandardCharsets.US_ASCII);
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
            long data = f.length() - start - hlen;
            if (data != count * item || count > Integer.MAX_VALUE - 8) {
                throw new UserError(path + ": holds " + data + " data bytes, shape "
                        + java.util.Arrays.toString(shape) + " needs " + count * item + " (truncated?)");
            }
            return new Array(values(f, path, start + hlen, (int) count, item), shape, descr);
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** 4-byte values as stored (uint32 as bit patterns); 8-byte values must fit an int. */
    private static int[] values(MappedFile f, Path path, long at, int count, int item) {
        int[] v = new int[count];
        for (int i = 0; i < count; i++) {
            if (item == 4) {
                v[i] = f.i32(at + 4L * i);
            } else {
                long x = f.i64(at + 8L * i);
                if (x != (int) x) {
                    throw new UserError(path + ": value " + x + " at " + i + " does not fit 32 bits");
                }
                v[i] = (int) x;
            }
        }
        return v;
    }
}
