package org.neox.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DynamicLossScalerTest {
    @Test
    void hysteresisThenHalvingThenDoublingAfterTheWindow() {
        DynamicLossScaler s = new DynamicLossScaler(new LossScaleConfig(0, 16, 3, 2, 1));
        assertEquals(65536, s.scale());
        s.update(true);                 // hysteresis 2 -> 1, scale kept
        assertEquals(65536, s.scale());
        s.update(true);                 // hysteresis at 1: halve
        assertEquals(32768, s.scale());
        s.update(false);
        s.update(false);
        assertEquals(32768, s.scale());
        s.update(false);                // 3 iterations since the last overflow: double, hysteresis reset
        assertEquals(65536, s.scale());
        s.update(true);                 // hysteresis was reset to 2: kept
        assertEquals(65536, s.scale());
    }

    @Test
    void cleanRunDoublesEveryWindow() {
        DynamicLossScaler s = new DynamicLossScaler(new LossScaleConfig(0, 4, 4, 2, 1));
        for (int i = 0; i < 3; i++) {
            s.update(false);
        }
        assertEquals(16, s.scale());
        s.update(false);
        assertEquals(32, s.scale());
        for (int i = 0; i < 4; i++) {
            s.update(false);
        }
        assertEquals(64, s.scale());
    }

    @Test
    void overflowAtTheMinimumScaleIsFatal() {
        DynamicLossScaler s = new DynamicLossScaler(new LossScaleConfig(0, 2, 1000, 1, 1));
        s.update(true);
        assertEquals(2, s.scale());
        s.update(true);
        assertEquals(1, s.scale());
        FatalOverflowError e = assertThrows(FatalOverflowError.class, () -> s.update(true));
        assertEquals("Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.", e.getMessage());
    }

    @Test
    void fiftySkippedIterationsInARowAreFatal() {
        DynamicLossScaler s = new DynamicLossScaler(new LossScaleConfig(0, 16, 1000, 1, 0x1p-100));
        for (int i = 0; i < 49; i++) {
            s.update(true);
        }
        s.update(false);   // the streak restarts
        for (int i = 0; i < 49; i++) {
            s.update(true);
        }
        FatalOverflowError e = assertThrows(FatalOverflowError.class, () -> s.update(true));
        assertEquals("Skipped 50 iterations in a row due to Overflow - Exiting training.", e.getMessage());
    }

    @Test
    void staticScaleNeverChanges() {
        DynamicLossScaler s = new DynamicLossScaler(new LossScaleConfig(128, 16, 2, 2, 1));
        for (int i = 0; i < 10; i++) {
            s.update(i % 3 == 0);
        }
        assertEquals(128, s.scale());
    }

    @Test
    void overflowDetectionLooksOnlyInTheRange() {
        float[] a = {1, Float.NaN, 2, Float.NEGATIVE_INFINITY, 3};
        assertTrue(DynamicLossScaler.hasOverflow(a, 0, 2));
        assertFalse(DynamicLossScaler.hasOverflow(a, 2, 1));
        assertTrue(DynamicLossScaler.hasOverflow(a, 2, 2));
        assertFalse(DynamicLossScaler.hasOverflow(a, 4, 1));
    }

    @Test
    void stateRoundTrips() {
        DynamicLossScaler s = new DynamicLossScaler(LossScaleConfig.dynamicDefaults());
        s.update(true);
        s.update(true);
        DynamicLossScaler t = new DynamicLossScaler(LossScaleConfig.dynamicDefaults());
        t.load(s.state());
        assertEquals(s.state(), t.state());
        assertEquals(32768, t.scale());
    }
}
