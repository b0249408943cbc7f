/*
 * The CPU backend's row-wise and element-wise kernels. Compiled with -O3 -mavx2 -mfma
 * -ffast-math so reductions vectorise and expf/erff/tanhf map to glibc's libmvec AVX2
 * variants (<= 4 ulp). Row loops are split over OpenMP threads when a call carries enough work;
 * column sums (dw, db) are reduced per thread then added in thread order.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "nk_cpu.h"

#define MASK_VALUE (-10000.f)
int nk_threads = 0; /* set by nk_cpu_ops before any kernel runs */
#define PAR(work) if ((work) > 32768) num_threads(nk_threads)

static void layernorm_fwd(const float *x, const float *w, const float *b, float *out, float *mean,
                          float *rstd, int rows, int dim, float eps) {
#pragma omp parallel for schedule(static) PAR((long) rows * dim)
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t) r * dim;
        float *o = out + (size_t) r * dim;
        float s = 0.f;
        for (int i = 0; i < dim; i++) s += xr[i];
        float mu = s / dim;
        float v = 0.f;
        for (int i = 0; i < dim; i++) v += (xr[i] - mu) * (xr[i] - mu);
        float rs = 1.f / sqrtf(v / dim + eps);
        for (int i = 0; i < dim; i++) o[i] = (xr[i] - mu) * rs * w[i] + b[i];
        mean[r] = mu;
        rstd[r] = rs;
    }
}

static void layernorm_bwd(const float *dout, const float *x, const float *w, const float *mean,
                          const float *rstd, float *dx, float *dw, float *db, int rows, int dim) {
    int nt = (long) rows * dim > 32768 ? nk_threads : 1;
    float *part = calloc((size_t) nt * 2 * dim, sizeof(float));
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        float *pw = part + (size_t) t * 2 * dim, *pb = pw + dim;
        int r0 = (int) ((long) rows * t / n), r1 = (int) ((long) rows * (t + 1) / n);
        for (int r = r0; r < r1; r++) {
            const float *xr = x + (size_t) r * dim, *d = dout + (size_t) r * dim;
            float mu = mean[r], rs = rstd[r], sg = 0.f, sgx = 0.f;
            for (int i = 0; i < dim; i++) {
                float xh = (xr[i] - mu) * rs, g = d[i] * w[i];
                sg += g;
                sgx += g * xh;
                pw[i] += d[i] * xh;
                pb[i] += d[i];
            }
            sg /= dim;
            sgx /= dim;
            float *o = dx + (size_t) r * dim;
            for (int i = 0; i < dim; i++) o[i] = rs * (d[i] * w[i] - sg - (xr[i] - mu) * rs * sgx);
        }
    }
    for (int t = 0; t < nt; t++) {
        for (int i = 0; i < dim; i++) {
            dw[i] += part[(size_t) t * 2 * dim + i];
            db[i] += part[(size_t) t * 2 * dim + dim + i];
        }
    }
    free(part);
}

static void rmsnorm_fwd(const float *x, const float *scale, float *out, float *inv, int rows, int dim, float eps) {
#pragma omp parallel for schedule(static) PAR((long) rows * dim)
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t) r * dim;
        float ss = 0.f;
        for (int i = 0; i < dim; i++) ss += xr[i] * xr[i];
        float iv = 1.f / (sqrtf(ss / dim) + eps);
        for (int i = 0; i < dim; i++) out[(size_t) r * dim + i] = scale[i] * xr[i] * iv;
        inv[r] = iv;
    }
}

static void rmsnorm_bwd(const float *dout, const float *x, const float *scale, const float *inv,
                        float *dx, float *dscale, int rows, int dim) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t) r * dim, *d = dout + (size_t) r * dim;
        float ss = 0.f, dot = 0.f;
        for (int i = 0; i < dim; i++) {
            ss += xr[i] * xr[i];
            dot += d[i] * scale[i] * xr[i];
        }
        float rms = sqrtf(ss / dim), iv = inv[r];
        float coef = rms == 0.f ? 0.f : iv * iv * dot / (dim * rms);
        for (int i = 0; i < dim; i++) {
            dscale[i] += d[i] * xr[i] * iv;
            dx[(size_t) r * dim + i] = d[i] * scale[i] * iv - coef * xr[i];
        }
    }
}

