package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsF32WithEmptyScalarAndZeroDimTensorsAndMetadata() {
        float[] flat = {1, 2, 3, 4, 5, 6, 7.5f};
        List<NamedTensor> ts = List.of(
                new NamedTensor("a", new long[] {2, 3}, flat, 1),
                NamedTensor.of("empty", new long[] {0}, new float[0]),
                NamedTensor.of("zero_dim", new long[] {2, 0, 3}, new float[0]),
                NamedTensor.of("scalar", new long[] {}, new float[] {-0.25f}));
        Path f = dir.resolve("x.safetensors");
        SafetensorsWriter.Written w = SafetensorsWriter.write(f, ts, Map.of("format", "pt"), DType.F32);
        assertEquals(DurableFiles.crc32c(f), w);
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertEquals(List.of("a", "empty", "zero_dim", "scalar"), r.names());
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertArrayEquals(new float[] {2, 3, 4, 5, 6, 7.5f}, r.read("a"));
            assertArrayEquals(new long[] {2, 3}, r.info("a").shape());
            assertEquals(0, r.read("empty").length);
            assertArrayEquals(new long[] {2, 0, 3}, r.info("zero_dim").shape());
            assertArrayEquals(new float[] {-0.25f}, r.read("scalar"));
            assertArrayEquals(new long[] {}, r.info("scalar").shape());
        }
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        for (String name : List.of("a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh")) {
            Path f = dir.resolve(name + ".safetensors");
            SafetensorsWriter.write(f, List.of(NamedTensor.of(name, new long[] {1}, new float[] {1})), null, DType.F32);
            byte[] b = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8);
            String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.stripTrailing().endsWith("}"));
            assertTrue(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '));
            assertEquals(8 + n + 4, b.length);
        }
    }

    @Test
    void f16AndBf16ReadAsFloatAndF16WriteIsExactForHalfValues() {
        float[] v = {1f, -2.5f, 65504f, 0x1p-24f, 0f};
        Path f = dir.resolve("h.safetensors");
        SafetensorsWriter.write(f, List.of(NamedTensor.of("h", new long[] {5}, v)), null, DType.F16);
        Path g = dir.resolve("b.safetensors");
        SafetensorsWriter.write(g, List.of(NamedTensor.of("b", new long[] {5}, v)), null, DType.BF16);
        try (SafetensorsFile r = SafetensorsFile.open(f); SafetensorsFile s = SafetensorsFile.open(g)) {
            assertEquals("F16", r.info("h").dtypeName());
            assertArrayEquals(v, r.read("h"));
            assertEquals("BF16", s.info("b").dtypeName());
            assertArrayEquals(new float[] {1f, -2.5f, 65536f, 0x1p-24f, 0f}, s.read("b"));
        }
    }

    @Test
    void readsHandWrittenFileWithUnsortedOffsetsAndOtherDtypes() throws IOException {
        // "b" is stored before "a"; "m" is a BOOL buffer: opens, but cannot be read as floats
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[12,14]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        ByteBuffer data = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(9f).putFloat(1f).putFloat(2f).put((byte) 1).put((byte) 0);
        Path f = raw(header, data.array());
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertArrayEquals(new float[] {1f, 2f}, r.read("a"));
            assertArrayEquals(new float[] {9f}, r.read("b"));
            UserError e = assertThrows(UserError.class, () -> r.read("m"));
            assertTrue(e.getMessage().contains("BOOL"), e.getMessage());
        }
    }

    @Test
    void badOffsetsAreClearErrors() throws IOException {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(raw(overlap, new byte[8]), "overlap");
        String beyond = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertBad(raw(beyond, new byte[8]), "beyond the data section");
        String hole = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(raw(hole, new byte[8]), "belong to no tensor");
        String trailing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertBad(raw(trailing, new byte[8]), "cover 4");
        String wrongSize = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertBad(raw(wrongSize, new byte[8]), "needs 12 bytes");
        String negative = "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}";
        assertBad(raw(negative, new byte[0]), "non-negative");
        String huge = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}";
        assertBad(raw(huge, new byte[8]), "too large");
        String dtype = "{\"a\":{\"dtype\":\"F99\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertBad(raw(dtype, new byte[4]), "unknown dtype F99");
    }

    @Test
    void badHeadersAreClearErrorsNeverOutOfMemory() throws IOException {
        assertBad(withLength(1L << 60, new byte[16]), "impossible");
        assertBad(withLength(-8, new byte[16]), "impossible");
        assertBad(withLength(1000, new byte[16]), "impossible");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertBad(tiny, "less than the 8-byte");
        assertBad(raw("{\"a\": [1, 2", new byte[0]), "not valid JSON");
        assertBad(raw("[1, 2]", new byte[0]), "not a JSON object");
        assertBad(raw("{} {}", new byte[0]), "not valid JSON");
        assertBad(raw("", new byte[0]), "not a JSON object");
        byte[] notUtf8 = {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'};
        assertBad(rawBytes(notUtf8, new byte[0]), "not valid UTF-8");
        String dup = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        assertBad(raw(dup, new byte[4]), "Duplicate field");
        assertBad(raw("{\"__metadata__\": {\"k\": 1}}", new byte[0]), "__metadata__");
    }

    @Test
    void truncatedFileIsReportedWithItsName() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafetensorsWriter.write(f, List.of(NamedTensor.of("w", new long[] {64}, new float[64])), null, DType.F32);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 5));
        UserError e = assertThrows(UserError.class, () -> SafetensorsFile.open(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void shapeMismatchOnReadNamesTensorAndBothShapes() {
        Path f = dir.resolve("s.safetensors");
        SafetensorsWriter.write(f, List.of(NamedTensor.of("w", new long[] {2, 3}, new float[6])), null, DType.F32);
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            UserError e = assertThrows(UserError.class, () -> r.readInto("w", new long[] {3, 2}, new float[6], 0));
            assertTrue(e.getMessage().contains("w") && e.getMessage().contains("[2, 3]")
                    && e.getMessage().contains("[3, 2]"), e.getMessage());
        }
    }

    @Test
    void largeTensorsAreReadThroughSeveralMaps() {
        float[] v = new float[1001];
        for (int i = 0; i < v.length; i++) {
            v[i] = i - 500.5f;
        }
        for (DType d : DType.values()) {
            Path f = dir.resolve("chunks-" + d + ".safetensors");
            SafetensorsWriter.write(f, List.of(NamedTensor.of("pad", new long[] {3}, new float[] {1, 2, 3}),
                    NamedTensor.of("v", new long[] {7, 143}, v)), null, d);
            float[] whole;
            try (SafetensorsFile r = SafetensorsFile.open(f)) {
                whole = r.read("v");
            }
            try (SafetensorsFile r = SafetensorsFile.open(f, 12)) {
                assertArrayEquals(whole, r.read("v"), d.toString());
                assertArrayEquals(new float[] {1, 2, 3}, r.read("pad"));
            }
            if (d != DType.BF16) {
                assertArrayEquals(v, whole, d.toString()); // these values are exact in F32 and F16
            }
        }
    }

    private void assertBad(Path f, String fragment) {
        UserError e = assertThrows(UserError.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(f.toString()), e.getMessage());
    }

    private Path raw(String header, byte[] data) throws IOException {
        return rawBytes(header.getBytes(StandardCharsets.UTF_8), data);
    }

    private int counter;

    private Path rawBytes(byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Path f = dir.resolve("raw" + (counter++) + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path withLength(long n, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(rest);
        Path f = dir.resolve("len" + (counter++) + ".safetensors");
        Files.write(f, b.array());
        return f;
    }
}
