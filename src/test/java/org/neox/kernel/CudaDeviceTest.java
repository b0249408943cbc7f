package org.neox.kernel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The device entry points on the CUDA device (cudaMalloc'd memory, the nkc_* kernels on one
 * stream, no staging) against the native CPU heap kernels, with the contract tolerances; skipped
 * with the reason when there is no CUDA library or GPU.
 */
class CudaDeviceTest extends DeviceContractTest {

    @Override
    long device() {
        String why = null;
        long dev = 0;
        try {
            dev = NativeDevice.cuda(0).handle;
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            why = e.getMessage();
        }
        assumeTrue(why == null, "CUDA device not available, skipping: " + why);
        return dev;
    }

    @Override
    boolean bitwise() {
        return false;
    }
}
