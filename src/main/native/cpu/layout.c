/*
 * The CPU backend's layout and small element-wise kernels (API version 5: add, fill, copy3d, the
 * block-diagonal zeroing and ALiBi of triangle attention), the sum of squares (version 6) and the
 * CPU backend as an nk_device,
 * whose "device" memory is 64-byte aligned host memory, so the whole device-resident path runs
 * (and is tested) without a GPU.
 */
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>
#include "nk_cpu.h"

#define PAR(work) if ((work) > 32768) num_threads(nk_threads)

void nk_add(const float *a, const float *b, float *out, int64_t n) {
#pragma omp parallel for simd schedule(static) PAR(n)
    for (int64_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void nk_fill(float *x, int64_t n, float value) {
#pragma omp parallel for simd schedule(static) PAR(n)
    for (int64_t i = 0; i < n; i++) x[i] = value;
}

void nk_copy3d(const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1, int64_t ds0,
               int64_t ds1) {
    if (n0 <= 0 || n1 <= 0 || n2 <= 0) return;
    int64_t rows = (int64_t) n0 * n1;
#pragma omp parallel for schedule(static) PAR(rows * n2)
    for (int64_t r = 0; r < rows; r++) {
        int64_t i0 = r / n1, i1 = r % n1;
        memcpy(dst + i0 * ds0 + i1 * ds1, src + i0 * ss0 + i1 * ss1, (size_t) n2 * sizeof(float));
    }
}

void nk_zero_above_diag_blocks(float *x, int count, int seq, int block) {
    if (count <= 0 || seq <= 0 || block <= 0) return;
    int64_t rows = (int64_t) count * seq;
#pragma omp parallel for schedule(static) PAR(rows * seq / 2)
    for (int64_t r = 0; r < rows; r++) {
        int i = (int) (r % seq);
        int64_t lim = ((int64_t) i / block + 1) * block;
        int end = lim < seq ? (int) lim : seq;
        if (end > i + 1) memset(x + r * seq + i + 1, 0, (size_t) (end - i - 1) * sizeof(float));
    }
}

/* The bias is rounded to float before the sum, as the Java loop does: no FMA contraction here
 * (the library is built with -ffp-contract=fast by default under -O3 -mfma). */
__attribute__((optimize("fp-contract=off")))
void nk_alibi_bias(float *x, int count, int rows, int cols, int pos0, const float *slopes, int heads) {
    if (count <= 0 || rows <= 0 || cols <= 0 || heads <= 0) return;
    int64_t all = (int64_t) count * rows;
#pragma omp parallel for schedule(static) PAR(all * cols / 2)
    for (int64_t cr = 0; cr < all; cr++) {
        float slope = slopes[(cr / rows) % heads];
        int i = pos0 + (int) (cr % rows);
        int end = cols < i + 1 ? cols : i + 1;
        float *o = x + cr * cols;
        for (int j = 0; j < end; j++) {
            float bias = (float) (j - i) * slope;
            o[j] += bias;
        }
    }
}

/* Fixed chunks of SUM_SQ_CHUNK elements, each summed in double by one thread, the chunk sums then
 * added in chunk order: the result depends on n only, not on the thread count or timing (an
 * OpenMP reduction clause would combine the thread sums in arrival order). */
#define SUM_SQ_CHUNK 65536

/* Explicit AVX2 lanes (16 doubles in 4 accumulators, then a fixed tree), so that the order of
 * summation is fixed by n alone: a vectorised plain loop may peel for alignment, which would make
 * it depend on where x lies (heap arrays vs 64-byte aligned device memory). (double) x * x is
 * exact, so the fused multiply-add rounds once, as a separate add would. The tail loop is kept
 * scalar for the same reason (no auto-vectorisation in this function). */
__attribute__((optimize("no-tree-vectorize")))
static double sum_sq_range(const float *x, int64_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 u = _mm256_loadu_ps(x + i), v = _mm256_loadu_ps(x + i + 8);
        __m256d u0 = _mm256_cvtps_pd(_mm256_castps256_ps128(u)), u1 = _mm256_cvtps_pd(_mm256_extractf128_ps(u, 1));
        __m256d v0 = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), v1 = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        a0 = _mm256_fmadd_pd(u0, u0, a0);
        a1 = _mm256_fmadd_pd(u1, u1, a1);
        a2 = _mm256_fmadd_pd(v0, v0, a2);
        a3 = _mm256_fmadd_pd(v1, v1, a3);
    }
    double lane[4];
    _mm256_storeu_pd(lane, _mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
    double s = (lane[0] + lane[1]) + (lane[2] + lane[3]);
    for (; i < n; i++) s += (double) x[i] * x[i];
    return s;
}

double nk_sum_sq(const float *x, int64_t n) {
    if (n <= SUM_SQ_CHUNK) return n > 0 ? sum_sq_range(x, n) : 0.0;
    /* up to SUM_SQ_GROUP chunks (64 Mi elements) per parallel region, so the chunk sums fit on the stack */
    enum { SUM_SQ_GROUP = 1024 };
    double part[SUM_SQ_GROUP], s = 0.0;
    int64_t chunks = (n + SUM_SQ_CHUNK - 1) / SUM_SQ_CHUNK;
    for (int64_t g0 = 0; g0 < chunks; g0 += SUM_SQ_GROUP) {
        int g = chunks - g0 < SUM_SQ_GROUP ? (int) (chunks - g0) : SUM_SQ_GROUP;
#pragma omp parallel for schedule(static) num_threads(nk_threads)
        for (int c = 0; c < g; c++) {
            int64_t from = (g0 + c) * SUM_SQ_CHUNK, len = n - from < SUM_SQ_CHUNK ? n - from : SUM_SQ_CHUNK;
            part[c] = sum_sq_range(x + from, len);
        }
        for (int c = 0; c < g; c++) s += part[c];
    }
    return s;
}

/* ------------------------------------------------------------------ the CPU backend as a device */

static void *cpu_alloc(int64_t bytes) {
    if (bytes < 0 || (uint64_t) bytes > SIZE_MAX - 64) return NULL;
    size_t b = ((size_t) (bytes > 0 ? bytes : 1) + 63) & ~(size_t) 63;
    return aligned_alloc(64, b);
}

static void cpu_release(void *p) { free(p); }

static void cpu_upload(void *dst, const void *host, int64_t bytes) {
    if (bytes > 0) memcpy(dst, host, (size_t) bytes);
}

static void cpu_download(void *host, const void *src, int64_t bytes) {
    if (bytes > 0) memcpy(host, src, (size_t) bytes);
}

/* Kernels run synchronously on the caller and cannot fail. */
static int cpu_error(char *msg, int len) {
    if (len > 0) msg[0] = 0;
    return 0;
}

static nk_device CPU_DEVICE = {
    NK_API_VERSION, "native-cpu device (aligned host memory, avx2/fma, openmp)", NULL,
    cpu_alloc, cpu_release, cpu_upload, cpu_download, cpu_error,
};

const nk_device *nk_cpu_device(int threads) {
    CPU_DEVICE.ops = nk_cpu_ops(threads);
    return &CPU_DEVICE;
}