static void scalenorm_fwd(const float *x, const float *g, float *out, float *inv, int rows, int dim, float eps) {
    float gv = g[0];
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t) r * dim;
        float ss = 0.f;
        for (int i = 0; i < dim; i++) ss += xr[i] * xr[i];
        float nrm = sqrtf(ss);
        float iv = 1.f / (nrm > eps ? nrm : eps);
        for (int i = 0; i < dim; i++) out[(size_t) r * dim + i] = gv * xr[i] * iv;
        inv[r] = iv;
    }
}

static void scalenorm_bwd(const float *dout, const float *x, const float *g, const float *inv,
                          float *dx, float *dg, int rows, int dim, float eps) {
    float gv = g[0];
    double dgs = 0;
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t) r * dim, *d = dout + (size_t) r * dim;
        float ss = 0.f, dot = 0.f;
        for (int i = 0; i < dim; i++) {
            ss += xr[i] * xr[i];
            dot += d[i] * xr[i];
        }
        float iv = inv[r];
        dgs += dot * iv;
        float coef = sqrtf(ss) < eps ? 0.f : gv * dot * iv * iv * iv;
        for (int i = 0; i < dim; i++) dx[(size_t) r * dim + i] = gv * d[i] * iv - coef * xr[i];
    }
    dg[0] += (float) dgs;
}

static void bias_add(float *x, const float *bias, int rows, int cols) {
#pragma omp parallel for schedule(static) PAR((long) rows * cols)
    for (int r = 0; r < rows; r++) {
        float *xr = x + (size_t) r * cols;
        for (int c = 0; c < cols; c++) xr[c] += bias[c];
    }
}

static void bias_grad(const float *dy, float *db, int rows, int cols) {
    /* column chunks per thread; the inner loop runs along a row so it vectorises. */
    int nt = (long) rows * cols > 32768 ? nk_threads : 1;
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        int c0 = (int) ((long) cols * t / n), c1 = (int) ((long) cols * (t + 1) / n);
        float *acc = calloc((size_t) (c1 - c0) + 1, sizeof(float));
        for (int r = 0; r < rows; r++) {
            const float *d = dy + (size_t) r * cols;
            for (int c = c0; c < c1; c++) acc[c - c0] += d[c];
        }
        for (int c = c0; c < c1; c++) db[c] += acc[c - c0];
        free(acc);
    }
}

#define SQRT_2_OVER_PI 0.79788456f
#define GELU_C 0.044715f
#define INV_SQRT2 0.70710678f
#define INV_SQRT_2PI 0.39894228f

static void gelu_fwd(const float *x, float *out, int64_t n, int tanh_approx) {
    if (tanh_approx) {
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            out[i] = 0.5f * v * (1.f + tanhf(SQRT_2_OVER_PI * v * (1.f + GELU_C * v * v)));
        }
    } else {
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            out[i] = 0.5f * v * (1.f + erff(v * INV_SQRT2));
        }
    }
}

static void gelu_bwd(const float *x, const float *dout, float *dx, int64_t n, int tanh_approx) {
    if (tanh_approx) {
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            float t = tanhf(SQRT_2_OVER_PI * v * (1.f + GELU_C * v * v));
            float du = SQRT_2_OVER_PI * (1.f + 3.f * GELU_C * v * v);
            dx[i] = dout[i] * (0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * du);
        }
    } else {
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            dx[i] = dout[i] * (0.5f * (1.f + erff(v * INV_SQRT2)) + v * INV_SQRT_2PI * expf(-0.5f * v * v));
        }
    }
}

/* exp argument clamped: -ffast-math assumes no infinities */
static inline float sigmoidf_(float v) { return 1.f / (1.f + expf(fminf(-v, 88.f))); }

/* tanh(softplus(v)) = n/(n+2), n = e^v(e^v+2); 1 in float above 20 (torch's softplus threshold). */
static inline float tanh_softplus(float v) {
    if (v > 20.f) return 1.f;
    float e = expf(v);
    float n = e * (e + 2.f);
    return n / (n + 2.f);
}

