/*
 * The CUDA backend's layout and small element-wise kernels (API version 5): add, fill, the 3-d
 * strided copy of the qkv split/merge and heads <-> rows permutations, the block-diagonal zeroing
 * and the ALiBi bias of triangle attention. One thread per element (grid-stride), 64-bit indices.
 * API version 6: the sum of squares, a two-stage reduction in double.
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

/* Stage 1: SUM_SQ_THREADS threads per block, at most NKC_SUM_SQ_SCRATCH - 1 blocks; each thread sums its
 * grid-stride elements, the block reduces in shared memory (a fixed tree) into part[blockIdx.x]. */
constexpr int SUM_SQ_THREADS = 256;
constexpr int SUM_SQ_BLOCKS = NKC_SUM_SQ_SCRATCH - 1;

__device__ double block_sum(double v, double *sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int w = SUM_SQ_THREADS / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    return sh[0];
}

__global__ void __launch_bounds__(SUM_SQ_THREADS) sum_sq_blocks(const float *x, int64_t n, double *part) {
    __shared__ double sh[SUM_SQ_THREADS];
    double s = 0.0;
    FOR_N(i, n) {
        double v = x[i];
        s += v * v;
    }
    double t = block_sum(s, sh);
    if (threadIdx.x == 0) part[blockIdx.x] = t;
}

/* Stage 2: one block over the blocks' sums; writes *out. */
__global__ void __launch_bounds__(SUM_SQ_THREADS) sum_sq_final(const double *part, int blocks, double *out) {
    __shared__ double sh[SUM_SQ_THREADS];
    double s = 0.0;
    for (int b = threadIdx.x; b < blocks; b += SUM_SQ_THREADS) s += part[b];
    double t = block_sum(s, sh);
    if (threadIdx.x == 0) *out = t;
}

extern "C" double nkc_sum_sq(cudaStream_t s, const float *x, int64_t n, double *scratch) {
    if (n <= 0) return 0.0;
    if (!scratch) return __builtin_nan("");
    int64_t want = (n + SUM_SQ_THREADS - 1) / SUM_SQ_THREADS;
    int blocks = want < SUM_SQ_BLOCKS ? (int) want : SUM_SQ_BLOCKS;
    sum_sq_blocks<<<blocks, SUM_SQ_THREADS, 0, s>>>(x, n, scratch);
    sum_sq_final<<<1, SUM_SQ_THREADS, 0, s>>>(scratch, blocks, scratch + SUM_SQ_BLOCKS);
    double r = __builtin_nan("");
    cudaMemcpyAsync(&r, scratch + SUM_SQ_BLOCKS, sizeof r, cudaMemcpyDeviceToHost, s);
    // a failed launch leaves r unwritten: its error is pending (not cleared here, so the caller reports it)
    if (cudaStreamSynchronize(s) != cudaSuccess || cudaPeekAtLastError() != cudaSuccess) return __builtin_nan("");
    return r;
}
