/*
 * The CPU backend's layout and small element-wise kernels (API version 5: add, fill, copy3d, the
 * block-diagonal zeroing and ALiBi of triangle attention) and the CPU backend as an nk_device,
 * whose "device" memory is 64-byte aligned host memory, so the whole device-resident path runs
 * (and is tested) without a GPU.
 */
#include <stdlib.h>
#include <string.h>
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
