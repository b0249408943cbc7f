package org.neox.data;

/**
 * GPT-2's {@code bytes_to_unicode}: every byte gets a printable character, the printable
 * Latin-1 bytes map to themselves and the rest to U+0100 upwards in byte order.
 */
final class ByteAlphabet {
    static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteAlphabet() {
    }

    static int charToByte(char c) {
        int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
        if (b < 0) {
            throw new IllegalArgumentException("not a GPT-2 byte character: U+" + Integer.toHexString(c));
        }
        return b;
    }
}
