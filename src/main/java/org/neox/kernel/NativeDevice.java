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

    /**
     * The native CPU backend as a device ({@code threads}: OpenMP threads, 0 keeps the default):
     * its memory is 64-byte aligned host memory, its kernels those of {@link NativeKernels#cpu}.
     *
     * @throws IllegalStateException with the reason when the library cannot be loaded
     */
    static NativeDevice cpu(int threads) {
        NativeKernels.ensureLoaded();
        return new NativeDevice(NativeKernels.nDevInitCpu(NativeLibrary.locate(NativeLibrary.CPU).toString(), threads));
    }

    /**
     * The CUDA backend as a device on GPU {@code device}: cudaMalloc'd memory, kernels queued on
     * one stream without staging. One GPU per process.
     *
     * @throws IllegalStateException with the reason (naming the GPU) when the CUDA library or the GPU is missing
     */
    static NativeDevice cuda(int device) {
        NativeKernels.ensureLoaded();
        return new NativeDevice(NativeLibrary.onGpu(device,
                () -> NativeKernels.nDevInitCuda(NativeLibrary.locate(NativeLibrary.CUDA).toString(), device)));
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
