package org.neox.optim;

import org.neox.kernel.ReferenceKernels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The single-rank step: overflow skips leave params, Adam count and LR schedule untouched. */
class DataParallelAdamTest {
    private static final List<ParamRange> RANGES = List.of(new ParamRange(0, 4, true, true));

    @Test
    void overflowSkipsTheUpdateAndDoesNotAdvanceTheSchedule() {
        AnnealingLR schedule = AnnealingLR.fromConfig(1.0, 0.5, null, 4, DecayStyle.LINEAR, 0, false, false);
        DynamicLossScaler scaler = new DynamicLossScaler(new LossScaleConfig(0, 3, 1000, 1, 1));
        DataParallelAdam opt = new DataParallelAdam(new ReferenceKernels(), new AdamW(AdamConfig.fusedAdamDefaults(0)), schedule, 0, scaler,
                RANGES, 4, ParallelGroups.SINGLE, 1 << 20);
        float[] p = {1, 2, 3, 4};
        float[] g = {8, Float.NaN, 8, 8};
        StepOutcome o = opt.step(p, g);
        assertTrue(o.skipped());
        assertEquals(-1, o.gradNorm());
        assertEquals(8, o.lossScale());
        assertArrayEquals(new float[] {1, 2, 3, 4}, p);
        assertArrayEquals(new float[4], g);
        assertEquals(0, schedule.numIters());
        assertEquals(0, opt.adam().stepCount());
        assertEquals(4, scaler.scale());

        // W = 2: the first real step runs at lr 0 (count 0), the second at 0.5
        g = new float[] {4, 4, 4, 4};
        o = opt.step(p, g);
        assertEquals(0.0, o.lr());
        assertEquals(2.0, o.gradNorm(), 1e-12);  // scaled norm 8, unscaled by S = 4
        assertArrayEquals(new float[] {1, 2, 3, 4}, p);
        assertEquals(1, schedule.numIters());
        g = new float[] {4, 4, 4, 4};
        o = opt.step(p, g);
        assertEquals(0.5, o.lr());
        // Adam's second step with a constant gradient: update ≈ 1 (1−β2 in float shifts it by ~1e-5)
        assertEquals(1 - 0.5, p[0], 1e-5);
    }
}
