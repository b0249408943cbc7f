/*
 * SGEMM for AVX2/FMA (Goto/BLIS structure): C is computed in 6x16 register tiles (12 ymm
 * accumulators) from packed panels: A is packed in MC x KC blocks as 6-row slivers
 * (k-major), B in KC x NC blocks as 16-column slivers, both zero-padded so the micro-kernel
 * always runs full tiles; partial tiles go through a small stack buffer.
 * Block sizes for Zen 3: a 16-wide B sliver over KC=256 is 16 KiB (L1), the packed A block
 * 144x256 is 144 KiB (L2, 512 KiB), the packed B block 256x3072 is 3 MiB (L3).
 * Threads split C's columns (or rows when n is narrow); each packs its own panels. A C at most
 * 64 wide reads a non-transposed A in place (see gemm_block_narrow); batched products go whole
 * to threads (see nk_sgemm_batched).
 */
#include <immintrin.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "nk_cpu.h"

#define MR 6
#define NR 16
#define KC 256
#define MC 144
#define NC 3072

static __thread float *tl_pack_a;
static __thread float *tl_pack_b;

static void ensure_buffers(void) {
    if (!tl_pack_a) {
        tl_pack_a = aligned_alloc(64, sizeof(float) * MC * KC);
        tl_pack_b = aligned_alloc(64, sizeof(float) * KC * NC);
    }
}

/* A(i,p) of op(A), rows [i0, i0+mc), k [p0, p0+kc) into 6-row slivers: dst[s][p][0..6). */
static void pack_a(int transA, const float *a, int lda, int i0, int mc, int p0, int kc, float *dst) {
    for (int s = 0; s < mc; s += MR) {
        int mr = mc - s < MR ? mc - s : MR;
        float *d = dst + (size_t) s * kc;
        if (!transA) {
            const float *rows[MR];
            for (int r = 0; r < MR; r++) {
                rows[r] = a + (size_t) (i0 + s + (r < mr ? r : 0)) * lda + p0;
            }
            for (int p = 0; p < kc; p++) {
                for (int r = 0; r < MR; r++) {
                    d[p * MR + r] = r < mr ? rows[r][p] : 0.f;
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                const float *src = a + (size_t) (p0 + p) * lda + i0 + s;
                for (int r = 0; r < MR; r++) {
                    d[p * MR + r] = r < mr ? src[r] : 0.f;
                }
            }
        }
    }
}

/* B(p,j) of op(B), k [p0, p0+kc), cols [j0, j0+nc) into 16-column slivers: dst[s][p][0..16). */
static void pack_b(int transB, const float *b, int ldb, int p0, int kc, int j0, int nc, float *dst) {
    for (int s = 0; s < nc; s += NR) {
        int nr = nc - s < NR ? nc - s : NR;
        float *d = dst + (size_t) s * kc;
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                const float *src = b + (size_t) (p0 + p) * ldb + j0 + s;
                if (nr == NR) {
                    _mm256_store_ps(d + p * NR, _mm256_loadu_ps(src));
                    _mm256_store_ps(d + p * NR + 8, _mm256_loadu_ps(src + 8));
                } else {
                    for (int j = 0; j < NR; j++) {
                        d[p * NR + j] = j < nr ? src[j] : 0.f;
                    }
                }
            }
        } else {
            for (int j = 0; j < NR; j++) {
                if (j < nr) {
                    const float *src = b + (size_t) (j0 + s + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) {
                        d[p * NR + j] = src[p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        d[p * NR + j] = 0.f;
                    }
                }
            }
        }
    }
}

static inline void store_row(float *c, __m256 lo, __m256 hi, __m256 va, __m256 vb, int beta_zero) {
    if (beta_zero) {
        _mm256_storeu_ps(c, _mm256_mul_ps(va, lo));
        _mm256_storeu_ps(c + 8, _mm256_mul_ps(va, hi));
    } else {
        _mm256_storeu_ps(c, _mm256_fmadd_ps(va, lo, _mm256_mul_ps(vb, _mm256_loadu_ps(c))));
        _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(va, hi, _mm256_mul_ps(vb, _mm256_loadu_ps(c + 8))));
    }
}

