package org.neox.config;

/**
 * The declared type of a config key (NEOX-ARGS-TABLE.md's "type" column), used to convert and
 * check the parsed YAML/JSON value.
 *
 * @param kind the value shape
 * @param enumType the enum class for {@link Kind#ENUM}, else null
 */
record KeyType(Kind kind, Class<?> enumType) {
    /** Value shapes; each maps to one Java type in the group records. */
    enum Kind {
        BOOL, INT, FLOAT, STRING, ENUM, STRING_LIST, INT_LIST, FLOAT_LIST, ATTENTION_LIST, DICT,
        TEXT_DICT, ZERO_STAGE
    }

    static final KeyType BOOL = new KeyType(Kind.BOOL, null);
    static final KeyType INT = new KeyType(Kind.INT, null);
    static final KeyType FLOAT = new KeyType(Kind.FLOAT, null);
    static final KeyType STRING = new KeyType(Kind.STRING, null);
    static final KeyType STRING_LIST = new KeyType(Kind.STRING_LIST, null);
    static final KeyType INT_LIST = new KeyType(Kind.INT_LIST, null);
    static final KeyType FLOAT_LIST = new KeyType(Kind.FLOAT_LIST, null);
    static final KeyType ATTENTION_LIST = new KeyType(Kind.ATTENTION_LIST, null);
    static final KeyType DICT = new KeyType(Kind.DICT, null);
    static final KeyType TEXT_DICT = new KeyType(Kind.TEXT_DICT, null);
    static final KeyType ZERO_STAGE = new KeyType(Kind.ZERO_STAGE, null);

    static <E extends Enum<E> & WireEnum> KeyType enumOf(Class<E> type) {
        return new KeyType(Kind.ENUM, type);
    }

    /** What an error message says was expected. */
    String describe() {
        return switch (kind) {
            case BOOL -> "a boolean (true/false)";
            case INT -> "an integer";
            case FLOAT -> "a number";
            case STRING -> "a string";
            case ENUM -> "one of " + WireEnum.choices(enumType);
            case STRING_LIST -> "a list of strings";
            case INT_LIST -> "a list of integers";
            case FLOAT_LIST -> "a list of numbers";
            case ATTENTION_LIST -> "a list of [[types], count] pairs or of attention type names";
            case DICT -> "a mapping";
            case TEXT_DICT -> "a mapping of names to texts";
            case ZERO_STAGE -> "an integer, a list of integers or \"all\"";
        };
    }
}
