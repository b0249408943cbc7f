package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native CPU backend (AVX2/FMA SGEMM + OpenMP kernels) against the reference; skipped with
 * the loader's reason when the library was not built (no gcc) or does not load here.
 */
class NativeKernelsTest extends KernelsContractTest {
    private static NativeKernels cpu;

    @BeforeAll
    static void load() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
        cpu = NativeKernels.cpu(2);
    }

    @Override
    Kernels kernels() {
        return cpu;
    }

    @Test
    void namesTheBackend() {
        assertTrue(cpu.name().startsWith("native:native-cpu"), cpu.name());
    }

    @Test
    void rangesOutsideTheArraysThrowInsteadOfCrashing() {
        float[] small = new float[10];
        assertThrows(IndexOutOfBoundsException.class,
                () -> cpu.gemm(false, false, 4, 4, 4, 1f, small, 0, 4, small, 0, 4, 0f, small, 0, 4));
        assertThrows(IndexOutOfBoundsException.class,
                () -> cpu.gemmStridedBatched(false, false, 2, 2, 2, 1f, small, 0, 2, 4, small, 0, 2, 4, 0f,
                        new float[20], 0, 2, 8, 3));
        assertThrows(IndexOutOfBoundsException.class,
                () -> cpu.crossEntropyForward(new float[20], 0, new int[] {0, 12}, 0, new float[2], new float[2], 2, 10));
    }
}