/* C[0..mr, 0..nr) = alpha * A·Bp + beta * C (beta == 0: C not read), A(r, p) at ap[r*rs + p*ks]:
 * packed slivers have rs = 1, ks = MR; rows read in place have rs = lda, ks = 1. */
static inline __attribute__((always_inline)) void micro_kernel_s(int kc, const float *restrict ap, ptrdiff_t rs,
                                                                 ptrdiff_t ks, const float *restrict bp, float *c,
                                                                 int ldc, float alpha, float beta, int mr, int nr) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    /* C's rows are touched only after the k loop: start fetching them now. */
    for (int r = 0; r < MR; r++) {
        _mm_prefetch((const char *) (c + (size_t) r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *) (c + (size_t) r * ldc + 15), _MM_HINT_T0);
    }
    /* Unrolled with a B prefetch 8 steps ahead: measured ~20% faster single-threaded here. */
#pragma GCC unroll 4
    for (int p = 0; p < kc; p++) {
        _mm_prefetch((const char *) (bp + NR * 8), _MM_HINT_T0);
        __m256 b0 = _mm256_load_ps(bp);
        __m256 b1 = _mm256_load_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(ap); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(ap + rs); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(ap + 2 * rs); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(ap + 3 * rs); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(ap + 4 * rs); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(ap + 5 * rs); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        ap += ks;
        bp += NR;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    int bz = beta == 0.f;
    if (mr == MR && nr == NR) {
        store_row(c, c00, c01, va, vb, bz);
        store_row(c + ldc, c10, c11, va, vb, bz);
        store_row(c + 2 * ldc, c20, c21, va, vb, bz);
        store_row(c + 3 * ldc, c30, c31, va, vb, bz);
        store_row(c + 4 * ldc, c40, c41, va, vb, bz);
        store_row(c + 5 * ldc, c50, c51, va, vb, bz);
        return;
    }
    float t[MR * NR] __attribute__((aligned(32)));
    __m256 acc[MR * 2] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < MR * 2; r++) {
        _mm256_store_ps(t + r * 8, acc[r]);
    }
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nr; j++) {
            float v = alpha * t[i * NR + j];
            c[(size_t) i * ldc + j] = bz ? v : v + beta * c[(size_t) i * ldc + j];
        }
    }
}

static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *c, int ldc,
                         float alpha, float beta, int mr, int nr) {
    micro_kernel_s(kc, ap, 1, MR, bp, c, ldc, alpha, beta, mr, nr);
}

/* Full 6-row slivers of a non-transposed A read in place (6 sequential row streams). */
static void micro_kernel_rows(int kc, const float *restrict ap, int lda, const float *restrict bp, float *c, int ldc,
                              float alpha, float beta) {
    micro_kernel_s(kc, ap, lda, 1, bp, c, ldc, alpha, beta, MR, NR);
}

/*
 * C narrower than 64 columns (attention's P·V and dS·K, n = head size): packing A would be
 * amortised over at most 4 B slivers, so full slivers of a non-transposed A are read in place;
 * only a partial last sliver is packed.
 */
static void gemm_block_narrow(int i0, int i1, int jc, int nc, int pc, int kc, float alpha, const float *a, int lda,
                              float beta, float *c, int ldc) {
    for (int ir = i0; ir < i1; ir += MR) {
        int mr = i1 - ir < MR ? i1 - ir : MR;
        const float *ap = a + (size_t) ir * lda + pc;
        if (mr < MR) {
            pack_a(0, a, lda, ir, mr, pc, kc, tl_pack_a);
        }
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = nc - jr < NR ? nc - jr : NR;
            float *cp = c + (size_t) ir * ldc + jc + jr;
            if (mr == MR && nr == NR) {
                micro_kernel_rows(kc, ap, lda, tl_pack_b + (size_t) jr * kc, cp, ldc, alpha, beta);
            } else if (mr == MR) {
                micro_kernel_s(kc, ap, lda, 1, tl_pack_b + (size_t) jr * kc, cp, ldc, alpha, beta, mr, nr);
            } else {
                micro_kernel(kc, tl_pack_a, tl_pack_b + (size_t) jr * kc, cp, ldc, alpha, beta, mr, nr);
            }
        }
    }
}

