package org.neox.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.SharedAssets;
import org.neox.util.UserError;

class HFTokenizerTest {
    private static HFTokenizer neox20b;

    @BeforeAll
    static void load() {
        neox20b = new HFTokenizer(SharedAssets.require("tokenizer/20B_tokenizer.json"));
    }

    @Test
    void vocabAndEodOf20B() {
        assertEquals(50277, neox20b.vocabSize());
        assertEquals(0, neox20b.eod());
        assertEquals(50304, Tokenizer.paddedVocabSize(50277, 128, 1));
        assertEquals(50432, Tokenizer.paddedVocabSize(50277, 128, 2));
    }

    @Test
    void knownIdsOf20B() {
        assertArrayEquals(new int[] {12092, 1533}, neox20b.encode("Hello world"));
        assertArrayEquals(new int[] {0}, neox20b.encode("<|endoftext|>"));
        assertArrayEquals(new int[0], neox20b.encode(""));
        int[] spaces = neox20b.encode("x        y");
        assertEquals(3, spaces.length, "a run of 8 spaces is one 20B token");
        assertTrue(spaces[1] >= 50254 && spaces[1] <= 50276, "space-run tokens are 50254..50276");
    }

    /** DJL's ids against our independent pure-Java reading of the same tokenizer.json. */
    @Test
    void idsMatchIndependentReference() throws Exception {
        AddedTokenBpeReference ref = new AddedTokenBpeReference(SharedAssets.require("tokenizer/20B_tokenizer.json"));
        List<String> texts = new ArrayList<>(TokenizerSamples.EDGE_CASES);
        texts.add("x        y  z" + " ".repeat(30) + "end   ");
        texts.add("<|padding|>pad<|endoftext|><|endoftext|>");
        texts.addAll(TokenizerSamples.jsonlTexts(SharedAssets.require("data/sample.jsonl"), 200));
        texts.addAll(TokenizerSamples.jsonlTexts(SharedAssets.require("data/tinyshakespeare.jsonl"), 100));
        for (String s : texts) {
            assertArrayEquals(ref.encode(s), neox20b.encode(s), () -> "text: " + s);
        }
    }

    @Test
    void longTextIsNotTruncated() throws Exception {
        String text = Files.readString(SharedAssets.require("data/enwik8_first100.txt"))
                .repeat(20);
        int[] ids = neox20b.encode(text);
        assertTrue(ids.length > 5000, "got " + ids.length);
        assertEquals(text, neox20b.decode(ids));
    }

    /** The 20B tokenizer's normalizer is NFC, so decoding gives the NFC form of the input. */
    @Test
    void decodeRoundTripsUpToNfc() {
        for (String s : TokenizerSamples.EDGE_CASES) {
            String nfc = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC);
            assertEquals(nfc, neox20b.decode(neox20b.encode(s)), () -> "text: " + s);
        }
    }

    @Test
    void charLevelIsUtf8Bytes() {
        CharLevelTokenizer c = new CharLevelTokenizer();
        assertArrayEquals(new int[] {104, 105, 0xE2, 0x82, 0xAC}, c.encode("hi€"));
        assertEquals("hi", c.decode(c.encode("hi")));
        assertEquals("  ", c.decode(new int[] {0, 10}), "ids below 32 decode to a space");
        assertEquals(512, c.vocabSize());
        assertEquals(0, c.eod());
    }

    @Test
    void badTokenizerFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("broken.json");
        Files.writeString(bad, "{\"model\": ", StandardCharsets.UTF_8);
        UserError e = assertThrows(UserError.class, () -> new HFTokenizer(bad));
        assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
        UserError t = assertThrows(UserError.class, () -> Tokenizers.create("SPMTokenizer", null, null));
        assertTrue(t.getMessage().contains("SPMTokenizer"));
    }
}
