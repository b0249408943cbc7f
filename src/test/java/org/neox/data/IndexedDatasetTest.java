package org.neox.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

class IndexedDatasetTest {
    @TempDir
    Path dir;

    private Path writeSpecVector() throws IOException {
        Path prefix = dir.resolve("vec");
        try (IndexedDatasetWriter w = new IndexedDatasetWriter(prefix, 50257)) {
            w.addItem(new int[] {50256, 11, 12});
            w.endDocument();
            w.addItem(new int[] {13, 50256});
            w.endDocument();
            w.commit();
        }
        return prefix;
    }

    /** Spec §3.2 test vector, byte for byte. */
    @Test
    void specTestVector() throws IOException {
        Path prefix = writeSpecVector();
        HexFormat hex = HexFormat.of();
        assertEquals("50c40b000c000d0050c4", hex.formatHex(Files.readAllBytes(Path.of(prefix + ".bin"))));
        String idx = "4d4d4944494458000001000000000000000802000000000000000300000000000000"
                + "0300000002000000" + "0000000000000000" + "0600000000000000"
                + "0000000000000000" + "0100000000000000" + "0200000000000000";
        assertEquals(idx, hex.formatHex(Files.readAllBytes(Path.of(prefix + ".idx"))));
        assertEquals(82, Files.size(Path.of(prefix + ".idx")));
        assertTrue(Files.notExists(Path.of(prefix + ".bin.tmp")));
    }

    @Test
    void readsBack() throws IOException {
        MMapIndexedDataset ds = MMapIndexedDataset.open(writeSpecVector());
        assertEquals(2, ds.length());
        assertArrayEquals(new int[] {50256, 11, 12}, ds.get(0));
        assertArrayEquals(new int[] {13, 50256}, ds.get(1));
        assertArrayEquals(new long[] {0, 1, 2}, ds.docIdx());
        int[] part = new int[2];
        ds.read(0, 1, 2, part, 0);
        assertArrayEquals(new int[] {11, 12}, part);
    }

    @Test
    void int32ForLargeVocab() throws IOException {
        Path prefix = dir.resolve("big");
        try (IndexedDatasetWriter w = new IndexedDatasetWriter(prefix, 70000)) {
            w.addItem(new int[] {69999, 1});
            w.endDocument();
            w.commit();
        }
        MMapIndexedDataset ds = MMapIndexedDataset.open(prefix);
        assertEquals(TokenDtype.INT32, ds.dtype());
        assertArrayEquals(new int[] {69999, 1}, ds.get(0));
        assertEquals(8, Files.size(Path.of(prefix + ".bin")));
    }

    @Test
    void abandonedWriterLeavesNothing() throws IOException {
        Path prefix = dir.resolve("gone");
        try (IndexedDatasetWriter w = new IndexedDatasetWriter(prefix, 100)) {
            w.addItem(new int[] {1, 2});
        }
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void truncatedBinIsNamed() throws IOException {
        Path prefix = writeSpecVector();
        Path bin = Path.of(prefix + ".bin");
        byte[] b = Files.readAllBytes(bin);
        Files.write(bin, java.util.Arrays.copyOf(b, b.length - 2));
        UserError e = assertThrows(UserError.class, () -> MMapIndexedDataset.open(prefix));
        assertTrue(e.getMessage().contains("vec.bin") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedOrCorruptIndexIsNamed() throws IOException {
        Path prefix = writeSpecVector();
        Path idx = Path.of(prefix + ".idx");
        byte[] good = Files.readAllBytes(idx);
        Files.write(idx, java.util.Arrays.copyOf(good, 60));
        UserError e = assertThrows(UserError.class, () -> MMapIndexedDataset.open(prefix));
        assertTrue(e.getMessage().contains("vec.idx") && e.getMessage().contains("truncated"), e.getMessage());
        byte[] bad = good.clone();
        bad[0] = 'X';
        Files.write(idx, bad);
        e = assertThrows(UserError.class, () -> MMapIndexedDataset.open(prefix));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        bad = good.clone();
        bad[34] = 9; // sizes[0] = 9 no longer matches the pointers
        Files.write(idx, bad);
        e = assertThrows(UserError.class, () -> MMapIndexedDataset.open(prefix));
        assertTrue(e.getMessage().contains("item 1"), e.getMessage());
        Files.delete(idx);
        e = assertThrows(UserError.class, () -> MMapIndexedDataset.open(prefix));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    /** Values straddling a mapping chunk boundary (the > 2 GiB path, with 16-byte chunks). */
    @Test
    void readsAcrossChunkBoundaries() throws IOException {
        Path f = dir.resolve("raw");
        byte[] b = new byte[64];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        Files.write(f, b);
        MappedFile m = new MappedFile(f, 4);
        MappedFile whole = new MappedFile(f);
        for (int off = 0; off + 8 <= 64; off++) {
            assertEquals(whole.u16(off), m.u16(off));
            assertEquals(whole.i32(off), m.i32(off));
            assertEquals(whole.i64(off), m.i64(off));
        }
        assertEquals(0x11100f0e, m.i32(14));
    }
}
