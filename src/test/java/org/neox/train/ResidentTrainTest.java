package org.neox.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neox.config.NeoXArgs;
import org.neox.kernel.NativeKernels;

/**
 * Training on the device-resident kernels ({@code native-resident-checked}: the CPU backend as
 * the device, host copies the device owns poisoned with NaN) gives EXACTLY the losses of the
 * native heap kernels (the same C kernels in the same order) in every layout: single rank,
 * data-parallel with gradient buckets reduced during backward (overlap_comm) with and without
 * ZeRO-1, and pipeline x tensor x data with ZeRO-1. Any buffer the trainer, optimizer or communication
 * touches without taking it back from the device shows up as NaN or as a different loss.
 */
class ResidentTrainTest {
    @TempDir
    Path dir;

    private void assertSameRun(String name, int world, int pp, int mp, int gas, int zero, boolean overlap) throws Exception {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        NeoXArgs args = ParallelLayoutsTrainTest.layoutConfig(dir, name, 2, world, pp, mp, gas, zero, overlap, "", Map.of());
        TrainResult heap = ParallelLayoutsTrainTest.runRanks(args, "native");
        TrainResult resident = ParallelLayoutsTrainTest.runRanks(args, "native-resident-checked");
        assertEquals(heap.losses(), resident.losses(), name + " losses");
        assertEquals(heap.evals().size(), resident.evals().size(), name + " evaluations");
        for (int i = 0; i < heap.evals().size(); i++) {
            assertEquals(heap.evals().get(i).lmLoss(), resident.evals().get(i).lmLoss(), name + " " + heap.evals().get(i));
        }
    }

    @Test
    void singleRankAndOverlappedDataParallel() throws Exception {
        assertSameRun("single", 1, 1, 1, 2, 0, false);
        assertSameRun("dp2-overlap", 2, 1, 1, 2, 0, true);
        assertSameRun("dp2-zero1-overlap", 2, 1, 1, 2, 1, true);
    }

    @Test
    void pipelineTensorAndDataParallelWithZero() throws Exception {
        assertSameRun("3d", 8, 2, 2, 2, 1, false);
    }
}