static void act_fwd(const float *x, float *out, int64_t n, int kind) {
    switch (kind) {
    case NK_ACT_GELU: case NK_ACT_GELU_TANH: gelu_fwd(x, out, n, kind == NK_ACT_GELU_TANH); return;
    case NK_ACT_RELU:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.f ? x[i] : 0.f;
        return;
    case NK_ACT_SOFTSIGN:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) out[i] = x[i] / (1.f + fabsf(x[i]));
        return;
    case NK_ACT_SWISH:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) out[i] = x[i] * sigmoidf_(x[i]);
        return;
    case NK_ACT_MISH:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) out[i] = x[i] * tanh_softplus(x[i]);
        return;
    }
}

static void act_bwd(const float *x, const float *dout, float *dx, int64_t n, int kind) {
    switch (kind) {
    case NK_ACT_GELU: case NK_ACT_GELU_TANH: gelu_bwd(x, dout, dx, n, kind == NK_ACT_GELU_TANH); return;
    case NK_ACT_RELU:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) dx[i] = x[i] > 0.f ? dout[i] : 0.f;
        return;
    case NK_ACT_SOFTSIGN:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float a = 1.f + fabsf(x[i]);
            dx[i] = dout[i] / (a * a);
        }
        return;
    case NK_ACT_SWISH:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float s = sigmoidf_(x[i]);
            dx[i] = dout[i] * s * (1.f + x[i] * (1.f - s));
        }
        return;
    case NK_ACT_MISH:
#pragma omp parallel for simd schedule(static) PAR(n)
        for (int64_t i = 0; i < n; i++) {
            float t = tanh_softplus(x[i]);
            dx[i] = dout[i] * (t + x[i] * (1.f - t * t) * sigmoidf_(x[i]));
        }
        return;
    }
}

static void geglu_fwd(const float *fc, float *out, int rows, int half) {
#pragma omp parallel for schedule(static) PAR((int64_t) rows * half)
    for (int r = 0; r < rows; r++) {
        const float *xr = fc + (int64_t) r * 2 * half, *gr = xr + half;
        float *o = out + (int64_t) r * half;
#pragma omp simd
        for (int j = 0; j < half; j++) o[j] = xr[j] * 0.5f * gr[j] * (1.f + erff(gr[j] * INV_SQRT2));
    }
}

static void geglu_bwd(const float *fc, const float *dout, float *dfc, int rows, int half) {
#pragma omp parallel for schedule(static) PAR((int64_t) rows * half)
    for (int r = 0; r < rows; r++) {
        const float *xr = fc + (int64_t) r * 2 * half, *gr = xr + half, *d = dout + (int64_t) r * half;
        float *dxr = dfc + (int64_t) r * 2 * half, *dgr = dxr + half;
#pragma omp simd
        for (int j = 0; j < half; j++) {
            float g = gr[j];
            float cdf = 0.5f * (1.f + erff(g * INV_SQRT2));
            dxr[j] = d[j] * g * cdf;
            dgr[j] = d[j] * xr[j] * (cdf + g * INV_SQRT_2PI * expf(-0.5f * g * g));
        }
    }
}

/* DropoutRng (Java) in C: SplitMix64 finaliser of seed*phi + counter, 24 bits -> [0,1). */
static inline float dropout_uniform(uint64_t seed, uint64_t counter) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ULL + counter;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (float) (z >> 40) * 0x1.0p-24f;
}

static void dropout(const float *x, float *out, int64_t n, float p, int64_t seed, int64_t base) {
    if (p == 0.f) {
        if (x != out) memmove(out, x, (size_t) n * sizeof(float));
        return;
    }
    float s = 1.f / (1.f - p);
#pragma omp parallel for schedule(static) PAR(n)
    for (int64_t i = 0; i < n; i++) {
        out[i] = dropout_uniform((uint64_t) seed, (uint64_t) (base + i)) >= p ? x[i] * s : 0.f;
    }
}

