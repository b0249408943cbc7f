package org.neox.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/**
 * The CUDA backend (host buffers staged to the device) against the reference, with the same
 * tolerances as the CPU backends; skipped with the reason when there is no CUDA library or GPU.
 */
class CudaKernelsTest extends KernelsContractTest {
    private static NativeKernels cuda;

    @BeforeAll
    static void load() {
        String why = null;
        try {
            cuda = NativeKernels.cuda(0);
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            why = e.getMessage();
        }
        assumeTrue(why == null, "CUDA kernels not available, skipping: " + why);
    }

    @Override
    Kernels kernels() {
        return cuda;
    }
}
