package org.neox.kernel;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * OpenBLAS {@code cblas_sgemm} on heap arrays through reusable off-heap scratch buffers.
 * Measured here (2 cores, DESIGN.md §7): passing {@code float[]} straight to JavaCPP copies each
 * array through JNI both ways and halves throughput on big shapes (90 vs 176 GFLOP/s at
 * 2048×512·512×50304), so operands are copied once into scratch and only C is copied back.
 * Only the {@code [rows, cols]} each operand uses is copied, packed: an operand cut out of a
 * wider matrix (a block of attention scores {@code [128, s]} of {@code [s, s]}, a row slice of A)
 * is gathered row by row through a heap buffer instead of copying its whole span with the gaps.
 * Not thread-safe: one instance per calling thread.
 */
final class OffHeapGemm implements AutoCloseable {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private FloatPointer pa = new FloatPointer(1);
    private FloatPointer pb = new FloatPointer(1);
    private FloatPointer pc = new FloatPointer(1);
    /** Gather/scatter buffer for operands with gaps between rows. */
    private float[] rows = new float[0];

    /** {@link Kernels#gemm} semantics. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int aCols = transA ? m : k;
        int bCols = transB ? k : n;
        pa = load(pa, a, aOff, transA ? k : m, aCols, lda);
        pb = load(pb, b, bOff, transB ? n : k, bCols, ldb);
        pc = beta != 0f ? load(pc, c, cOff, m, n, ldc) : ensure(pc, (long) m * n);
        openblas.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS,
                m, n, k, alpha, pa, Math.max(1, aCols), pb, Math.max(1, bCols), beta, pc, n);
        store(c, cOff, m, n, ldc);
    }

    /** Copies the row-major {@code [r, cols]} matrix at {@code off} (row stride ld) packed into p. */
    private FloatPointer load(FloatPointer p, float[] src, int off, int r, int cols, int ld) {
        long total = (long) r * cols;
        FloatPointer q = ensure(p, total);
        if (total == 0) {
            return q;
        }
        if (ld == cols || r == 1) {
            q.position(0).put(src, off, (int) total);
        } else {
            float[] g = gather((int) total);
            for (int i = 0; i < r; i++) {
                System.arraycopy(src, off + i * ld, g, i * cols, cols);
            }
            q.position(0).put(g, 0, (int) total);
        }
        return q;
    }

    /** Writes the packed {@code [m, n]} result back into C (row stride ldc), leaving the gaps alone. */
    private void store(float[] c, int cOff, int m, int n, int ldc) {
        int total = m * n;
        if (ldc == n || m == 1) {
            pc.position(0).get(c, cOff, total);
            return;
        }
        float[] g = gather(total);
        pc.position(0).get(g, 0, total);
        for (int i = 0; i < m; i++) {
            System.arraycopy(g, i * n, c, cOff + i * ldc, n);
        }
    }

    private float[] gather(int n) {
        if (rows.length < n) {
            rows = new float[Math.max(n, rows.length * 3 / 2)];
        }
        return rows;
    }

    private static FloatPointer ensure(FloatPointer p, long n) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("GEMM operand of " + n + " floats exceeds 2^31");
        }
        if (p.capacity() >= n) {
            return p;
        }
        p.close();
        return new FloatPointer(Math.max(n, p.capacity() * 3 / 2));
    }

    @Override
    public void close() {
        pa.close();
        pb.close();
        pc.close();
    }
}
