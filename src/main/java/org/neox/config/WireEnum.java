package org.neox.config;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.neox.util.UserError;

/** An enum whose config spelling ({@link #wire()}) differs from its Java constant name. */
public interface WireEnum {
    /** The spelling GPT-NeoX uses in YAML and JSON, e.g. {@code "rotary"} or {@code "HFTokenizer"}. */
    String wire();

    /** Matches {@code text} case-insensitively, as GPT-NeoX's type validation does (spec §1.3). */
    static <E extends Enum<E> & WireEnum> E parse(Class<E> type, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.wire().equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw new UserError("'" + text + "' is not one of " + choices(type));
    }

    /** The accepted spellings, for error messages: {@code [learned, rotary, ...]}. */
    static String choices(Class<?> type) {
        return Arrays.stream(type.getEnumConstants())
                .map(e -> ((WireEnum) e).wire())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
