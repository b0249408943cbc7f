/*
 * backend_check: the CUDA backend against the CPU backend (the reference for the other
 * backends, itself tested against the Java ReferenceKernels) through the same nk_ops table, on
 * random data (the API version 5 layout ops bitwise, the version 6 sum of squares to 1e-9 relative), the
 * device-resident table (nk_cuda_device:
 * cudaMalloc'd operands, no staging) against the CPU table, then GEMM GFLOP/s on the device (device-resident operands, nkc_sgemm) and on
 * the CPU. Needs no CUDA headers: the CUDA library is dlopen'ed.
 *   backend_check [path/to/libneoxkernels_cuda.so]
 * It prints which GEMM nkc_sgemm runs (cuBLAS or the built-in kernel); with NEOX_CUBLAS=0 it must be the
 * built-in one, with NEOX_CUBLAS=/path/to/libcublas.so.N cuBLAS (a FAIL otherwise).
 * Exit status: 0 all checks passed (or no device: CPU GEMM only), 1 a check failed.
 * Tolerance |got - ref| <= tol * (1 + |ref|): 1e-4 GEMM and reductions, 2e-5 element-wise.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "neox_kernels.h"

static int failures;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *rnd(size_t n, float scale) {
    float *a = malloc(n * sizeof(float) + 4);
    for (size_t i = 0; i < n; i++) {
        float u1 = (rand() + 1.f) / (RAND_MAX + 2.f), u2 = (rand() + 1.f) / (RAND_MAX + 2.f);
        a[i] = scale * sqrtf(-2.f * logf(u1)) * cosf(6.2831853f * u2);
    }
    return a;
}

static float *dup(const float *a, size_t n) {
    float *b = malloc(n * sizeof(float) + 4);
    memcpy(b, a, n * sizeof(float));
    return b;
}

static void compare(const char *what, const float *ref, const float *got, size_t n, double tol) {
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double) ref[i] - got[i]) / (1 + fabs(ref[i]));
        if (!(e <= worst)) {
            worst = e;
            at = i;
        }
    }
    int ok = worst <= tol;
    failures += !ok;
    printf("%-4s %-34s max scaled error %.2e (tol %.0e)%s\n", ok ? "PASS" : "FAIL", what, worst, tol,
           ok ? "" : "");
    if (!ok) printf("     at %zu: ref %g got %g\n", at, ref[at], got[at]);
}

static void check_gemm(const nk_ops *cpu, const nk_ops *gpu) {
    int shapes[][3] = {{67, 45, 300}, {130, 300, 520}, {5, 3, 1}};
    for (int s = 0; s < 3; s++) {
        for (int t = 0; t < 4; t++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = t & 1, tb = t >> 1;
            int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 7;
            int mx = m > k ? m : k, nx = n > k ? n : k;
            float *a = rnd((size_t) lda * mx, 1), *b = rnd((size_t) ldb * nx, 1), *c1 = rnd((size_t) ldc * m, 1);
            float *c2 = dup(c1, (size_t) ldc * m);
            cpu->sgemm(ta, tb, m, n, k, 0.7f, a, lda, b, ldb, 0.5f, c1, ldc);
            gpu->sgemm(ta, tb, m, n, k, 0.7f, a, lda, b, ldb, 0.5f, c2, ldc);
            char what[64];
            snprintf(what, sizeof what, "sgemm %dx%dx%d ta=%d tb=%d", m, n, k, ta, tb);
            compare(what, c1, c2, (size_t) ldc * m, 1e-4);
            free(a), free(b), free(c1), free(c2);
        }
    }
    /* beta == 0 ignores C, NaN included; k == 0 is C = beta*C */
    for (int kz = 0; kz < 2; kz++) {
        int m = 70, n = 33, k = kz ? 0 : 130;
        float *a = rnd((size_t) m * 130, 1), *b = rnd((size_t) n * 130, 1), *c1 = rnd((size_t) m * n, 1);
        if (!kz)
            for (int i = 0; i < m * n; i++) c1[i] = NAN;
        float *c2 = dup(c1, (size_t) m * n), beta = kz ? 0.5f : 0.f;
        cpu->sgemm(0, 1, m, n, k, 0.7f, a, 130, b, 130, beta, c1, n);
        gpu->sgemm(0, 1, m, n, k, 0.7f, a, 130, b, 130, beta, c2, n);
        compare(kz ? "sgemm k=0 beta=0.5" : "sgemm beta=0 over NaN C", c1, c2, (size_t) m * n, 1e-4);
        free(a), free(b), free(c1), free(c2);
    }
    /* strided batched, every transpose pair, padded leading dims and strides */
    int m = 33, n = 20, k = 24, cnt = 6;
    for (int t = 0; t < 4; t++) {
        int ta = t & 1, tb = t >> 1, lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
        int64_t sA = (int64_t) lda * (ta ? k : m) + 5, sB = (int64_t) ldb * (tb ? n : k) + 7, sC = (int64_t) ldc * m + 9;
        float *a = rnd(cnt * sA, 1), *b = rnd(cnt * sB, 1), *c1 = rnd(cnt * sC, 1), *c2 = dup(c1, cnt * sC);
        cpu->sgemm_batched(ta, tb, m, n, k, 0.5f, a, lda, sA, b, ldb, sB, 1.f, c1, ldc, sC, cnt);
        gpu->sgemm_batched(ta, tb, m, n, k, 0.5f, a, lda, sA, b, ldb, sB, 1.f, c2, ldc, sC, cnt);
        char what[64];
        snprintf(what, sizeof what, "sgemm_batched %dx%dx%d x%d ta=%d tb=%d", m, n, k, cnt, ta, tb);
        compare(what, c1, c2, cnt * sC, 1e-4);
        free(a), free(b), free(c1), free(c2);
    }
}

