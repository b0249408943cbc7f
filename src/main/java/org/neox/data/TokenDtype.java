package org.neox.data;

import java.nio.ByteBuffer;

/** Token element types of the mmap format with their dtype codes (spec §3.2). */
public enum TokenDtype {
    UINT16((byte) 8, 2),
    INT32((byte) 4, 4);

    final byte code;
    final int bytes;

    TokenDtype(byte code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** uint16 below 65500 (unpadded vocab), else int32, as GPT-NeoX's best_fitting_dtype. */
    public static TokenDtype forVocab(int vocabSize) {
        return vocabSize < 65500 ? UINT16 : INT32;
    }

    /** The dtype of {@code code}, or null when the code is not a token type we read. */
    static TokenDtype ofCode(int code) {
        for (TokenDtype d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return null;
    }

    public int bytes() {
        return bytes;
    }

    void put(ByteBuffer b, int token) {
        if (this == UINT16) {
            b.putShort((short) token);
        } else {
            b.putInt(token);
        }
    }
}
