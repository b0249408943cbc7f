package org.neox.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.neox.SharedAssets;

/**
 * Our pure-Java GPT-2 BPE against Hugging Face's Rust BPE (through DJL, from a tokenizer.json
 * built from the same vocab.json + merges.txt): the two implementations share no code.
 */
class GPT2BPETokenizerTest {
    private static GPT2BPETokenizer ours;
    private static HFTokenizer reference;

    @BeforeAll
    static void load() throws Exception {
        Path vocab = SharedAssets.require("tokenizer/gpt2-vocab.json");
        Path merges = SharedAssets.require("tokenizer/gpt2-merges.txt");
        ours = new GPT2BPETokenizer(vocab, merges);
        reference = new HFTokenizer(TokenizerSamples.gpt2TokenizerJson(vocab, merges), "gpt2 (built)");
    }

    @Test
    void knownIds() {
        assertArrayEquals(new int[] {15496, 995}, ours.encode("Hello world"));
        assertArrayEquals(new int[] {27, 91, 437, 1659, 5239, 91, 29}, ours.encode("<|endoftext|>"));
        assertEquals(50257, ours.vocabSize());
        assertEquals(50256, ours.eod());
        assertEquals(50304, Tokenizer.paddedVocabSize(50257, 128, 1));
    }

    @Test
    void edgeCasesMatchHuggingFace() {
        for (String s : TokenizerSamples.EDGE_CASES) {
            assertArrayEquals(reference.encode(s), ours.encode(s), () -> "text: " + s);
        }
    }

    @Test
    void sharedCorporaMatchHuggingFace() throws Exception {
        List<String> texts = new ArrayList<>();
        texts.addAll(TokenizerSamples.jsonlTexts(SharedAssets.require("data/sample.jsonl"), 200));
        texts.addAll(TokenizerSamples.jsonlTexts(SharedAssets.require("data/lambada_test.jsonl"), 300));
        texts.addAll(TokenizerSamples.jsonlTexts(SharedAssets.require("data/tinyshakespeare.jsonl"), 500));
        texts.add(java.nio.file.Files.readString(SharedAssets.require("data/enwik8_first100.txt")));
        for (String s : texts) {
            assertArrayEquals(reference.encode(s), ours.encode(s), () -> "text: " + s);
        }
    }

    @Test
    void decodeRoundTrips() {
        for (String s : TokenizerSamples.EDGE_CASES) {
            assertEquals(s, ours.decode(ours.encode(s)));
        }
    }
}
