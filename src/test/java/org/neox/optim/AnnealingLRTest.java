package org.neox.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.neox.util.UserError;

/** Values hand-computed from spec §7 at chosen iterations: T = 100, warmup 0.1 (W = 10), peak 1. */
class AnnealingLRTest {
    private static final double EPS = 1e-12;

    private static AnnealingLR schedule(DecayStyle style, double minLr) {
        return AnnealingLR.fromConfig(1.0, 0.1, null, 100, style, minLr, false, false);
    }

    @Test
    void warmupIsLinearFromZeroAndTheFirstStepRunsAtZero() {
        AnnealingLR s = schedule(DecayStyle.LINEAR, 0);
        assertEquals(0.0, s.lr(), EPS);
        assertEquals(0.5, s.lrAt(5), EPS);
        assertEquals(1.0, s.lrAt(10), EPS);
    }

    @Test
    void linearDecaysOverTAndStopsAtTwoWOverT() {
        AnnealingLR s = schedule(DecayStyle.LINEAR, 0);
        assertEquals(0.99, s.lrAt(11), EPS);   // m = 1: (100-1)/100
        assertEquals(0.60, s.lrAt(50), EPS);   // m = 40
        assertEquals(0.30, s.lrAt(80), EPS);   // m = 70
        assertEquals(0.20, s.lrAt(90), EPS);   // m = min(90, 90) - 10 = 80
        assertEquals(0.20, s.lrAt(100), EPS);  // m stops at T - 2W: final lr = 2W/T
        assertEquals(0.20, s.lrAt(5000), EPS);
    }

    @Test
    void cosineExponentialConstant() {
        assertEquals(0.5, schedule(DecayStyle.COSINE, 0).lrAt(60), EPS);              // m = 50: (cos(π/2)+1)/2
        assertEquals(0.0954915028125263, schedule(DecayStyle.COSINE, 0).lrAt(100), 1e-15); // (cos(0.8π)+1)/2
        assertEquals(0.7071588192872713, schedule(DecayStyle.EXPONENTIAL, 0).lrAt(60), 1e-15); // exp(-0.693·0.5)
        assertEquals(1.0, schedule(DecayStyle.CONSTANT, 0).lrAt(60), EPS);
        assertEquals(0.3, schedule(DecayStyle.CONSTANT, 0).lrAt(3), EPS);             // warmup applies to constant too
    }

    @Test
    void minLrClampsFromBelowOnly() {
        AnnealingLR s = schedule(DecayStyle.LINEAR, 0.5);
        assertEquals(0.5, s.lrAt(80), EPS);
        assertEquals(0.6, s.lrAt(50), EPS);
        assertEquals(0.0, s.lrAt(0), EPS);   // GPT-NeoX returns the warmup value before the clamp
        assertEquals(0.3, s.lrAt(3), EPS);
    }

    @Test
    void fractionalWarmupAndDecayItersOverTrainIters() {
        AnnealingLR s = AnnealingLR.fromConfig(2.0, 0.3, null, 7, DecayStyle.LINEAR, 0, false, false); // W = 2.1
        assertEquals(2.0 * 2 / 2.1, s.lrAt(2), 1e-12);
        assertEquals(2.0 * (7 - 0.9) / 7, s.lrAt(3), 1e-12);  // m = 3 - 2.1
        AnnealingLR d = AnnealingLR.fromConfig(1.0, 0.0, 200, 100, DecayStyle.LINEAR, 0, false, false);
        assertEquals(1.0, d.lr(), EPS);                   // no warmup: full lr at count 0
        assertEquals(0.75, d.lrAt(50), EPS);              // T = lr_decay_iters = 200
        assertEquals(200, d.state().endIter());
    }

    @Test
    void stepAdvancesTheCount() {
        AnnealingLR s = schedule(DecayStyle.LINEAR, 0);
        for (int i = 0; i < 50; i++) {
            s.step();
        }
        assertEquals(50, s.numIters());
        assertEquals(0.6, s.lr(), EPS);
    }

    @Test
    void resumeChecksConfiguredAgainstCheckpointValues() {
        AnnealingLR saved = schedule(DecayStyle.COSINE, 0.1);
        saved.step();
        saved.step();
        AnnealingLR.State sd = saved.state();
        assertEquals(new AnnealingLR.State(1.0, 10.0, 2, DecayStyle.COSINE, 100, 0.1), sd);

        AnnealingLR same = schedule(DecayStyle.COSINE, 0.1);
        same.load(sd);
        assertEquals(2, same.numIters());

        AnnealingLR other = AnnealingLR.fromConfig(3.0, 0.1, null, 100, DecayStyle.COSINE, 0.1, false, false);
        UserError e = assertThrows(UserError.class, () -> other.load(sd));
        assertTrue(e.getMessage().contains("start_lr") && e.getMessage().contains("3.0"), e.getMessage());

        AnnealingLR override = AnnealingLR.fromConfig(3.0, 0.1, null, 100, DecayStyle.LINEAR, 0.1, false, true);
        override.load(sd);
        assertEquals(new AnnealingLR.State(3.0, 10.0, 2, DecayStyle.LINEAR, 100, 0.1), override.state());

        AnnealingLR fromCkpt = AnnealingLR.fromConfig(3.0, 0.1, null, 100, DecayStyle.LINEAR, 0.1, true, false);
        fromCkpt.load(sd);
        assertEquals(sd, fromCkpt.state());

        assertThrows(UserError.class,
                () -> AnnealingLR.fromConfig(1, 0, null, 10, DecayStyle.LINEAR, 0, true, true));
        assertThrows(UserError.class, () -> DecayStyle.parse("Cosine", "lr_decay_style"));
        assertEquals(DecayStyle.EXPONENTIAL, DecayStyle.parse("exponential", "lr_decay_style"));
    }
}
