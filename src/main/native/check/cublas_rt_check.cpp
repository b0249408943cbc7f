/*
 * cublas_rt_check: cuda/cublas_rt.cu (loader, row-major -> column-major mapping, leading-dimension rules,
 * fallbacks) against fake_cublas.c, a host-memory stand-in for libcublas, so it runs without a GPU:
 * operands are host arrays and cudaGetDevice is defined here. `make cublas-check` runs
 *   NEOX_CUBLAS=.../fake/libcublas.so.13 cublas_rt_check on    every GEMM goes through "cuBLAS", matches
 *                                                             a row-major double reference (tol 1e-4)
 *   NEOX_CUBLAS=0 cublas_rt_check off                         nothing goes through cuBLAS
 * The fake libcublas has no RUNPATH to its libcublasLt sibling, as a pip wheel's: loading it checks the preload.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "cublas_rt.h"

extern "C" cudaError_t cudaGetDevice(int *device) {
    *device = 0;
    return cudaSuccess;
}

static int failures, compared;

static void fail(const char *what, const char *detail) {
    printf("FAIL %s: %s\n", what, detail);
    failures++;
}

/* Row-major C[m,n] = alpha*op(A)*op(B) + beta*C in double; beta == 0 ignores C. */
static void reference(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                      int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int p = 0; p < k; p++)
                s += (double) (ta ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p]) *
                     (tb ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j]);
            float *cij = c + (size_t) i * ldc + j;
            *cij = (float) (alpha * s + (beta == 0.f ? 0.0 : beta * (double) *cij));
        }
}

static void compare(const char *what, const std::vector<float> &ref, const std::vector<float> &got) {
    compared++;
    for (size_t i = 0; i < ref.size(); i++) {
        bool same = std::isnan(ref[i]) ? std::isnan(got[i]) : fabsf(ref[i] - got[i]) <= 1e-4f * (1 + fabsf(ref[i]));
        if (!same) {
            char d[96];
            snprintf(d, sizeof d, "at %zu ref %g got %g", i, ref[i], got[i]);
            fail(what, d);
            return;
        }
    }
}

/* One shape, transposes, beta (0: C starts NaN) and ld style (tight: single rows get ld 1), plain and batched. */
static void check_case(bool on, int m, int n, int k, int ta, int tb, float beta, bool tight) {
    int ra = ta ? k : m, ca = ta ? m : k, rb = tb ? n : k, cb = tb ? k : n;
    int lda = tight ? (ra == 1 ? 1 : ca) : ca + 3, ldb = tight ? (rb == 1 ? 1 : cb) : cb + 5;
    int ldc = tight ? (m == 1 ? 1 : n) : n + 7, count = 3;
    int64_t sA = (int64_t) (ra > 0 ? (ra - 1) * lda + ca : 1) + 2, sB = (int64_t) (rb > 0 ? (rb - 1) * ldb + cb : 1) + 1;
    int64_t sC = (int64_t) (m - 1) * ldc + n + 4;
    std::vector<float> a(sA * count), b(sB * count), ref(sC * count);
    for (float &v : a) v = (float) rand() / RAND_MAX * 2 - 1;
    for (float &v : b) v = (float) rand() / RAND_MAX * 2 - 1;
    for (float &v : ref) v = beta == 0.f ? NAN : (float) rand() / RAND_MAX * 2 - 1;
    std::vector<float> got(ref);
    char what[128];
    snprintf(what, sizeof what, "%dx%dx%d ta=%d tb=%d beta=%g %s lds", m, n, k, ta, tb, beta, tight ? "tight" : "padded");
    int expect = on && k > 0 ? 0 : 1;   // k == 0 always goes to the built-in kernel
    for (int batched = 0; batched < 2; batched++) {
        int cnt = batched ? count : 1;
        for (int p = 0; p < cnt; p++)
            reference(ta, tb, m, n, k, 0.7f, &a[p * sA], lda, &b[p * sB], ldb, beta, &ref[p * sC], ldc);
        int r = nkc_cublas_sgemm((cudaStream_t) (intptr_t) (0x100 + batched), ta, tb, m, n, k, 0.7f, a.data(), lda,
                                 sA, b.data(), ldb, sB, beta, got.data(), ldc, sC, cnt, batched);
        if (r != expect) fail(what, batched ? "batched: unexpected path" : "unexpected path");
        else if (r == 0) compare(what, ref, got);
        got = ref;
    }
}

int main(int argc, char **argv) {
    bool on = argc > 1 && strcmp(argv[1], "on") == 0;
    const char *name = nkc_cublas_gemm_name(nullptr);
    printf("GEMM path: %s (NEOX_CUBLAS=%s)\n", name, getenv("NEOX_CUBLAS") ? getenv("NEOX_CUBLAS") : "unset");
    if (on != (strncmp(name, "cuBLAS", 6) == 0)) fail("GEMM path", name);
    const int shapes[][3] = {{67, 45, 300}, {130, 300, 52}, {5, 3, 1}, {1, 7, 5}, {4, 1, 6}, {1, 1, 9}, {3, 4, 0}};
    for (const auto &s : shapes)
        for (int t = 0; t < 4; t++)
            for (float beta : {0.5f, 0.f})
                for (bool tight : {false, true}) check_case(on, s[0], s[1], s[2], t & 1, t >> 1, beta, tight);
    // an ld cuBLAS refuses (4 rows of A with lda 2 < k 4): reported on stderr, the built-in kernel runs
    float z[48] = {};
    if (nkc_cublas_sgemm(nullptr, 0, 0, 4, 4, 4, 1.f, z, 2, 0, z, 4, 0, 0.f, z + 32, 4, 0, 1, 0) != 1)
        fail("lda < k", "not refused");
    printf("%d GEMM results compared, %d failure(s)\n", compared, failures);
    return failures != 0;
}