static void dropout_2d(const float *x, float *out, int count, int64_t countStride, int rows, int64_t rowStride,
                       int cols, float p, int64_t seed, int64_t base) {
    float s = p == 0.f ? 1.f : 1.f / (1.f - p);
    int64_t segs = (int64_t) count * rows;
#pragma omp parallel for schedule(static) PAR(segs * cols)
    for (int64_t cr = 0; cr < segs; cr++) {
        int64_t e = (cr / rows) * countStride + (cr % rows) * rowStride;
        const float *xr = x + e;
        float *orow = out + e;
        if (p == 0.f) {
            if (xr != orow) memmove(orow, xr, (size_t) cols * sizeof(float));
            continue;
        }
        for (int j = 0; j < cols; j++) {
            orow[j] = dropout_uniform((uint64_t) seed, (uint64_t) (base + e + j)) >= p ? xr[j] * s : 0.f;
        }
    }
}

static void embedding_fwd(const int32_t *tokens, const float *w, float *out, int rows, int dim,
                          int vocabStart, int vocabRows) {
    for (int r = 0; r < rows; r++) {
        int t = tokens[r] - vocabStart;
        if (t >= 0 && t < vocabRows) {
            memcpy(out + (size_t) r * dim, w + (size_t) t * dim, (size_t) dim * sizeof(float));
        } else {
            memset(out + (size_t) r * dim, 0, (size_t) dim * sizeof(float));
        }
    }
}

static void embedding_bwd(const int32_t *tokens, const float *dout, float *dw, int rows, int dim,
                          int vocabStart, int vocabRows) {
    for (int r = 0; r < rows; r++) {
        int t = tokens[r] - vocabStart;
        if (t >= 0 && t < vocabRows) {
            float *o = dw + (size_t) t * dim;
            const float *d = dout + (size_t) r * dim;
            for (int i = 0; i < dim; i++) o[i] += d[i];
        }
    }
}

static void rotary(float *x, int count, int seq, int headDim, int rd, const float *cs, const float *sn, float sign) {
    int half = rd / 2;
#pragma omp parallel for schedule(static) PAR((long) count * seq * rd)
    for (int c = 0; c < count; c++) {
        for (int t = 0; t < seq; t++) {
            float *o = x + ((size_t) c * seq + t) * headDim;
            const float *ct = cs + (size_t) t * half, *st = sn + (size_t) t * half;
            for (int i = 0; i < half; i++) {
                float x1 = o[i], x2 = o[half + i], s = sign * st[i];
                o[i] = x1 * ct[i] - x2 * s;
                o[half + i] = x2 * ct[i] + x1 * s;
            }
        }
    }
}

static void causal_softmax_fwd(const float *x, float *y, int count, int sq, float scale, int triangle) {
    long rows = (long) count * sq;
#pragma omp parallel for schedule(static) PAR(rows * sq / 2)
    for (long row = 0; row < rows; row++) {
        int i = (int) (row % sq);
        const float *xr = x + (size_t) row * sq;
        float *yr = y + (size_t) row * sq;
        float mx = MASK_VALUE;
        for (int j = 0; j <= i; j++) mx = fmaxf(mx, scale * xr[j]);
        float sum = 0.f;
        for (int j = 0; j <= i; j++) {
            float e = expf(scale * xr[j] - mx);
            yr[j] = e;
            sum += e;
        }
        /* masked entries are exp(-10000 - max): exactly 0 in float unless the whole row is tiny. */
        float masked = triangle ? 0.f : expf(MASK_VALUE - mx);
        sum += masked * (float) (sq - 1 - i);
        float inv = 1.f / sum;
        for (int j = 0; j <= i; j++) yr[j] *= inv;
        if (!triangle) {
            for (int j = i + 1; j < sq; j++) yr[j] = masked * inv;
        }
    }
}

static void causal_softmax_bwd(const float *y, const float *dy, float *dx, int count, int sq, float scale,
                               int triangle) {
    long rows = (long) count * sq;
#pragma omp parallel for schedule(static) PAR(rows * sq / 2)
    for (long row = 0; row < rows; row++) {
        int end = triangle ? (int) (row % sq) + 1 : sq;
        const float *yr = y + (size_t) row * sq, *gr = dy + (size_t) row * sq;
        float *o = dx + (size_t) row * sq;
        float dot = 0.f;
        for (int j = 0; j < end; j++) dot += gr[j] * yr[j];
        for (int j = 0; j < end; j++) o[j] = scale * yr[j] * (gr[j] - dot);
    }
}

