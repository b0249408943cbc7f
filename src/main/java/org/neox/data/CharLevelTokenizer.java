package org.neox.data;

import java.nio.charset.StandardCharsets;

/**
 * GPT-NeoX's CharLevelTokenizer (spec §4): ids are the UTF-8 bytes of the text, the vocabulary
 * is a fixed 512, eod is 0. Decoding maps each id to one code point {@code max(32, min(id, 512))}
 * exactly as GPT-NeoX does, so it round-trips ASCII text without control characters.
 */
public final class CharLevelTokenizer implements Tokenizer {
    public static final int VOCAB_SIZE = 512;
    public static final int EOD = 0;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) {
            sb.appendCodePoint(Math.max(32, Math.min(id, VOCAB_SIZE)));
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int eod() {
        return EOD;
    }
}
