package org.neox.data;

/**
 * A GPT-NeoX tokenizer (spec §4): text to ids and back. Implementations are thread-safe, so
 * one instance can serve all preprocessing workers.
 */
public interface Tokenizer extends AutoCloseable {
    /** Ids of {@code text}; the empty string gives an empty array. Nothing is appended. */
    int[] encode(String text);

    /** Text of {@code ids}. */
    String decode(int[] ids);

    /** Unpadded vocabulary size (decides the .bin dtype, spec §3.2). */
    int vocabSize();

    /** The end-of-document id appended by {@code --append-eod}. */
    int eod();

    /** Releases native resources (the HF tokenizer); a no-op for the pure-Java ones. */
    @Override
    default void close() {
    }

    /**
     * GPT-NeoX's padded vocabulary: the smallest multiple of {@code divisibleBy * mpSize} that
     * is at least {@code vocabSize} (50257 -> 50304 for 128 and mp 1).
     */
    static int paddedVocabSize(int vocabSize, int divisibleBy, int mpSize) {
        int multiple = divisibleBy * mpSize;
        return (vocabSize + multiple - 1) / multiple * multiple;
    }
}