/* Which GEMM nkc_sgemm runs; with NEOX_CUBLAS set it must be the one asked for (0: built-in, a path: cuBLAS). */
static void check_gemm_path(void *lib) {
    const char *(*gemm_name)(void *) = (const char *(*)(void *)) dlsym(lib, "nkc_gemm_name");
    const char *name = gemm_name ? gemm_name(NULL) : "unknown (no nkc_gemm_name)";
    const char *env = getenv("NEOX_CUBLAS");
    printf("GEMM path: %s (NEOX_CUBLAS=%s)\n", name, env ? env : "unset");
    if (!env || !*env) return;
    int want_builtin = strcmp(env, "0") == 0;
    int ok = strncmp(name, want_builtin ? "built-in SGEMM" : "cuBLAS", want_builtin ? 14 : 6) == 0;
    failures += !ok;
    printf("%-4s GEMM path is %s\n", ok ? "PASS" : "FAIL", want_builtin ? "the built-in SGEMM" : "cuBLAS");
}

static void check_rows(const nk_ops *cpu, const nk_ops *gpu) {
    int rows = 300, dim = 200, n = rows * dim;
    float *x = rnd(n, 2), *w = rnd(dim, 1), *b = rnd(dim, 1), *d = rnd(n, 1);
    float *o1 = rnd(n, 1), *o2 = rnd(n, 1), *m1 = rnd(rows, 1), *m2 = rnd(rows, 1), *r1 = rnd(rows, 1), *r2 = rnd(rows, 1);
    cpu->layernorm_fwd(x, w, b, o1, m1, r1, rows, dim, 1e-5f);
    gpu->layernorm_fwd(x, w, b, o2, m2, r2, rows, dim, 1e-5f);
    compare("layernorm_fwd out", o1, o2, n, 2e-5);
    compare("layernorm_fwd rstd", r1, r2, rows, 2e-5);
    float *dw1 = rnd(dim, 1), *dw2 = dup(dw1, dim), *db1 = rnd(dim, 1), *db2 = dup(db1, dim);
    cpu->layernorm_bwd(d, x, w, m1, r1, o1, dw1, db1, rows, dim);
    gpu->layernorm_bwd(d, x, w, m1, r1, o2, dw2, db2, rows, dim);
    compare("layernorm_bwd dx", o1, o2, n, 2e-5);
    compare("layernorm_bwd dw", dw1, dw2, dim, 1e-4);
    compare("layernorm_bwd db", db1, db2, dim, 1e-4);
    cpu->rmsnorm_fwd(x, w, o1, r1, rows, dim, 1e-8f);
    gpu->rmsnorm_fwd(x, w, o2, r2, rows, dim, 1e-8f);
    compare("rmsnorm_fwd", o1, o2, n, 2e-5);
    cpu->rmsnorm_bwd(d, x, w, r1, o1, dw1, rows, dim);
    gpu->rmsnorm_bwd(d, x, w, r1, o2, dw2, rows, dim);
    compare("rmsnorm_bwd dx", o1, o2, n, 2e-5);
    compare("rmsnorm_bwd dscale", dw1, dw2, dim, 1e-4);
    float g = 1.3f, dg1 = 0.5f, dg2 = 0.5f;
    cpu->scalenorm_fwd(x, &g, o1, r1, rows, dim, 1e-5f);
    gpu->scalenorm_fwd(x, &g, o2, r2, rows, dim, 1e-5f);
    compare("scalenorm_fwd", o1, o2, n, 2e-5);
    cpu->scalenorm_bwd(d, x, &g, r1, o1, &dg1, rows, dim, 1e-5f);
    gpu->scalenorm_bwd(d, x, &g, r1, o2, &dg2, rows, dim, 1e-5f);
    compare("scalenorm_bwd dx", o1, o2, n, 2e-5);
    compare("scalenorm_bwd dg", &dg1, &dg2, 1, 1e-4);
    memcpy(o1, x, n * 4), memcpy(o2, x, n * 4);
    cpu->bias_add(o1, b, rows, dim);
    gpu->bias_add(o2, b, rows, dim);
    compare("bias_add", o1, o2, n, 1e-6);
    cpu->bias_grad(x, db1, rows, dim);
    gpu->bias_grad(x, db2, rows, dim);
    compare("bias_grad", db1, db2, dim, 1e-4);
    for (int t = 0; t < 2; t++) {
        cpu->gelu_fwd(x, o1, n, t);
        gpu->gelu_fwd(x, o2, n, t);
        compare(t ? "gelu_fwd tanh" : "gelu_fwd erf", o1, o2, n, 2e-5);
        cpu->gelu_bwd(x, d, o1, n, t);
        gpu->gelu_bwd(x, d, o2, n, t);
        compare(t ? "gelu_bwd tanh" : "gelu_bwd erf", o1, o2, n, 2e-5);
    }
    static const char *acts[] = {"gelu", "gelu_tanh", "relu", "softsign", "swish", "mish"};
    char what[64];
    for (int kind = NK_ACT_GELU; kind <= NK_ACT_MISH; kind++) {
        cpu->act_fwd(x, o1, n, kind);
        gpu->act_fwd(x, o2, n, kind);
        snprintf(what, sizeof what, "act_fwd %s", acts[kind]);
        compare(what, o1, o2, n, 2e-5);
        cpu->act_bwd(x, d, o1, n, kind);
        gpu->act_bwd(x, d, o2, n, kind);
        snprintf(what, sizeof what, "act_bwd %s", acts[kind]);
        compare(what, o1, o2, n, 2e-5);
    }
    cpu->geglu_fwd(x, o1, rows, dim / 2);
    gpu->geglu_fwd(x, o2, rows, dim / 2);
    compare("geglu_fwd", o1, o2, n / 2, 2e-5);
    cpu->geglu_bwd(x, d, o1, rows, dim / 2);
    gpu->geglu_bwd(x, d, o2, rows, dim / 2);
    compare("geglu_bwd", o1, o2, n, 2e-5);
    cpu->dropout(x, o1, n, 0.25f, 42, 1LL << 33);
    gpu->dropout(x, o2, n, 0.25f, 42, 1LL << 33);
    compare("dropout p=0.25", o1, o2, n, 1e-6);
    /* strided region (3 x 37 x 29, row stride 41, count stride 1530) over a prefilled buffer:
     * the gaps must come back unchanged */
    memcpy(o1, d, n * 4), memcpy(o2, d, n * 4);
    cpu->dropout_2d(x + 5, o1 + 5, 3, 1530, 37, 41, 29, 0.25f, 42, (1LL << 33) + 5);
    gpu->dropout_2d(x + 5, o2 + 5, 3, 1530, 37, 41, 29, 0.25f, 42, (1LL << 33) + 5);
    compare("dropout_2d p=0.25", o1, o2, n, 1e-6);
    int tok[6] = {3, 0, 9, 12, 5, 3};
    cpu->embedding_fwd(tok, x, o1, 6, dim, 2, 8);
    gpu->embedding_fwd(tok, x, o2, 6, dim, 2, 8);
    compare("embedding_fwd", o1, o2, 6 * dim, 0);
    memcpy(o1, x, n * 4), memcpy(o2, x, n * 4);
    cpu->embedding_bwd(tok, d, o1, 6, dim, 2, 8);
    gpu->embedding_bwd(tok, d, o2, 6, dim, 2, 8);
    compare("embedding_bwd", o1, o2, 8 * dim, 1e-6);
    int cnt = 24, seq = 64, hd = 32, rd = 24;
    float *cs = rnd(seq * rd / 2, 1), *sn = rnd(seq * rd / 2, 1);
    memcpy(o1, x, cnt * seq * hd * 4), memcpy(o2, x, cnt * seq * hd * 4);
    cpu->rotary(o1, cnt, seq, hd, rd, cs, sn, 1.f);
    gpu->rotary(o2, cnt, seq, hd, rd, cs, sn, 1.f);
    compare("rotary", o1, o2, cnt * seq * hd, 1e-6);
}

