package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The device entry points on the CPU device (the native CPU backend over 64-byte aligned host
 * memory it allocates): every {@code d*} operation runs the same C code as its heap twin, so
 * results must equal {@link NativeKernels#cpu}'s bit for bit. Runs everywhere the native library
 * builds, so the device-resident path is tested without a GPU.
 */
class NativeDeviceTest extends DeviceContractTest {

    @Override
    long device() {
        return NativeKernels.deviceCpu(2);
    }

    @Override
    boolean bitwise() {
        return true;
    }

    @Test
    void namesTheDevice() {
        String name = NativeKernels.nDevName(device());
        assertTrue(name.startsWith("native-cpu device"), name);
    }

    @Test
    void cudaDeviceWithoutAGpuThrowsWithAReason() {
        long cuda;
        try {
            cuda = NativeKernels.deviceCuda(0);
        } catch (IllegalStateException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "no reason given");
            return;
        }
        assumeTrue(false, "a GPU is present (" + NativeKernels.nDevName(cuda) + "): nothing to check here");
    }
}