/* Single-threaded blocked GEMM on the sub-problem rows [i0,i1) x cols [j0,j1) of C. */
static void gemm_block(int transA, int transB, int i0, int i1, int j0, int j1, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    ensure_buffers();
    for (int jc = j0; jc < j1; jc += NC) {
        int nc = j1 - jc < NC ? j1 - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            float bet = pc == 0 ? beta : 1.f;
            pack_b(transB, b, ldb, pc, kc, jc, nc, tl_pack_b);
            if (!transA && nc <= 4 * NR) {
                gemm_block_narrow(i0, i1, jc, nc, pc, kc, alpha, a, lda, bet, c, ldc);
                continue;
            }
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = i1 - ic < MC ? i1 - ic : MC;
                pack_a(transA, a, lda, ic, mc, pc, kc, tl_pack_a);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = mc - ir < MR ? mc - ir : MR;
                        micro_kernel(kc, tl_pack_a + (size_t) ir * kc, tl_pack_b + (size_t) jr * kc,
                                     c + (size_t) (ic + ir) * ldc + jc + jr, ldc, alpha, bet, mr, nr);
                    }
                }
            }
        }
    }
}

/* k == 0 (or alpha == 0): C = beta*C, with beta == 0 writing zeros. */
static void scale_c(int i0, int i1, int n, float beta, float *c, int ldc) {
    for (int i = i0; i < i1; i++) {
        for (int j = 0; j < n; j++) {
            c[(size_t) i * ldc + j] = beta == 0.f ? 0.f : beta * c[(size_t) i * ldc + j];
        }
    }
}

void nk_sgemm_st(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) {
        return;
    }
    if (k <= 0 || alpha == 0.f) {
        scale_c(0, m, n, beta, c, ldc);
        return;
    }
    gemm_block(transA, transB, 0, m, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void nk_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) {
        return;
    }
    int threads = nk_threads;
    double flops = 2.0 * m * n * (double) (k > 0 ? k : 1);
    if (threads == 1 || flops < 4e6 || k <= 0 || alpha == 0.f) {
        nk_sgemm_st(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    /* Split the longer side of C in tile-aligned parts, one per thread. */
    int split_cols = n >= m || n >= NR * threads * 8;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        if (split_cols) {
            int tiles = (n + NR - 1) / NR;
            int j0 = (int) ((long) tiles * t / nt) * NR, j1 = (int) ((long) tiles * (t + 1) / nt) * NR;
            if (j1 > n) j1 = n;
            if (j0 < j1) gemm_block(transA, transB, 0, m, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } else {
            int tiles = (m + MR - 1) / MR;
            int i0 = (int) ((long) tiles * t / nt) * MR, i1 = (int) ((long) tiles * (t + 1) / nt) * MR;
            if (i1 > m) i1 = m;
            if (i0 < i1) gemm_block(transA, transB, i0, i1, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }
}

/*
 * Attention's per-head products (count = batch·heads problems of [128..1024] x 64 x [64..1024]):
 * too small to split well inside one GEMM (each thread would pack the same B panel, and every
 * call pays an OpenMP fork), so whole problems go to threads, each on the single-threaded
 * kernel. That needs enough problems to balance; otherwise each problem uses all threads.
 * Dynamic scheduling: on a shared machine a preempted thread then delays only its current
 * problem; each problem is computed whole by one thread, so results do not depend on it.
 */
void nk_sgemm_batched(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, int64_t sA,
                      const float *b, int ldb, int64_t sB, float beta, float *c, int ldc, int64_t sC, int count) {
    if (m <= 0 || n <= 0 || count <= 0) {
        return;
    }
    int threads = nk_threads;
    double flops = 2.0 * m * n * (double) (k > 0 ? k : 1) * count;
    if (threads > 1 && flops >= 4e6 && (count % threads == 0 || count >= 4 * threads)) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (int p = 0; p < count; p++) {
            nk_sgemm_st(transA, transB, m, n, k, alpha, a + p * sA, lda, b + p * sB, ldb, beta, c + p * sC, ldc);
        }
        return;
    }
    for (int p = 0; p < count; p++) {
        nk_sgemm(transA, transB, m, n, k, alpha, a + p * sA, lda, b + p * sB, ldb, beta, c + p * sC, ldc);
    }
}