static void check_softmax_xent_adam(const nk_ops *cpu, const nk_ops *gpu) {
    int cnt = 6, sq = 97, n = cnt * sq * sq;
    float *x = rnd(n, 4), *dy = rnd(n, 1), *y1 = rnd(n, 1), *y2 = dup(y1, n), *g1 = rnd(n, 1), *g2 = dup(g1, n);
    for (int tri = 0; tri < 2; tri++) {
        cpu->causal_softmax_fwd(x, y1, cnt, sq, 0.125f, tri);
        gpu->causal_softmax_fwd(x, y2, cnt, sq, 0.125f, tri);
        compare(tri ? "causal_softmax_fwd triangle" : "causal_softmax_fwd", y1, y2, n, 2e-6);
        cpu->causal_softmax_bwd(y1, dy, g1, cnt, sq, 0.125f, tri);
        gpu->causal_softmax_bwd(y1, dy, g2, cnt, sq, 0.125f, tri);
        compare(tri ? "causal_softmax_bwd triangle" : "causal_softmax_bwd", g1, g2, n, 2e-6);
    }
    int rows = 37, vocab = 5003;
    float *l = rnd(rows * vocab, 3), *loss1 = rnd(rows, 1), *loss2 = rnd(rows, 1), *s1 = rnd(rows, 1), *s2 = rnd(rows, 1);
    int32_t labels[37];
    for (int r = 0; r < rows; r++) labels[r] = rand() % vocab;
    cpu->xent_fwd(l, labels, loss1, s1, rows, vocab);
    gpu->xent_fwd(l, labels, loss2, s2, rows, vocab);
    compare("xent_fwd loss", loss1, loss2, rows, 2e-5);
    float *dl = rnd(rows, 1), *l1 = dup(l, rows * vocab), *l2 = dup(l, rows * vocab);
    dl[3] = 0.f;
    cpu->xent_bwd(l1, labels, s1, dl, rows, vocab);
    gpu->xent_bwd(l2, labels, s1, dl, rows, vocab);
    compare("xent_bwd", l1, l2, rows * vocab, 2e-6);
    memcpy(l1, l, (size_t) rows * vocab * 4), memcpy(l2, l, (size_t) rows * vocab * 4);
    cpu->xent_fused(l1, labels, dl, loss1, rows, vocab);
    gpu->xent_fused(l2, labels, dl, loss2, rows, vocab);
    compare("xent_fused loss", loss1, loss2, rows, 2e-5);
    compare("xent_fused dlogits", l1, l2, rows * vocab, 2e-6);
    int np = 70000;
    for (int w = 0; w < 2; w++) {
        float *p1 = rnd(np, 1), *gr = rnd(np, 1), *mm1 = rnd(np, 0.1f), *vv1 = rnd(np, 0.1f);
        for (int i = 0; i < np; i++) vv1[i] = fabsf(vv1[i]);
        float *p2 = dup(p1, np), *mm2 = dup(mm1, np), *vv2 = dup(vv1, np);
        cpu->adam(p1, gr, mm1, vv1, np, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
        gpu->adam(p2, gr, mm2, vv2, np, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, w, 0.19f, 0.0975f, 0.5f);
        compare(w ? "adamw p" : "adam p", p1, p2, np, 1e-6);
        compare(w ? "adamw v" : "adam v", vv1, vv2, np, 1e-6);
    }
}

/* The API version 5 ops, bitwise: add (in place too), fill, copy3d into a prefilled buffer (the
 * gaps must survive), block-diagonal zeroing, ALiBi. */
static void check_layout(const nk_ops *cpu, const nk_ops *gpu) {
    int n = 50000;
    float *a = rnd(n, 1), *b = rnd(n, 1), *o1 = rnd(n, 1), *o2 = dup(o1, n);
    cpu->add(a, b, o1, n);
    gpu->add(a, b, o2, n);
    compare("add", o1, o2, n, 0);
    float *a1 = dup(a, n), *a2 = dup(a, n);
    cpu->add(a1, b, a1, n);
    gpu->add(a2, b, a2, n);
    compare("add in place", a1, a2, n, 0);
    cpu->fill(o1 + 3, n - 10, 0.25f);
    gpu->fill(o2 + 3, n - 10, 0.25f);
    compare("fill", o1, o2, n, 0);
    /* [2, 3, 5 heads x 16] -> [2, 5, 3, 16] (rows -> heads) and a strided block inside */
    memcpy(o2, o1, (size_t) n * 4);
    cpu->copy3d(a + 7, o1 + 11, 10, 3, 16, 240, 80, 48 + 5, 16 + 1);
    gpu->copy3d(a + 7, o2 + 11, 10, 3, 16, 240, 80, 48 + 5, 16 + 1);
    compare("copy3d", o1, o2, n, 0);
    int cnt = 5, seq = 77, block = 16, sz = cnt * seq * seq;
    float *x1 = rnd(sz + 2, 1), *x2 = dup(x1, sz + 2);
    cpu->zero_above_diag_blocks(x1 + 2, cnt, seq, block);
    gpu->zero_above_diag_blocks(x2 + 2, cnt, seq, block);
    compare("zero_above_diag_blocks", x1, x2, sz + 2, 0);
    float slopes[4] = {0.5f, 0.25f, 0.125f, 0.0625f};
    cpu->alibi_bias(x1 + 2, cnt, seq - 20, seq, 20, slopes + 1, 3);
    gpu->alibi_bias(x2 + 2, cnt, seq - 20, seq, 20, slopes + 1, 3);
    compare("alibi_bias", x1, x2, sz + 2, 0);
    free(a), free(b), free(o1), free(o2), free(a1), free(a2), free(x1), free(x2);
}

/* The API version 6 sum of squares (double accumulation, each backend's order): relative error <= 1e-9
 * on 1, 1000 and 10^7 elements at an odd offset; an inf element must give a non-finite result. */
static void check_sum_sq_value(const char *what, double ref, double got, int n) {
    double e = fabs(got - ref) / fabs(ref);
    int ok = e <= 1e-9;
    failures += !ok;
    printf("%-4s %-22s n=%-8d relative error %.2e (tol 1e-09) ref %.17g got %.17g\n", ok ? "PASS" : "FAIL", what, n, e,
           ref, got);
}

static void check_sum_sq_inf(const char *what, double got) {
    int ok = !isfinite(got);
    failures += !ok;
    printf("%-4s %-22s with an inf element: %g\n", ok ? "PASS" : "FAIL", what, got);
}

static void check_sum_sq(const nk_ops *cpu, const nk_ops *gpu) {
    int sizes[] = {1, 1000, 10000000};
    for (int t = 0; t < 3; t++) {
        int n = sizes[t];
        float *x = rnd((size_t) n + 1, 2);
        check_sum_sq_value("sum_sq", cpu->sum_sq(x + 1, n), gpu->sum_sq(x + 1, n), n);
        x[1 + n / 2] = INFINITY;
        check_sum_sq_inf("sum_sq", gpu->sum_sq(x + 1, n));
        free(x);
    }
}

/* Device-resident: the same ops on cudaMalloc'd memory (nk_cuda_device) against the CPU table. */
static float *to_dev(const nk_device *d, const float *host, size_t n) {
    float *p = d->alloc((int64_t) n * 4);
    d->upload(p, host, (int64_t) n * 4);
    return p;
}

static void compare_dev(const nk_device *d, const char *what, const float *ref, const float *dev, size_t n,
                        double tol) {
    float *got = malloc(n * 4 + 4);
    d->download(got, dev, (int64_t) n * 4);
    char err[256];
    if (d->error(err, sizeof err)) {
        printf("FAIL %-34s device error %s\n", what, err);
        failures++;
    } else {
        compare(what, ref, got, n, tol);
    }
    free(got);
}

static void check_device(const nk_ops *cpu, const nk_device *dev) {
    const nk_ops *g = dev->ops;
    char err[256];
    int m = 130, n = 300, k = 520, cnt = 6;
    float *a = rnd((size_t) m * k * cnt, 1), *b = rnd((size_t) n * k * cnt, 1), *c = rnd((size_t) m * n * cnt, 1);
    float *da = to_dev(dev, a, (size_t) m * k * cnt), *db = to_dev(dev, b, (size_t) n * k * cnt);
    float *dc = to_dev(dev, c, (size_t) m * n * cnt);
    cpu->sgemm(0, 1, m, n, k, 0.7f, a, k, b, k, 0.5f, c, n);
    g->sgemm(0, 1, m, n, k, 0.7f, da, k, db, k, 0.5f, dc, n);
    compare_dev(dev, "device sgemm NT", c, dc, (size_t) m * n, 1e-4);
    cpu->sgemm_batched(1, 0, 33, 20, 24, 0.5f, a, 33, 33 * 24, b, 20, 20 * 24, 0.f, c, 20, 33 * 20, cnt);
    g->sgemm_batched(1, 0, 33, 20, 24, 0.5f, da, 33, 33 * 24, db, 20, 20 * 24, 0.f, dc, 20, 33 * 20, cnt);
    compare_dev(dev, "device sgemm_batched TN", c, dc, (size_t) 33 * 20 * cnt, 1e-4);
    int rows = 37, vocab = 5003;
    float *l = rnd((size_t) rows * vocab, 3), *dl = rnd(rows, 1), *loss = rnd(rows, 1);
    int32_t labels[37];
    for (int r = 0; r < rows; r++) labels[r] = rand() % vocab;
    dl[3] = 0.f;
    float *dlg = to_dev(dev, l, (size_t) rows * vocab), *ddl = to_dev(dev, dl, rows), *dloss = dev->alloc(rows * 4);
    int32_t *dlab = dev->alloc(sizeof labels);
    dev->upload(dlab, labels, sizeof labels);
    cpu->xent_fused(l, labels, dl, loss, rows, vocab);
    g->xent_fused(dlg, dlab, ddl, dloss, rows, vocab);
    compare_dev(dev, "device xent_fused loss", loss, dloss, rows, 2e-5);
    compare_dev(dev, "device xent_fused dlogits", l, dlg, (size_t) rows * vocab, 2e-6);
    cpu->add(a, b, c, 5000);
    g->add(da, db, dc, 5000);
    compare_dev(dev, "device add", c, dc, 5000, 0);
    cpu->copy3d(a, c + 1, 4, 5, 16, 400, 80, 80 * 5 + 3, 16);
    g->copy3d(da, dc + 1, 4, 5, 16, 400, 80, 80 * 5 + 3, 16);
    compare_dev(dev, "device copy3d", c, dc, 5000, 0);
    int np = 20000;
    float *p1 = dup(a, np), *mm = rnd(np, 0.1f), *vv = rnd(np, 0.1f);
    for (int i = 0; i < np; i++) vv[i] = fabsf(vv[i]);
    float *dp = to_dev(dev, p1, np), *dm = to_dev(dev, mm, np), *dv = to_dev(dev, vv, np);
    cpu->adam(p1, b, mm, vv, np, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1, 0.19f, 0.0975f, 0.5f);
    g->adam(dp, db, dm, dv, np, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 1, 0.19f, 0.0975f, 0.5f);
    compare_dev(dev, "device adamw p", p1, dp, np, 1e-6);
    compare_dev(dev, "device adamw v", vv, dv, np, 1e-6);
    dev->release(dp), dev->release(dm), dev->release(dv);
    free(p1), free(mm), free(vv);
    int ns[] = {1, 1000, 10000000};
    for (int t = 0; t < 3; t++) {
        int nn = ns[t];
        float *x = rnd((size_t) nn + 1, 2), *dx = to_dev(dev, x, (size_t) nn + 1);
        check_sum_sq_value("device sum_sq", cpu->sum_sq(x + 1, nn), g->sum_sq(dx + 1, nn), nn);
        if (dev->error(err, sizeof err)) {
            printf("FAIL device sum_sq: device error %s\n", err);
            failures++;
        }
        x[1 + nn / 2] = INFINITY;
        dev->upload(dx, x, (int64_t) (nn + 1) * 4);
        check_sum_sq_inf("device sum_sq", g->sum_sq(dx + 1, nn));
        dev->release(dx);
        free(x);
    }
    void *huge = dev->alloc((int64_t) 1 << 60);
    int ok = huge == NULL;
    ok &= dev->error(err, sizeof err) == 0;
    failures += !ok;
    printf("%-4s device alloc of 2^60 bytes returns NULL, no pending error\n", ok ? "PASS" : "FAIL");
    dev->release(da), dev->release(db), dev->release(dc), dev->release(dlg), dev->release(ddl);
    dev->release(dloss), dev->release(dlab);
    free(a), free(b), free(c), free(l), free(dl), free(loss);
}

typedef void (*gemm_dev_fn)(void *stream, int, int, int, int, int, float, const float *, int, const float *, int,
                            float, float *, int);

typedef void (*gemm_batched_dev_fn)(void *stream, int, int, int, int, int, float, const float *, int, int64_t,
                                    const float *, int, int64_t, float, float *, int, int64_t, int);

/* Attention scores of GPT-2 small at seq 1024 (micro-batch 4 x 12 heads): [1024, 64] x [1024, 64]^T per head. */
static void bench_batched(gemm_batched_dev_fn dbatched, void *(*dmalloc)(size_t), void (*dfree)(void *),
                          int (*dsync)(void *)) {
    int m = 1024, n = 1024, k = 64, cnt = 48;
    double flop = 2.0 * m * n * k * cnt;
    float *a = dmalloc((size_t) cnt * m * k * 4), *b = dmalloc((size_t) cnt * n * k * 4);
    float *c = dmalloc((size_t) cnt * m * n * 4);
    dbatched(NULL, 0, 1, m, n, k, 1.f, a, k, (int64_t) m * k, b, k, (int64_t) n * k, 0.f, c, n, (int64_t) m * n, cnt);
    dsync(NULL);
    int reps = 20;
    double t = now();
    for (int r = 0; r < reps; r++)
        dbatched(NULL, 0, 1, m, n, k, 1.f, a, k, (int64_t) m * k, b, k, (int64_t) n * k, 0.f, c, n, (int64_t) m * n,
                 cnt);
    int err = dsync(NULL);
    t = (now() - t) / reps;
    printf("GPU  sgemm_batched NT %d x m=%d k=%d n=%d: %8.1f GFLOP/s (%.3f ms, device-resident, err %d)\n", cnt, m, k,
           n, flop / t / 1e9, t * 1e3, err);
    dfree(a), dfree(b), dfree(c);
}

static void bench(const nk_ops *cpu, void *lib) {
    int shapes[][3] = {{2048, 768, 2304}, {2048, 3072, 768}, {2048, 768, 50304}, {512, 512, 512}, {4096, 4096, 4096}};
    gemm_dev_fn dgemm = lib ? (gemm_dev_fn) dlsym(lib, "nkc_sgemm") : NULL;
    void *(*dmalloc)(size_t) = lib ? (void *(*)(size_t)) dlsym(lib, "nkc_malloc") : NULL;
    void (*dfree)(void *) = lib ? (void (*)(void *)) dlsym(lib, "nkc_free") : NULL;
    int (*dsync)(void *) = lib ? (int (*)(void *)) dlsym(lib, "nkc_sync") : NULL;
    gemm_batched_dev_fn dbatched = lib ? (gemm_batched_dev_fn) dlsym(lib, "nkc_sgemm_batched") : NULL;
    for (int s = 0; s < 5; s++) {
        int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        double flop = 2.0 * m * n * k;
        if (dgemm) {
            float *a = dmalloc((size_t) m * k * 4), *b = dmalloc((size_t) n * k * 4), *c = dmalloc((size_t) m * n * 4);
            dgemm(NULL, 0, 1, m, n, k, 1.f, a, k, b, k, 0.f, c, n);
            dsync(NULL);
            int reps = 20;
            double t = now();
            for (int r = 0; r < reps; r++) dgemm(NULL, 0, 1, m, n, k, 1.f, a, k, b, k, 0.f, c, n);
            int err = dsync(NULL);
            t = (now() - t) / reps;
            printf("GPU  sgemm NT m=%d k=%d n=%d: %8.1f GFLOP/s (%.3f ms, device-resident, err %d)\n", m, k, n,
                   flop / t / 1e9, t * 1e3, err);
            dfree(a), dfree(b), dfree(c);
        }
        if (s == 4) {
            if (dbatched) bench_batched(dbatched, dmalloc, dfree, dsync);
            continue;
        }
        float *a = rnd((size_t) m * k, 1), *b = rnd((size_t) n * k, 1), *c = malloc((size_t) m * n * 4);
        double best = 1e9;
        for (int r = 0; r < 3; r++) {
            double t = now();
            cpu->sgemm(0, 1, m, n, k, 1.f, a, k, b, k, 0.f, c, n);
            t = now() - t;
            best = t < best ? t : best;
        }
        printf("CPU  sgemm NT m=%d k=%d n=%d: %8.1f GFLOP/s (best of 3, %s)\n", m, k, n, flop / best / 1e9, cpu->name);
        free(a), free(b), free(c);
    }
}

int main(int argc, char **argv) {
    const nk_ops *cpu = nk_cpu_ops(0);
    const char *path = argc > 1 ? argv[1] : "libneoxkernels_cuda.so";
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const nk_ops *gpu = NULL;
    if (!lib) {
        printf("no CUDA library (%s)\n", dlerror());
    } else {
        const char *err = NULL;
        nk_cuda_ops_fn fn = (nk_cuda_ops_fn) dlsym(lib, "nk_cuda_ops");
        gpu = fn ? fn(0, &err) : NULL;
        if (!gpu) printf("CUDA backend unavailable: %s\n", err ? err : "nk_cuda_ops missing");
    }
    if (gpu) {
        printf("checking %s against %s\n", gpu->name, cpu->name);
        check_gemm_path(lib);
        check_gemm(cpu, gpu);
        check_rows(cpu, gpu);
        check_softmax_xent_adam(cpu, gpu);
        check_layout(cpu, gpu);
        check_sum_sq(cpu, gpu);
        const char *err = NULL;
        nk_cuda_device_fn dfn = (nk_cuda_device_fn) dlsym(lib, "nk_cuda_device");
        const nk_device *dev = dfn ? dfn(0, &err) : NULL;
        if (dev) {
            printf("checking %s against %s\n", dev->name, cpu->name);
            check_device(cpu, dev);
        } else {
            printf("FAIL CUDA device unavailable: %s\n", err ? err : "nk_cuda_device missing");
            failures++;
        }
        printf("%d check(s) failed\n", failures);
    }
    bench(cpu, gpu ? lib : NULL);
    return failures ? 1 : 0;
}
