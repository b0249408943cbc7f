package org.neox.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;
import org.neox.data.MMapIndexedDataset;

class PreprocessCommandTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void charLevelJsonlZstAndTxtInOrder() throws Exception {
        Path a = dir.resolve("a.jsonl");
        Files.writeString(a, "{\"text\": \"ab\"}\n{\"text\": \"\"}\n\n{\"text\": [\"c\", \"d\"]}\n");
        Path b = dir.resolve("b.jsonl.zst");
        Files.write(b, Zstd.compress("{\"text\": \"é\"}\n".getBytes(StandardCharsets.UTF_8)));
        Path c = dir.resolve("c.txt");
        Files.writeString(c, "xyz");
        Path prefix = dir.resolve("out/corpus");
        int rc = cli.run("preprocess", "--input", a + "," + b + "," + c, "--output-prefix", prefix.toString(),
                "--tokenizer-type", "CharLevelTokenizer", "--append-eod", "--workers", "2", "--log-interval", "1");
        assertEquals(0, rc, err.toString());
        assertTrue(out.toString().contains("docs/s") && out.toString().contains("MB/s")
                && out.toString().contains("tokens/s"), out.toString());
        MMapIndexedDataset ds = MMapIndexedDataset.open(dir.resolve("out/corpus_text_document"));
        assertEquals(4, ds.length(), "the empty document is dropped");
        assertArrayEquals(new int[] {'a', 'b', 0}, ds.get(0));
        assertArrayEquals(new int[] {'c', '\n', '\n', 'd', 0}, ds.get(1));
        assertArrayEquals(new int[] {0xC3, 0xA9, 0}, ds.get(2));
        assertArrayEquals(new int[] {'x', 'y', 'z', 0}, ds.get(3));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, ds.docIdx());
    }

    /** Each key reads its own field into its own output; a directory expands to sorted files. */
    @Test
    void twoKeysAndDirectoryInput() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("2.jsonl"), "{\"title\": \"T2\", \"body\": \"b2\"}\n");
        Files.writeString(in.resolve("1.jsonl"), "{\"title\": \"T1\", \"body\": \"b1\"}\n");
        assertEquals(0, cli.run("preprocess", "--input", in.toString(), "--output-prefix", dir.resolve("k").toString(),
                "--tokenizer-type", "CharLevelTokenizer", "--jsonl-keys", "title", "body"), err.toString());
        MMapIndexedDataset titles = MMapIndexedDataset.open(dir.resolve("k_title_document"));
        MMapIndexedDataset bodies = MMapIndexedDataset.open(dir.resolve("k_body_document"));
        assertArrayEquals(new int[] {'T', '1'}, titles.get(0));
        assertArrayEquals(new int[] {'T', '2'}, titles.get(1));
        assertArrayEquals(new int[] {'b', '2'}, bodies.get(1));
    }

    @Test
    void malformedLineNamesFileAndLineAndLeavesNothing() throws Exception {
        Path a = dir.resolve("bad.jsonl");
        Files.writeString(a, "{\"text\": \"ok\"}\n{\"text\": \"ok\"}\n{\"text\": oops}\n");
        int rc = cli.run("preprocess", "--input", a.toString(), "--output-prefix", dir.resolve("o").toString(),
                "--tokenizer-type", "CharLevelTokenizer");
        assertEquals(2, rc);
        assertTrue(err.toString().contains("bad.jsonl:3: malformed JSON"), err.toString());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the input remains");
        }
    }

    @Test
    void missingKeyAndUnknownTokenizerAreUserErrors() throws Exception {
        Path a = dir.resolve("a.jsonl");
        Files.writeString(a, "{\"text\": \"ok\"}\n");
        assertEquals(2, cli.run("preprocess", "--input", a.toString(), "--output-prefix", dir.resolve("o").toString(),
                "--tokenizer-type", "CharLevelTokenizer", "--jsonl-keys", "body"));
        assertTrue(err.toString().contains("a.jsonl:1: no string or list value for key 'body'"), err.toString());
        assertEquals(2, cli.run("preprocess", "--input", a.toString(), "--output-prefix", "o",
                "--tokenizer-type", "GPT2BPETokenizer"));
        assertTrue(err.toString().contains("--vocab-file"), err.toString());
    }

    /** Worker count must not change the output: byte-identical files for 1 and 3 workers. */
    @Test
    void gpt2OutputIndependentOfWorkers() throws Exception {
        Path vocab = SharedAssets.require("tokenizer/gpt2-vocab.json");
        Path merges = SharedAssets.require("tokenizer/gpt2-merges.txt");
        Path input = SharedAssets.require("data/sample.jsonl");
        for (int w : new int[] {1, 3}) {
            assertEquals(0, cli.run("preprocess", "--input", input.toString(), "--output-prefix",
                    dir.resolve("w" + w).toString(), "--tokenizer-type", "gpt2bpetokenizer", "--vocab-file",
                    vocab.toString(), "--merge-file", merges.toString(), "--append-eod", "--workers", "" + w), err.toString());
        }
        for (String ext : new String[] {".bin", ".idx"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("w1_text_document" + ext)),
                    Files.readAllBytes(dir.resolve("w3_text_document" + ext)));
        }
        MMapIndexedDataset ds = MMapIndexedDataset.open(dir.resolve("w1_text_document"));
        assertEquals(50256, ds.get(0)[ds.sizes()[0] - 1]);
    }
}
