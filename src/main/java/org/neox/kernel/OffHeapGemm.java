package org.neox.kernel;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * OpenBLAS {@code cblas_sgemm} on heap arrays through reusable off-heap scratch buffers.
 * Measured here (2 cores, DESIGN.md §7): passing {@code float[]} straight to JavaCPP copies each
 * array through JNI both ways and halves throughput on big shapes (90 vs 176 GFLOP/s at
 * 2048×512·512×50304), so operands are copied once into scratch and only C is copied back.
 * Not thread-safe: one instance per calling thread.
 */
final class OffHeapGemm implements AutoCloseable {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private FloatPointer pa = new FloatPointer(1);
    private FloatPointer pb = new FloatPointer(1);
    private FloatPointer pc = new FloatPointer(1);

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc, int count, int strideA, int strideB, int strideC) {
        if (m == 0 || n == 0 || count == 0) {
            return;
        }
        long spanA = span(transA ? k : m, transA ? m : k, lda, count, strideA);
        long spanB = span(transB ? n : k, transB ? k : n, ldb, count, strideB);
        long spanC = span(m, n, ldc, count, strideC);
        pa = ensure(pa, spanA);
        pb = ensure(pb, spanB);
        pc = ensure(pc, spanC);
        pa.position(0).put(a, aOff, (int) spanA);
        pb.position(0).put(b, bOff, (int) spanB);
        boolean packedC = ldc == n && (count == 1 || strideC == m * n);
        if (beta != 0f || !packedC) {
            pc.position(0).put(c, cOff, (int) spanC);
        }
        for (int p = 0; p < count; p++) {
            pa.position((long) p * strideA);
            pb.position((long) p * strideB);
            pc.position((long) p * strideC);
            openblas.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS,
                    m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
        pa.position(0);
        pb.position(0);
        pc.position(0).get(c, cOff, (int) spanC);
    }

    private static long span(int rows, int cols, int ld, int count, int stride) {
        long one = (long) (rows - 1) * ld + cols;
        long total = (long) (count - 1) * stride + one;
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("GEMM operand of " + total + " floats exceeds 2^31");
        }
        return total;
    }

    private static FloatPointer ensure(FloatPointer p, long n) {
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
