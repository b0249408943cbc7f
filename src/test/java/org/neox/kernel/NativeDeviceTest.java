package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        return NativeDevice.cpu(2).handle;
    }

    @Override
    boolean bitwise() {
        return true;
    }

    /**
     * ResidentKernels.sumOfSquares reads the current copy: the host's (uploaded) while the host owns
     * the buffer, the device's after a kernel wrote it (the poisoned host copy is then NaN).
     */
    @Test
    void residentSumOfSquaresReadsTheCurrentCopy() {
        ResidentKernels resident = ResidentKernels.cpu(2, true);
        int n = 70_001;
        float[] a = new float[n + 2], b = new float[n + 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(i);
            b[i] = (float) Math.cos(3 * i);
        }
        assertEquals(Double.doubleToLongBits(heap.sumOfSquares(a, 1, n)),
                Double.doubleToLongBits(resident.sumOfSquares(a, 1, n)), "host-owned input");
        float[] sum = new float[n + 2];
        heap.add(a, 1, b, 1, sum, 1, n);
        double want = heap.sumOfSquares(sum, 1, n);
        float[] onDevice = new float[n + 2];
        resident.add(a, 1, b, 1, onDevice, 1, n);
        assertTrue(Float.isNaN(onDevice[1]), "the host copy of a device-owned buffer is poisoned");
        assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(resident.sumOfSquares(onDevice, 1, n)),
                "device-owned output");
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
            cuda = NativeDevice.cuda(0).handle;
        } catch (IllegalStateException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "no reason given");
            return;
        }
        assumeTrue(false, "a GPU is present (" + NativeKernels.nDevName(cuda) + "): nothing to check here");
    }
}
