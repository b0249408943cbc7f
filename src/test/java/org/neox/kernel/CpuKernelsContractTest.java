package org.neox.kernel;

import org.junit.jupiter.api.AfterAll;

/** The pure Java {@link CpuKernels} (OpenBLAS GEMMs, float loops) under the shared kernel contract. */
class CpuKernelsContractTest extends KernelsContractTest {
    private static final CpuKernels CPU = new CpuKernels(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Override
    Kernels kernels() {
        return CPU;
    }
}
