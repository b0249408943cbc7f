package org.neox.kernel;

import java.util.Objects;

/**
 * Range checks for native calls: a bad offset in native code would crash the JVM (or, on a GPU,
 * end the CUDA context) instead of throwing, so every native kernel call checks the ranges it will
 * touch first (cheap next to the kernels).
 */
final class NativeRanges {
    private NativeRanges() {
    }

    /** Throws unless {@code [off, off + len)} lies inside {@code a} (nothing to check when len <= 0). */
    static void need(float[] a, int off, long len, String what) {
        Objects.requireNonNull(a, what);
        if (len > 0 && (off < 0 || off + len > a.length)) {
            throw new IndexOutOfBoundsException(what + ": [" + off + ", " + (off + len) + ") outside float[" + a.length + "]");
        }
    }

    /** As {@link #need(float[], int, long, String)} for int arrays. */
    static void need(int[] a, int off, long len, String what) {
        Objects.requireNonNull(a, what);
        if (len > 0 && (off < 0 || off + len > a.length)) {
            throw new IndexOutOfBoundsException(what + ": [" + off + ", " + (off + len) + ") outside int[" + a.length + "]");
        }
    }

    /** Elements spanned by a row-major [rows, cols] matrix with row stride ld. */
    static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    /** Elements spanned by {@code count} blocks of {@code inner} elements each, {@code stride} apart. */
    static long batched(int count, long stride, long inner) {
        return (long) (count - 1) * stride + inner;
    }

    /**
     * Labels index logits in native code: out-of-range labels must throw, not corrupt memory
     * (device callers run it on the host copy before uploading the labels).
     */
    static void checkLabels(int[] labels, int labOff, int rows, int vocab) {
        need(labels, labOff, rows, "labels");
        for (int r = 0; r < rows; r++) {
            int l = labels[labOff + r];
            if (l < 0 || l >= vocab) {
                throw new IndexOutOfBoundsException("label " + l + " at row " + r + " outside vocab " + vocab);
            }
        }
    }
}
