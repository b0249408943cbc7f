package org.neox.data;

import java.nio.file.Path;
import java.util.Locale;
import org.neox.util.UserError;

/** Builds a tokenizer from GPT-NeoX's {@code tokenizer_type} name (case-insensitive, spec §4). */
public final class Tokenizers {
    private Tokenizers() {
    }

    /** {@code vocabFile}/{@code mergeFile} may be null where the type needs none. */
    public static Tokenizer create(String type, Path vocabFile, Path mergeFile) {
        switch (type.toLowerCase(Locale.ROOT)) {
            case "gpt2bpetokenizer":
                return new GPT2BPETokenizer(required(type, "vocab-file", vocabFile),
                        required(type, "merge-file", mergeFile));
            case "hftokenizer":
                return new HFTokenizer(required(type, "vocab-file", vocabFile));
            case "charleveltokenizer":
                return new CharLevelTokenizer();
            default:
                throw new UserError("tokenizer-type '" + type + "' is not supported; expected one of "
                        + "GPT2BPETokenizer, HFTokenizer, CharLevelTokenizer");
        }
    }

    private static Path required(String type, String flag, Path p) {
        if (p == null) {
            throw new UserError("tokenizer-type " + type + " needs --" + flag);
        }
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new UserError(flag + " '" + p + "' does not exist or is not a file");
        }
        return p;
    }
}
