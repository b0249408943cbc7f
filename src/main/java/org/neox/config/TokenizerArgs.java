package org.neox.config;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX v2.0 group {@code NeoXArgsTokenizer}: Tokenizer type and padded vocabulary (spec §4). Field docs follow
 * NEOX-ARGS-TABLE.md; {@code null} means unset.
 *
 * @param tokenizerType {@code tokenizer_type} (enum: GPT2BPETokenizer | HFTokenizer | HFGPT2Tokenizer | SPMTokenizer | CharLevelTokenizer | TiktokenTokenizer, default "GPT2BPETokenizer"): GPT2BPETokenizer, HFTokenizer, HFGPT2Tokenizer, SPMTokenizer, CharLevelTokenizer or TiktokenTokenizer.
 * @param paddedVocabSize {@code padded_vocab_size} (int, default null): Derived: tokenizer vocab padded to a multiple of make_vocab_size_divisible_by*model_parallel_size.
 */
public record TokenizerArgs(
        TokenizerType tokenizerType,
        Integer paddedVocabSize) {

    /** Accepted values of the enum keys of this group (matched case-insensitively). */
    public enum TokenizerType implements WireEnum {
        GPT2_BPE("GPT2BPETokenizer"), HF("HFTokenizer"), HF_GPT2("HFGPT2Tokenizer"), SPM("SPMTokenizer"), CHAR_LEVEL("CharLevelTokenizer"), TIKTOKEN("TiktokenTokenizer");

        private final String wire;

        TokenizerType(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }

        static TokenizerType parse(String text) {
            return WireEnum.parse(TokenizerType.class, text);
        }
    }

    /** The keys of this group with their types and GPT-NeoX defaults, in table order. */
    static final List<Key> KEYS = List.of(
            new Key("tokenizer_type", KeyType.enumOf(TokenizerType.class), TokenizerType.parse("GPT2BPETokenizer")),
            new Key("padded_vocab_size", KeyType.INT, null));

    /** Builds the group from converted values (every key present, types already checked). */
    @SuppressWarnings("unchecked")
    static TokenizerArgs from(Values v) {
        return new TokenizerArgs(
                (TokenizerType) v.get("tokenizer_type"),
                (Integer) v.get("padded_vocab_size"));
    }

    /** Writes every key of this group into {@code out} under its GPT-NeoX name. */
    void writeTo(Map<String, Object> out) {
        out.put("tokenizer_type", tokenizerType);
        out.put("padded_vocab_size", paddedVocabSize);
    }
}
