package org.neox.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ownership rules of {@link ResidentKernels} (on the CPU backend's "device"), counted in bytes
 * moved: a buffer is uploaded once and then stays; {@code toHost} downloads only what the device
 * changed; {@code readToHost} reads a range and leaves the buffer to the kernels;
 * {@code toHostAfterReading} moves nothing; {@code toKernels} returns only a changed range; a
 * reduction of a host-held buffer runs on the host.
 */
class ResidentKernelsTest {
    private static final int N = 1000;

    @BeforeEach
    void nativeLibrary() {
        String why = NativeKernels.unavailableReason();
        assumeTrue(why == null, "native kernels not loadable, skipping: " + why);
    }

    private static float[] ramp() {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) {
            x[i] = i * 0.5f;
        }
        return x;
    }

    private static void assertTraffic(ResidentKernels k, long up, long down) {
        assertArrayEquals(new long[] {up, down}, k.traffic(), "bytes {uploaded, downloaded}");
    }

    @Test
    void aBufferIsUploadedOnceAndDownloadedOnlyWhenTheDeviceChangedIt() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] a = ramp();
        float[] b = ramp();
        float[] out = new float[N];
        k.add(a, 0, b, 0, out, 0, N);
        k.add(a, 0, b, 0, out, 0, N);
        assertTraffic(k, 3L * 4 * N, 0); // a, b and out once (a kernel may write part of out)
        assertTrue(Float.isNaN(out[7]), "the host copy of a device-owned buffer is poisoned");
        k.toHost(out);
        assertEquals(7f, out[7]);
        k.toHost(out);
        k.toHost(a); // never changed by a kernel: nothing to fetch
        assertTraffic(k, 3L * 4 * N, 4L * N);
    }

    @Test
    void readToHostReadsARangeAndLeavesTheBufferToTheKernels() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        k.readToHost(y, 100, 10);
        assertEquals(100f, y[100]);
        assertTrue(Float.isNaN(y[99]), "outside the range the host copy is still the device's");
        assertTraffic(k, 2 * 4L * N, 40); // x, and y's first copy (a kernel may write part of it)
        k.toHost(y); // still the kernels': the whole buffer comes now
        assertTraffic(k, 2 * 4L * N, 40 + 4L * N);
    }

    @Test
    void toHostAfterReadingMovesNothingAndTheNextKernelUploads() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        k.readToHost(y, 0, N);
        k.toHostAfterReading(y);
        y[3] = 100f; // a host change (a reduced gradient bucket) after the hand-over
        assertTraffic(k, 2 * 4L * N, 4L * N);
        float[] z = new float[N];
        k.add(y, 0, x, 0, z, 0, N);
        k.toHost(z);
        assertEquals(101.5f, z[3]);
        assertTraffic(k, 4 * 4L * N, 2 * 4L * N); // y again (the host's), and z's first copy
    }

    @Test
    void aHostWriteWithoutHandOverIsCaughtInTheCheckedMode() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        x[5] = -1f; // x was read by a kernel: it is the kernels' until toHost
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> k.add(x, 0, x, 0, y, 0, N));
        assertTrue(e.getMessage().contains("written on the host after a kernel used it"), e.getMessage());
    }

    @Test
    void aSumOfSquaresOfAHostBufferRunsOnTheHost() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        double expected = NativeKernels.cpu(1).sumOfSquares(x, 0, N);
        assertEquals(expected, k.sumOfSquares(x, 0, N));
        assertTraffic(k, 0, 0);
        assertEquals(0, k.deviceBytes(), "no device copy was made");
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        assertEquals(4 * expected, k.sumOfSquares(y, 0, N), 1e-9 * expected);
        assertTraffic(k, 2L * 4 * N, 0); // y summed where it is, on the device
    }

    @Test
    void toKernelsUploadsOnlyTheRangeTheHostChanged() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        k.toHost(y);
        y[500] = -1f;
        y[501] = -2f;
        k.toKernels(y, 500, 2);
        assertTraffic(k, 2 * 4L * N + 8, 4L * N);
        float[] z = new float[N];
        k.add(y, 0, x, 0, z, 0, N);
        k.toHost(z);
        assertEquals(-1f + 250f, z[500]);
        assertEquals(3 * 1.5f, z[3]); // untouched: y[3] + x[3] = 3 + 1.5
    }

    @Test
    void toKernelsAfterALongerHostTenureUploadsTheWholeBufferLater() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        k.toHost(y);
        y[3] = 7f; // written outside the range named below...
        k.toHost(y); // ...and handed over again: the device copy is no longer known current
        k.toKernels(y, 500, 2);
        float[] z = new float[N];
        k.add(y, 0, x, 0, z, 0, N);
        k.toHost(z);
        assertEquals(7f + 1.5f, z[3]);
    }

    @Test
    void aRangeThatHidesAnotherHostWriteIsCaughtInTheCheckedMode() {
        ResidentKernels k = ResidentKernels.cpu(1, true);
        float[] x = ramp();
        float[] y = new float[N];
        k.add(x, 0, x, 0, y, 0, N);
        k.toHost(y);
        y[3] = 7f;
        k.toKernels(y, 500, 2); // a wrong promise: element 3 changed too
        assertThrows(IllegalStateException.class, () -> k.add(y, 0, x, 0, x, 0, N));
    }
}
