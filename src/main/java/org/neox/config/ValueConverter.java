package org.neox.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.neox.util.UserError;

/**
 * Converts a parsed YAML/JSON value to the declared type of its key, as GPT-NeoX's {@code
 * validate_types} checks it (spec §1.3): an int is accepted for a float, enums match
 * case-insensitively, anything else of the wrong type is an error naming key, value and the
 * expected type. Deliberate improvement: a string such as {@code 1e-5} (which YAML 1.1 leaves a
 * string) is accepted for a float key.
 */
final class ValueConverter {
    private static final Pattern NUMBER =
            Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private ValueConverter() {
    }

    /** The converted value; {@code where} names the origin ("a.yml") for messages. */
    static Object convert(Key key, Object raw, String where) {
        if (raw == null) {
            return null;
        }
        Object v = convertOrNull(key.type(), raw);
        if (v == null) {
            throw new UserError(where + ": key '" + key.name() + "' has value " + show(raw)
                    + " but expects " + key.type().describe());
        }
        return v;
    }

    private static Object convertOrNull(KeyType type, Object raw) {
        return switch (type.kind()) {
            case BOOL -> raw instanceof Boolean ? raw : null;
            case INT -> toInt(raw);
            case FLOAT -> toDouble(raw);
            case STRING -> raw instanceof String ? raw : null;
            case ENUM -> toEnum(type.enumType(), raw);
            case STRING_LIST -> toList(raw, e -> e instanceof String ? e : null);
            case INT_LIST -> toList(raw, ValueConverter::toInt);
            case FLOAT_LIST -> toList(raw, ValueConverter::toDouble);
            case ATTENTION_LIST -> raw instanceof List<?> l ? deepCopy(l) : null;
            case DICT -> raw instanceof Map<?, ?> m ? deepCopy(m) : null;
            case TEXT_DICT -> toTextDict(raw);
            case ZERO_STAGE -> toZeroStage(raw);
        };
    }

    static Integer toInt(Object raw) {
        if (raw instanceof Integer i) {
            return i;
        }
        if (raw instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        return null;
    }

    static Double toDouble(Object raw) {
        if (raw instanceof Double d) {
            return d;
        }
        if (raw instanceof Float f) {
            return f.doubleValue();
        }
        if (raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger) {
            return ((Number) raw).doubleValue();
        }
        if (raw instanceof String s && NUMBER.matcher(s.strip()).matches()) {
            return Double.parseDouble(s.strip());
        }
        return null;
    }

    private static Object toEnum(Class<?> type, Object raw) {
        if (!(raw instanceof String s)) {
            return null;
        }
        for (Object e : type.getEnumConstants()) {
            if (((WireEnum) e).wire().equalsIgnoreCase(s)) {
                return e;
            }
        }
        return null;
    }

    private static List<Object> toList(Object raw, java.util.function.Function<Object, Object> element) {
        if (!(raw instanceof List<?> list)) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (Object e : list) {
            Object c = e == null ? null : element.apply(e);
            if (c == null) {
                return null;
            }
            out.add(c);
        }
        return Collections.unmodifiableList(out);
    }

    private static Object toTextDict(Object raw) {
        if (!(raw instanceof Map<?, ?> m)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                return null;
            }
            out.put(String.valueOf(e.getKey()), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object toZeroStage(Object raw) {
        if (raw instanceof String s) {
            return s.equals("all") ? s : null;
        }
        Integer i = toInt(raw);
        return i != null ? i : toList(raw, ValueConverter::toInt);
    }

    /** An unmodifiable deep copy of nested YAML/JSON lists and maps (map keys become strings). */
    static Object deepCopy(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), deepCopy(x)));
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(deepCopy(x)));
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        return v;
    }

    /** A value as it would be written in YAML, for messages: strings quoted, the rest as is. */
    static String show(Object raw) {
        String s = raw instanceof String ? "\"" + raw + "\"" : String.valueOf(raw);
        s = s.replace('\n', ' ');
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
