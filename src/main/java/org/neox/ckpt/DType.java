package org.neox.ckpt;

import java.nio.ByteBuffer;

/**
 * The safetensors element types neox reads (converted to float) and writes. Data are
 * little-endian; the buffers passed in must already be in {@code LITTLE_ENDIAN} order.
 */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The dtype for a safetensors header string, or null when neox does not read it. */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }

    /** The dtype for a CLI/HF name: float32, float16, bfloat16 (or F32/F16/BF16). */
    public static DType fromTorchName(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "float32": case "fp32": case "f32": return F32;
            case "float16": case "fp16": case "f16": case "half": return F16;
            case "bfloat16": case "bf16": return BF16;
            default: return null;
        }
    }

    public String torchName() {
        return this == F32 ? "float32" : this == F16 ? "float16" : "bfloat16";
    }

    /** Reads {@code n} elements from {@code src}'s position into {@code dst[off..off+n)}. */
    public void decode(ByteBuffer src, float[] dst, int off, int n) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = halfToFloat(src.getShort(src.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.intBitsToFloat((src.getShort(src.position() + 2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new AssertionError(this);
        }
        src.position(src.position() + n * bytes);
    }

    /** Writes {@code src[off..off+n)} at {@code dst}'s position (rounding to nearest even). */
    public void encode(float[] src, int off, int n, ByteBuffer dst) {
        switch (this) {
            case F32 -> dst.asFloatBuffer().put(src, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.putShort(dst.position() + 2 * i, floatToHalf(src[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.putShort(dst.position() + 2 * i, floatToBfloat16(src[off + i]));
                }
            }
            default -> throw new AssertionError(this);
        }
        dst.position(dst.position() + n * bytes);
    }

    /** IEEE binary16 bits to float (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24, exact in float
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float to IEEE binary16 bits, round to nearest even, overflow to infinity, NaN kept. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 112; // rebias 127 -> 15
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int m = mant | 0x800000; // implicit one; result = m >> (14 - e) with rounding
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, up to infinity: still correct
        }
        return (short) (sign | half);
    }

    /** Float to bfloat16 bits, round to nearest even, NaN kept quiet. */
    static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
