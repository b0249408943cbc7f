/*
 * A host-memory stand-in for libcublas.so.13 (and an empty libcublasLt.so.13 it depends on, built from
 * -DFAKE_LT), for cublas_rt_check: the seven entry points cublas_rt.cu loads, column-major SGEMM computed
 * on the CPU in double, with cuBLAS's argument checks (lda >= max(1, transa == N ? m : k), ldb >= max(1,
 * transb == N ? k : n), ldc >= max(1, m): else CUBLAS_STATUS_INVALID_VALUE 7) and "beta == 0: C is not read".
 */
#ifdef FAKE_LT
int fake_cublas_lt(void) { return 42; }
#else
#include <stdlib.h>

int fake_cublas_lt(void);

struct cublasContext {
    void *stream;
    int math;
};

static int at_least(int v, int n) { return v >= (n > 1 ? n : 1); }

int cublasCreate_v2(struct cublasContext **h) {
    *h = calloc(1, sizeof **h);
    (*h)->math = -1;
    return fake_cublas_lt() == 42 ? 0 : 1;
}

int cublasDestroy_v2(struct cublasContext *h) {
    free(h);
    return 0;
}

int cublasGetVersion_v2(struct cublasContext *h, int *v) {
    (void) h;
    *v = 130101;
    return 0;
}

int cublasSetStream_v2(struct cublasContext *h, void *s) {
    h->stream = s;
    return 0;
}

int cublasSetMathMode(struct cublasContext *h, int mode) {
    h->math = mode;
    return 0;
}

static int gemm(struct cublasContext *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *a,
                int lda, const float *b, int ldb, const float *beta, float *c, int ldc) {
    if (h->math != 0) return 14;   /* cublas_rt must have set CUBLAS_DEFAULT_MATH */
    if (m < 0 || n < 0 || k < 0 || (ta | tb) & ~1) return 7;
    if (!at_least(lda, ta ? k : m) || !at_least(ldb, tb ? n : k) || !at_least(ldc, m)) return 7;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++)
                s += (double) (ta ? a[(size_t) i * lda + p] : a[(size_t) p * lda + i]) *
                     (tb ? b[(size_t) p * ldb + j] : b[(size_t) j * ldb + p]);
            float *cij = c + (size_t) j * ldc + i;
            *cij = (float) (*alpha * s + (*beta == 0.f ? 0.0 : *beta * (double) *cij));
        }
    return 0;
}

int cublasSgemm_v2(struct cublasContext *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *a,
                   int lda, const float *b, int ldb, const float *beta, float *c, int ldc) {
    return gemm(h, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int cublasSgemmStridedBatched(struct cublasContext *h, int ta, int tb, int m, int n, int k, const float *alpha,
                              const float *a, int lda, long long sA, const float *b, int ldb, long long sB,
                              const float *beta, float *c, int ldc, long long sC, int count) {
    if (count < 0) return 7;
    for (int p = 0; p < count; p++) {
        int st = gemm(h, ta, tb, m, n, k, alpha, a + p * sA, lda, b + p * sB, ldb, beta, c + p * sC, ldc);
        if (st) return st;
    }
    return 0;
}
#endif