static void xent_fwd(const float *logits, const int32_t *labels, float *loss, float *lse, int rows, int vocab) {
#pragma omp parallel for schedule(static) PAR((long) rows * vocab)
    for (int r = 0; r < rows; r++) {
        const float *l = logits + (size_t) r * vocab;
        float mx = -FLT_MAX;
        for (int j = 0; j < vocab; j++) mx = fmaxf(mx, l[j]);
        float sum = 0.f;
        for (int j = 0; j < vocab; j++) sum += expf(l[j] - mx);
        float v = mx + logf(sum);
        lse[r] = v;
        loss[r] = v - l[labels[r]];
    }
}

static void xent_bwd(float *logits, const int32_t *labels, const float *lse, const float *dloss, int rows, int vocab) {
#pragma omp parallel for schedule(static) PAR((long) rows * vocab)
    for (int r = 0; r < rows; r++) {
        float *l = logits + (size_t) r * vocab;
        float d = dloss[r], ls = lse[r];
        if (d == 0.f) {
            memset(l, 0, (size_t) vocab * sizeof(float));
            continue;
        }
        for (int j = 0; j < vocab; j++) l[j] = expf(l[j] - ls) * d;
        l[labels[r]] -= d;
    }
}

/* One exp per logit: e_j = exp(l_j - max) is stored in place, then scaled to (p_j - [j==label])·d. */
static void xent_fused(float *logits, const int32_t *labels, const float *dloss, float *loss, int rows, int vocab) {
#pragma omp parallel for schedule(static) PAR((long) rows * vocab)
    for (int r = 0; r < rows; r++) {
        float *l = logits + (size_t) r * vocab;
        float mx = -FLT_MAX;
        for (int j = 0; j < vocab; j++) mx = fmaxf(mx, l[j]);
        float target = l[labels[r]], sum = 0.f;
        for (int j = 0; j < vocab; j++) {
            float e = expf(l[j] - mx);
            l[j] = e;
            sum += e;
        }
        loss[r] = mx + logf(sum) - target;
        float d = dloss[r], scale = d / sum;
        if (d == 0.f) {
            memset(l, 0, (size_t) vocab * sizeof(float));
            continue;
        }
        for (int j = 0; j < vocab; j++) l[j] *= scale;
        l[labels[r]] -= d;
    }
}

static void adam(float *p, const float *g, float *m, float *v, int64_t len, float lr, float beta1, float beta2,
                 float eps, float weightDecay, int adamW, float bc1, float bc2, float gradScale) {
    float wdAdam = adamW ? 0.f : weightDecay, wdW = adamW ? weightDecay : 0.f;
    float ib1 = 1.f - beta1, ib2 = 1.f - beta2;
#pragma omp parallel for simd schedule(static) PAR(len)
    for (int64_t i = 0; i < len; i++) {
        float gi = g[i] * gradScale + wdAdam * p[i];
        float mi = beta1 * m[i] + ib1 * gi;
        float vi = beta2 * v[i] + ib2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wdW * p[i]);
    }
}

static const nk_ops CPU_OPS = {
    NK_API_VERSION, "native-cpu(avx2/fma sgemm, openmp)",
    nk_sgemm, nk_sgemm_batched,
    layernorm_fwd, layernorm_bwd, rmsnorm_fwd, rmsnorm_bwd, scalenorm_fwd, scalenorm_bwd,
    bias_add, bias_grad, gelu_fwd, gelu_bwd, dropout,
    embedding_fwd, embedding_bwd, rotary,
    causal_softmax_fwd, causal_softmax_bwd, xent_fwd, xent_bwd, xent_fused, adam,
    act_fwd, act_bwd, geglu_fwd, geglu_bwd, dropout_2d,
    nk_add, nk_fill, nk_copy3d, nk_zero_above_diag_blocks, nk_alibi_bias,
    nk_sum_sq,
};

const nk_ops *nk_cpu_ops(int threads) {
    if (threads > 0) {
        nk_threads = threads;
    } else if (nk_threads <= 0) {
        nk_threads = omp_get_max_threads();
    }
    return &CPU_OPS;
}
