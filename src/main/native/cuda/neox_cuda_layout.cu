/*
 * The CUDA backend's layout and small element-wise kernels (API version 5): add, fill, the 3-d
 * strided copy of the qkv split/merge and heads <-> rows permutations, the block-diagonal zeroing
 * and the ALiBi bias of triangle attention. One thread per element (grid-stride), 64-bit indices.
 */
#include "neox_kernels.h"
#include "neox_cuda.h"
#include "nkc_grid.cuh"

__global__ void add_kernel(const float *a, const float *b, float *out, int64_t n) {
    FOR_N(i, n) out[i] = a[i] + b[i];
}

__global__ void fill_kernel(float *x, int64_t n, float value) {
    FOR_N(i, n) x[i] = value;
}

/* i over n0*n1*n2 in (i0, i1, j) order: consecutive threads copy consecutive j. */
__global__ void copy3d_kernel(const float *src, float *dst, int64_t n, int n1, int n2, int64_t ss0, int64_t ss1,
                              int64_t ds0, int64_t ds1) {
    FOR_N(i, n) {
        int64_t row = i / n2, j = i % n2, i0 = row / n1, i1 = row % n1;
        dst[i0 * ds0 + i1 * ds1 + j] = src[i0 * ss0 + i1 * ss1 + j];
    }
}

/* e over count*seq*seq; writes only i < j < min(seq, (i/block + 1)*block). */
__global__ void zero_blocks_kernel(float *x, int64_t n, int seq, int block) {
    FOR_N(e, n) {
        int j = (int) (e % seq), i = (int) ((e / seq) % seq);
        if (j > i && j < ((int64_t) i / block + 1) * block) x[e] = 0.f;
    }
}

/* e over count*rows*cols; the product and the sum are rounded separately (no FMA contraction), as
 * the Java loop of ReferenceKernels.alibiBias computes them. */
__global__ void alibi_kernel(float *x, int64_t n, int rows, int cols, int pos0, const float *slopes, int heads) {
    FOR_N(e, n) {
        int j = (int) (e % cols);
        int64_t cr = e / cols;
        int i = pos0 + (int) (cr % rows);
        if (j <= i) x[e] = __fadd_rn(x[e], __fmul_rn((float) (j - i), slopes[(cr / rows) % heads]));
    }
}

extern "C" void nkc_add(cudaStream_t s, const float *a, const float *b, float *out, int64_t n) {
    if (n > 0) add_kernel<<<GRID(n), 256, 0, s>>>(a, b, out, n);
}

extern "C" void nkc_fill(cudaStream_t s, float *x, int64_t n, float value) {
    if (n > 0) fill_kernel<<<GRID(n), 256, 0, s>>>(x, n, value);
}

extern "C" void nkc_copy3d(cudaStream_t s, const float *src, float *dst, int n0, int n1, int n2, int64_t ss0,
                           int64_t ss1, int64_t ds0, int64_t ds1) {
    if (n0 <= 0 || n1 <= 0 || n2 <= 0) return;
    int64_t n = (int64_t) n0 * n1 * n2;
    copy3d_kernel<<<GRID(n), 256, 0, s>>>(src, dst, n, n1, n2, ss0, ss1, ds0, ds1);
}

extern "C" void nkc_zero_above_diag_blocks(cudaStream_t s, float *x, int count, int seq, int block) {
    if (count <= 0 || seq <= 0 || block <= 0) return;
    int64_t n = (int64_t) count * seq * seq;
    zero_blocks_kernel<<<GRID(n), 256, 0, s>>>(x, n, seq, block);
}

extern "C" void nkc_alibi_bias(cudaStream_t s, float *x, int count, int rows, int cols, int pos0,
                               const float *slopes, int heads) {
    if (count <= 0 || rows <= 0 || cols <= 0 || heads <= 0) return;
    int64_t n = (int64_t) count * rows * cols;
    alibi_kernel<<<GRID(n), 256, 0, s>>>(x, n, rows, cols, pos0, slopes, heads);
}
