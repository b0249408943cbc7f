package org.neox.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.util.UserError;

/** Spec §3.3-3.5 test vectors and the worked example. */
class IndexMapsTest {
    @TempDir
    Path dir;

    @Test
    void mt19937AndShuffleVectors() {
        NumpyRandomState r = new NumpyRandomState(1234);
        assertEquals(822569775L, r.nextUint32());
        assertEquals(2137449171L, r.nextUint32());
        assertEquals(2671936806L, r.nextUint32());
        int[] a = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        new NumpyRandomState(1234).shuffle(a);
        assertArrayEquals(new int[] {7, 2, 9, 1, 0, 8, 4, 5, 6, 3}, a);
    }

    @Test
    void workedExample() {
        IndexMaps m = IndexMaps.build(new int[] {0, 1, 2, 3, 4}, new int[] {5, 3, 8, 2, 6}, 7, 4, 1234);
        assertArrayEquals(new int[] {2, 2, 4, 1, 0, 3, 4, 0, 1, 3}, m.docIdx());
        assertArrayEquals(new int[] {0, 0, 0, 4, 1, 0, 1, 4, 2, 0, 2, 4, 3, 2, 4, 3, 6, 0, 6, 4, 7, 2, 8, 1},
                m.sampleIdx());
        assertArrayEquals(new int[] {3, 10, 2, 1, 7, 5, 4, 0, 8, 6, 9}, m.shuffleIdx());
        assertEquals(10, m.length());
    }

    /** The worked example through the .bin/.idx, GPT2Dataset and the .npy cache. */
    @Test
    void workedExampleSamplesAndCache() throws IOException {
        Path prefix = dir.resolve("toy");
        int[] sizes = {5, 3, 8, 2, 6};
        try (IndexedDatasetWriter w = new IndexedDatasetWriter(prefix, 1000)) {
            for (int d = 0; d < sizes.length; d++) {
                int[] t = new int[sizes[d]];
                for (int i = 0; i < t.length; i++) {
                    t[i] = 100 * d + i;
                }
                w.addItem(t);
                w.endDocument();
            }
            w.commit();
        }
        MMapIndexedDataset data = MMapIndexedDataset.open(prefix);
        GPT2Dataset ds = GPT2Dataset.create("train", data, new int[] {0, 1, 2, 3, 4}, 7, 4, 1234);
        assertEquals(10, ds.length());
        assertArrayEquals(new int[] {204, 205, 206, 207, 400}, ds.sample(0));
        assertArrayEquals(new int[] {2, 3, 4, 100, 101}, ds.sample(1));
        assertArrayEquals(ds.sample(0), ds.sample(10), "indices wrap modulo the length");
        Path[] f = IndexMaps.cacheFiles(prefix, "train", 7, 4, 1234);
        assertTrue(f[0].toString().endsWith("toy_train_indexmap_7ns_4sl_1234s_doc_idx.npy"));
        for (Path p : f) {
            assertTrue(Files.exists(p), p.toString());
        }
        Npy.Array shuffle = Npy.read(f[2]);
        assertEquals("<u4", shuffle.descr());
        assertArrayEquals(new long[] {12, 2}, Npy.read(f[1]).shape());
        GPT2Dataset cached = GPT2Dataset.create("train", data, new int[] {0, 1, 2, 3, 4}, 7, 4, 1234);
        assertArrayEquals(ds.maps().sampleIdx(), cached.maps().sampleIdx());
        assertArrayEquals(ds.maps().shuffleIdx(), cached.maps().shuffleIdx());
        byte[] header = java.util.Arrays.copyOf(Files.readAllBytes(f[1]), 128);
        String h = new String(header, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(h.startsWith("\u0093NUMPY\u0001\u0000") && h.contains("'descr': '<i4'")
                && h.contains("'shape': (12, 2)"), h);
        Files.write(f[0], java.util.Arrays.copyOf(Files.readAllBytes(f[0]), 70));
        UserError e = assertThrows(UserError.class, () -> Npy.read(f[0]));
        assertTrue(e.getMessage().contains("doc_idx.npy"), e.getMessage());
    }

    @Test
    void splitBoundaries() {
        assertArrayEquals(new long[] {0, 969, 999, 1000}, Splits.boundaries("969, 30, 1", 1000));
        assertArrayEquals(new long[] {0, 11963, 12333, 12345}, Splits.boundaries("969, 30, 1", 12345));
        assertArrayEquals(new long[] {0, 7, 7, 7}, Splits.boundaries("995,4,1", 7));
        assertArrayEquals(new long[] {0, 4, 7, 10}, Splits.boundaries("1,1,1", 10));
        assertArrayEquals(new long[] {0, 8, 10, 10}, Splits.boundaries("80/20", 10));
        assertArrayEquals(new long[] {0, 10, 10, 10}, Splits.boundaries("100", 10));
        assertThrows(UserError.class, () -> Splits.boundaries("a,b", 10));
        assertThrows(UserError.class, () -> Splits.boundaries("0,0,0", 10));
    }

    @Test
    void blendingExamples() {
        byte[] di = new byte[9];
        long[] si = new long[9];
        BlendableDataset.build(BlendableDataset.normalise(new double[] {1, 2}), di, si);
        assertArrayEquals(new byte[] {1, 0, 1, 0, 1, 1, 0, 1, 1}, di);
        assertArrayEquals(new long[] {0, 0, 1, 1, 2, 3, 2, 4, 5}, si);
        di = new byte[10];
        si = new long[10];
        BlendableDataset.build(new double[] {0.5, 0.3, 0.2}, di, si);
        assertArrayEquals(new byte[] {0, 1, 2, 0, 1, 0, 2, 0, 1, 0}, di);
    }

    @Test
    void weightsByNumDocuments() {
        assertArrayEquals(new double[] {1.0}, TrainingData.weightsByNumDocuments(new long[] {7}, 0.3));
        double[] w = TrainingData.weightsByNumDocuments(new long[] {100, 300}, 0.3);
        // p = [0.25, 0.75]; q = p^0.3 normalised; w = q*(1-p) normalised (computed in double by hand)
        double q0 = Math.pow(0.25, 0.3);
        double q1 = Math.pow(0.75, 0.3);
        double w0 = q0 / (q0 + q1) * 0.75;
        double w1 = q1 / (q0 + q1) * 0.25;
        assertEquals(w0 / (w0 + w1), w[0], 1e-15);
        assertEquals(w1 / (w0 + w1), w[1], 1e-15);
        assertEquals(1.0, w[0] + w[1], 1e-15);
    }
}
