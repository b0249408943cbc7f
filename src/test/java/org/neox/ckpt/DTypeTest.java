package org.neox.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DTypeTest {
    @Test
    void everyHalfRoundTripsThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = DType.halfToFloat((short) bits);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(DType.halfToFloat(DType.floatToHalf(f))));
            } else {
                assertEquals(bits, DType.floatToHalf(f) & 0xffff, "half bits " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void halfDecodesKnownValues() {
        assertEquals(1.0f, DType.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, DType.halfToFloat((short) 0xc000));
        assertEquals(65504f, DType.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, DType.halfToFloat((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, DType.halfToFloat((short) 0x7c00));
    }

    @Test
    void halfEncodingRoundsToNearestEvenAgainstDoubleReference() {
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 26));
            float got = DType.halfToFloat(DType.floatToHalf(f));
            // reference: the nearest half value (brute force over the two neighbours)
            short h = DType.floatToHalf(f);
            int mag = h & 0x7fff;
            int sign = h & 0x8000;
            float lower = DType.halfToFloat((short) (sign | Math.max(mag - 1, 0)));
            float upper = DType.halfToFloat((short) (sign | Math.min(mag + 1, 0x7c00)));
            double err = Math.abs((double) got - f);
            if (!Float.isInfinite(got)) {
                assertTrue(err <= Math.abs((double) lower - f) && err <= Math.abs((double) upper - f), "f=" + f);
            }
        }
        assertEquals(0x3c00, DType.floatToHalf(1.0f + 0x1p-11f)); // tie -> even (down)
        assertEquals(0x3c02, DType.floatToHalf(1.0f + 3 * 0x1p-11f)); // tie -> even (up)
        assertEquals(0x7c00, DType.floatToHalf(65520f)); // rounds to infinity
        assertEquals(0x7bff, DType.floatToHalf(65519f));
        assertEquals(0, DType.floatToHalf(0x1p-25f)); // tie with zero -> zero
        assertEquals(1, DType.floatToHalf(0x1.0001p-25f));
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals(0x3f80, DType.floatToBfloat16(1.0f) & 0xffff);
        assertEquals(0x3f80, DType.floatToBfloat16(Float.intBitsToFloat(0x3f808000)) & 0xffff);
        assertEquals(0x3f82, DType.floatToBfloat16(Float.intBitsToFloat(0x3f818000)) & 0xffff);
        assertEquals(0x3f81, DType.floatToBfloat16(Float.intBitsToFloat(0x3f808001)) & 0xffff);
        assertTrue(Float.isNaN(Float.intBitsToFloat((DType.floatToBfloat16(Float.NaN) & 0xffff) << 16)));
    }
}
