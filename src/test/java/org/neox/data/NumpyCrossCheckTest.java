package org.neox.data;

import org.neox.PythonNumpy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs scripts/check_data.py: numpy reads our .bin/.idx and .npy files, rebuilds the index
 * maps with its own RandomState as GPT-NeoX does, and prints samples we compare with ours.
 * Skipped (with a message) when python3 with numpy is not installed.
 */
@Tag("integration")
class NumpyCrossCheckTest {
    @TempDir
    Path dir;

    private static String python;

    @BeforeAll
    static void needNumpy() {
        python = PythonNumpy.require();
    }

    private static List<String> check(Path prefix, String name, long ns, int sl, long seed, String docs,
            int samples) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python, "scripts/check_data.py", prefix.toString(),
                "--name", name, "--num-samples", "" + ns, "--seq-length", "" + sl, "--seed", "" + seed,
                "--samples", "" + samples));
        if (docs != null) {
            cmd.addAll(List.of("--docs", docs));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("OK"), out);
        return lines.subList(0, lines.size() - 1);
    }

    private static void assertSamples(List<String> numpySamples, SampleDataset ours) {
        for (int k = 0; k < numpySamples.size(); k++) {
            String s = numpySamples.get(k);
            int[] ref = Arrays.stream(s.substring(1, s.length() - 1).split(",\\s*")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(ref, ours.sample(k), "sample " + k);
        }
    }

    @Test
    void splitOfSyntheticCorpus() throws Exception {
        Path prefix = TrainingDataTest.corpus(dir, "c", 500, 9);
        MMapIndexedDataset data = MMapIndexedDataset.open(prefix);
        int[] docs = new int[130];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = 370 + i;
        }
        GPT2Dataset ds = GPT2Dataset.create("valid", data, docs, 900, 32, 4321);
        assertSamples(check(prefix, "valid", 900, 32, 4321, "370:500", 50), ds);
    }

    @Test
    void embeddedCorpus() throws Exception {
        Path prefix = EmbeddedCorpus.ensure(dir.resolve("tiny_text_document"));
        MMapIndexedDataset data = MMapIndexedDataset.open(prefix);
        int[] all = new int[data.length()];
        Arrays.setAll(all, i -> i);
        GPT2Dataset ds = GPT2Dataset.create("train", data, all, 20000, 128, 1234);
        assertSamples(check(prefix, "train", 20000, 128, 1234, null, 20), ds);
    }
}
