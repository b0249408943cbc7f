package org.neox.kernel;

/**
 * The memory of a native backend's device ({@code nk_device} in {@code neox_kernels.h}): CUDA
 * memory on a GPU, or 64-byte aligned host memory for the CPU backend (the same code path,
 * testable without a GPU). Addresses are raw byte addresses on that device.
 */
final class NativeDevice {
    final long handle;
    final String name;

    private NativeDevice(long handle) {
        this.handle = handle;
        this.name = NativeKernels.nDevName(handle);
    }

    /** The CPU backend as a device ({@code threads}: OpenMP threads, 0 keeps the default). */
    static NativeDevice cpu(int threads) {
        return new NativeDevice(NativeKernels.deviceCpu(threads));
    }

    /** GPU {@code device} of the CUDA backend; IllegalStateException with the reason when there is none. */
    static NativeDevice cuda(int device) {
        return new NativeDevice(NativeKernels.deviceCuda(device));
    }

    long alloc(long bytes) {
        return NativeKernels.nDevAlloc(handle, bytes);
    }

    void free(long address) {
        NativeKernels.nDevFree(handle, address);
    }

    void upload(float[] src, int srcOff, long dst, int n) {
        NativeKernels.nDevUpload(handle, src, srcOff, dst, n);
    }

    void uploadInts(int[] src, int srcOff, long dst, int n) {
        NativeKernels.nDevUploadInts(handle, src, srcOff, dst, n);
    }

    /** Waits for the device's queued work, then copies {@code n} floats from {@code src}. */
    void download(long src, float[] dst, int dstOff, int n) {
        NativeKernels.nDevDownload(handle, src, dst, dstOff, n);
    }
}
