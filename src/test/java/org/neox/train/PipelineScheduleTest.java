package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.neox.train.PipelineSchedule.Step;

/** The 1F1B schedule: warm-up/steady/cool-down shape, and a simulated run that never deadlocks. */
class PipelineScheduleTest {

    @Test
    void fourStagesEightMicroBatches() {
        assertEquals("[F0, F1, F2, F3, B0, F4, B1, F5, B2, F6, B3, F7, B4, B5, B6, B7]",
                PipelineSchedule.steps(0, 4, 8).toString());
        assertEquals("[F0, B0, F1, B1, F2, B2, F3, B3, F4, B4, F5, B5, F6, B6, F7, B7]",
                PipelineSchedule.steps(3, 4, 8).toString());
        assertEquals("[F0, F1, F2, B0, F3, B1, B2, B3]", PipelineSchedule.steps(1, 4, 4).toString());
        // Fewer micro-batches than stages: all forwards, then all backwards.
        assertEquals("[F0, F1, B0, B1]", PipelineSchedule.steps(0, 4, 2).toString());
        assertEquals("[F0, B0]", PipelineSchedule.steps(0, 1, 1).toString());
    }

    @Test
    void everyMicroBatchOnceEachWayAndInFlightBounded() {
        for (int pp = 1; pp <= 5; pp++) {
            for (int m = 1; m <= 9; m++) {
                for (int s = 0; s < pp; s++) {
                    List<Step> steps = PipelineSchedule.steps(s, pp, m);
                    assertEquals(2 * m, steps.size());
                    int nextF = 0;
                    int nextB = 0;
                    int maxInFlight = 0;
                    for (Step st : steps) {
                        if (st.forward()) {
                            assertEquals(nextF++, st.micro());
                        } else {
                            assertEquals(nextB++, st.micro());
                            assertTrue(nextB <= nextF, "backward before its forward");
                        }
                        maxInFlight = Math.max(maxInFlight, nextF - nextB);
                    }
                    assertEquals(PipelineSchedule.inFlight(s, pp, m), maxInFlight, "pp " + pp + " m " + m + " s " + s);
                }
            }
        }
    }

    /**
     * Simulates the stages with blocking (rendezvous) sends: a forward of stage s needs the
     * activation of stage s−1, a backward of stage s needs the gradient of stage s+1. The
     * schedule completes without deadlock and its makespan with unit step times is
     * {@code 2(m + pp − 1)}, the bubble (pp−1)/(m+pp−1).
     */
    @Test
    void simulatedRunCompletesWithTheTheoreticalBubble() {
        for (int pp = 1; pp <= 4; pp++) {
            for (int m = 1; m <= 8; m++) {
                List<List<Step>> all = new ArrayList<>();
                for (int s = 0; s < pp; s++) {
                    all.add(PipelineSchedule.steps(s, pp, m));
                }
                int[] pos = new int[pp];
                long[][] fDone = new long[pp][m];
                long[][] bDone = new long[pp][m];
                long[] free = new long[pp];
                boolean progress = true;
                while (progress) {
                    progress = false;
                    for (int s = 0; s < pp; s++) {
                        if (pos[s] == 2 * m) {
                            continue;
                        }
                        Step st = all.get(s).get(pos[s]);
                        long ready;
                        if (st.forward()) {
                            ready = s == 0 ? 0 : (fDone[s - 1][st.micro()] > 0 ? fDone[s - 1][st.micro()] : -1);
                        } else {
                            ready = s == pp - 1 ? fDone[s][st.micro()] : (bDone[s + 1][st.micro()] > 0 ? bDone[s + 1][st.micro()] : -1);
                        }
                        if (ready < 0) {
                            continue;
                        }
                        long end = Math.max(free[s], ready) + 1;
                        free[s] = end;
                        (st.forward() ? fDone : bDone)[s][st.micro()] = end;
                        pos[s]++;
                        progress = true;
                    }
                }
                for (int s = 0; s < pp; s++) {
                    assertEquals(2 * m, pos[s], "deadlock pp " + pp + " m " + m);
                }
                assertEquals(2L * (m + pp - 1), bDone[0][m - 1], "makespan pp " + pp + " m " + m);
                double busy = 2.0 * m / bDone[0][m - 1];
                assertEquals(1 - PipelineSchedule.bubbleFraction(pp, m), busy, 1e-12);
            }
        }
    }
}
