/*
 * CUDA backend of the neox kernels (libneoxkernels_cuda.so; cudart linked statically, so only the
 * driver is needed at run time). SGEMM runs on cuBLAS when it can be loaded at run time (cublas_rt.cu),
 * else on the built-in 128x128x8 shared-memory tile kernel: 256 threads each computing an 8x8 strided
 * block of C in registers. Row kernels (norms, softmax, cross-entropy) run one block per row with
 * warp-shuffle reductions; column sums (dw, db, bias grad) run one thread per column over all rows
 * (coalesced, no atomics).
 *
 * nkc_* take device pointers and a stream (neox_cuda.h); nk_cuda_ops() returns the nk_ops table
 * for host pointers, which stages every buffer through grow-only device slots on one stream.
 */
#include <cstdio>
#include <cstring>
#include <cfloat>
#include "neox_kernels.h"
#include "neox_cuda.h"
#include "cublas_rt.h"
#include "nkc_grid.cuh"

#define MASK_VALUE (-10000.f)
#define ROW_THREADS 256

// ------------------------------------------------------------------ SGEMM

#define TM 128
#define TN 128
#define TK 8

__device__ __forceinline__ float load_op(const float *p, int ld, int r, int c, int rows, int cols, int trans) {
    // element (r, c) of op(X) with op(X) [rows, cols]; X stored [rows, cols] or, transposed, [cols, rows].
    if (r >= rows || c >= cols) return 0.f;
    return trans ? p[(size_t) c * ld + r] : p[(size_t) r * ld + c];
}

__global__ void __launch_bounds__(256) sgemm_kernel(int transA, int transB, int m, int n, int k, float alpha,
                                                    const float *__restrict__ a, int lda, int64_t sA,
                                                    const float *__restrict__ b, int ldb, int64_t sB, float beta,
                                                    float *__restrict__ c, int ldc, int64_t sC) {
    __shared__ float As[TK][TM];
    __shared__ float Bs[TK][TN];
    a += blockIdx.z * sA;
    b += blockIdx.z * sB;
    c += blockIdx.z * sC;
    int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    int m0 = blockIdx.y * TM, n0 = blockIdx.x * TN;
    float acc[8][8] = {};
    for (int k0 = 0; k0 < k; k0 += TK) {
#pragma unroll
        for (int l = 0; l < 4; l++) {
            int idx = tid + 256 * l;
            // A tile [TM, TK]: consecutive threads walk the contiguous direction of A's storage.
            int ar = transA ? idx % TM : idx / TK, ak = transA ? idx / TM : idx % TK;
            As[ak][ar] = load_op(a, lda, m0 + ar, k0 + ak, m, k, transA);
            int bc = transB ? idx / TK : idx % TN, bk = transB ? idx % TK : idx / TN;
            Bs[bk][bc] = load_op(b, ldb, k0 + bk, n0 + bc, k, n, transB);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TK; kk++) {
            float ra[8], rb[8];
#pragma unroll
            for (int i = 0; i < 8; i++) ra[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 8; j++) rb[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 8; i++) {
        int r = m0 + ty + 16 * i;
        if (r >= m) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            int col = n0 + tx + 16 * j;
            if (col >= n) continue;
            float *p = c + (size_t) r * ldc + col;
            *p = alpha * acc[i][j] + (beta == 0.f ? 0.f : beta * *p);
        }
    }
}

extern "C" void nkc_sgemm_batched(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha,
                                  const float *a, int lda, int64_t sA, const float *b, int ldb, int64_t sB,
                                  float beta, float *c, int ldc, int64_t sC, int count) {
    if (m <= 0 || n <= 0 || count <= 0) return;
    if (nkc_cublas_sgemm(s, transA, transB, m, n, k, alpha, a, lda, sA, b, ldb, sB, beta, c, ldc, sC, count, 1) == 0)
        return;
    dim3 grid((n + TN - 1) / TN, (m + TM - 1) / TM, count);
    sgemm_kernel<<<grid, 256, 0, s>>>(transA, transB, m, n, k, alpha, a, lda, sA, b, ldb, sB, beta, c, ldc, sC);
}

extern "C" const char *nkc_gemm_name(cudaStream_t s) { return nkc_cublas_gemm_name(s); }

extern "C" void nkc_sgemm(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha, const float *a,
                          int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (nkc_cublas_sgemm(s, transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, 0) == 0) return;
    dim3 grid((n + TN - 1) / TN, (m + TM - 1) / TM, 1);
    sgemm_kernel<<<grid, 256, 0, s>>>(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0);
}

// ------------------------------------------------------------------ reductions

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* Block-wide sum/max, result in every thread; blockDim.x a multiple of 32. */
__device__ float block_reduce(float v, bool is_max) {
    __shared__ float sh[32];
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = is_max ? warp_max(v) : warp_sum(v);
    __syncthreads();
    if (lane == 0) sh[w] = v;
    __syncthreads();
    float init = is_max ? -FLT_MAX : 0.f;
    float t = lane < nw ? sh[lane] : init;
    t = is_max ? warp_max(t) : warp_sum(t);
    return t;
}

// ------------------------------------------------------------------ layernorm

__global__ void layernorm_fwd_kernel(const float *x, const float *w, const float *b, float *out, float *mean,
                                     float *rstd, int dim, float eps) {
    const float *xr = x + (size_t) blockIdx.x * dim;
    float s = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) s += xr[i];
    float mu = block_reduce(s, false) / dim;
    float v = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) v += (xr[i] - mu) * (xr[i] - mu);
    float rs = rsqrtf(block_reduce(v, false) / dim + eps);
    float *o = out + (size_t) blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = (xr[i] - mu) * rs * w[i] + b[i];
    if (threadIdx.x == 0) {
        mean[blockIdx.x] = mu;
        rstd[blockIdx.x] = rs;
    }
}

__global__ void layernorm_bwd_dx_kernel(const float *dout, const float *x, const float *w, const float *mean,
                                        const float *rstd, float *dx, int dim) {
    size_t o = (size_t) blockIdx.x * dim;
    float mu = mean[blockIdx.x], rs = rstd[blockIdx.x], sg = 0.f, sgx = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        float g = dout[o + i] * w[i];
        sg += g;
        sgx += g * (x[o + i] - mu) * rs;
    }
    sg = block_reduce(sg, false) / dim;
    sgx = block_reduce(sgx, false) / dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        float xh = (x[o + i] - mu) * rs;
        dx[o + i] = rs * (dout[o + i] * w[i] - sg - xh * sgx);
    }
}

__global__ void layernorm_bwd_dw_kernel(const float *dout, const float *x, const float *mean, const float *rstd,
                                        float *dw, float *db, int rows, int dim) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= dim) return;
    float sw = 0.f, sb = 0.f;
    for (int r = 0; r < rows; r++) {
        float d = dout[(size_t) r * dim + i];
        sw += d * (x[(size_t) r * dim + i] - mean[r]) * rstd[r];
        sb += d;
    }
    dw[i] += sw;
    db[i] += sb;
}

extern "C" void nkc_layernorm_fwd(cudaStream_t s, const float *x, const float *w, const float *b, float *out,
                                  float *mean, float *rstd, int rows, int dim, float eps) {
    if (rows > 0) layernorm_fwd_kernel<<<rows, ROW_THREADS, 0, s>>>(x, w, b, out, mean, rstd, dim, eps);
}

extern "C" void nkc_layernorm_bwd(cudaStream_t s, const float *dout, const float *x, const float *w,
                                  const float *mean, const float *rstd, float *dx, float *dw, float *db, int rows,
                                  int dim) {
    if (rows <= 0) return;
    layernorm_bwd_dw_kernel<<<(dim + 255) / 256, 256, 0, s>>>(dout, x, mean, rstd, dw, db, rows, dim);
    layernorm_bwd_dx_kernel<<<rows, ROW_THREADS, 0, s>>>(dout, x, w, mean, rstd, dx, dim);
}

// ------------------------------------------------------------------ RMSNorm, ScaleNorm

__global__ void rmsnorm_fwd_kernel(const float *x, const float *scale, float *out, float *inv, int dim, float eps) {
    size_t o = (size_t) blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += x[o + i] * x[o + i];
    float iv = 1.f / (sqrtf(block_reduce(ss, false) / dim) + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[o + i] = scale[i] * x[o + i] * iv;
    if (threadIdx.x == 0) inv[blockIdx.x] = iv;
}

__global__ void rmsnorm_bwd_kernel(const float *dout, const float *x, const float *scale, const float *inv,
                                   float *dx, int dim) {
    size_t o = (size_t) blockIdx.x * dim;
    float ss = 0.f, dot = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        ss += x[o + i] * x[o + i];
        dot += dout[o + i] * scale[i] * x[o + i];
    }
    ss = block_reduce(ss, false);
    dot = block_reduce(dot, false);
    float rms = sqrtf(ss / dim), iv = inv[blockIdx.x];
    float coef = rms == 0.f ? 0.f : iv * iv * dot / (dim * rms);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) dx[o + i] = dout[o + i] * scale[i] * iv - coef * x[o + i];
}

/* dscale[i] += sum_r dout*x*inv[r] (RMSNorm), one thread per column. */
__global__ void colsum_scaled_kernel(const float *dout, const float *x, const float *inv, float *acc, int rows,
                                     int dim) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= dim) return;
    float s = 0.f;
    for (int r = 0; r < rows; r++) s += dout[(size_t) r * dim + i] * x[(size_t) r * dim + i] * inv[r];
    acc[i] += s;
}

__global__ void scalenorm_fwd_kernel(const float *x, const float *g, float *out, float *inv, int dim, float eps) {
    size_t o = (size_t) blockIdx.x * dim;
    float ss = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += x[o + i] * x[o + i];
    float nrm = sqrtf(block_reduce(ss, false));
    float iv = 1.f / fmaxf(nrm, eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[o + i] = g[0] * x[o + i] * iv;
    if (threadIdx.x == 0) inv[blockIdx.x] = iv;
}

__global__ void scalenorm_bwd_kernel(const float *dout, const float *x, const float *g, const float *inv, float *dx,
                                     float *dg, int dim, float eps) {
    size_t o = (size_t) blockIdx.x * dim;
    float ss = 0.f, dot = 0.f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        ss += x[o + i] * x[o + i];
        dot += dout[o + i] * x[o + i];
    }
    ss = block_reduce(ss, false);
    dot = block_reduce(dot, false);
    float iv = inv[blockIdx.x], gv = g[0];
    float coef = sqrtf(ss) < eps ? 0.f : gv * dot * iv * iv * iv;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) dx[o + i] = gv * dout[o + i] * iv - coef * x[o + i];
    if (threadIdx.x == 0) atomicAdd(dg, dot * iv);
}

// ------------------------------------------------------------------ element-wise


__global__ void bias_add_kernel(float *x, const float *bias, int64_t n, int cols) {
    FOR_N(i, n) x[i] += bias[i % cols];
}

__global__ void colsum_kernel(const float *dy, float *db, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    float s = 0.f;
    for (int r = 0; r < rows; r++) s += dy[(size_t) r * cols + c];
    db[c] += s;
}

__global__ void gelu_fwd_kernel(const float *x, float *out, int64_t n, int tanh_approx) {
    FOR_N(i, n) {
        float v = x[i];
        out[i] = tanh_approx ? 0.5f * v * (1.f + tanhf(0.79788456f * v * (1.f + 0.044715f * v * v)))
                             : 0.5f * v * (1.f + erff(v * 0.70710678f));
    }
}

__global__ void gelu_bwd_kernel(const float *x, const float *dout, float *dx, int64_t n, int tanh_approx) {
    FOR_N(i, n) {
        float v = x[i], d;
        if (tanh_approx) {
            float t = tanhf(0.79788456f * v * (1.f + 0.044715f * v * v));
            d = 0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * 0.79788456f * (1.f + 3.f * 0.044715f * v * v);
        } else {
            d = 0.5f * (1.f + erff(v * 0.70710678f)) + v * 0.39894228f * expf(-0.5f * v * v);
        }
        dx[i] = dout[i] * d;
    }
}

__device__ float tanh_softplus(float v) {
    if (v > 20.f) return 1.f;
    float e = expf(v), n = e * (e + 2.f);
    return n / (n + 2.f);
}

__device__ float sigmoid_(float v) { return 1.f / (1.f + expf(fminf(-v, 88.f))); }

/* kind: NK_ACT_RELU, NK_ACT_SOFTSIGN, NK_ACT_SWISH, NK_ACT_MISH (GeLU kinds go to gelu_*_kernel). */
__global__ void act_fwd_kernel(const float *x, float *out, int64_t n, int kind) {
    FOR_N(i, n) {
        float v = x[i];
        out[i] = kind == NK_ACT_RELU ? fmaxf(v, 0.f)
               : kind == NK_ACT_SOFTSIGN ? v / (1.f + fabsf(v))
               : kind == NK_ACT_SWISH ? v * sigmoid_(v)
               : v * tanh_softplus(v);
    }
}

__global__ void act_bwd_kernel(const float *x, const float *dout, float *dx, int64_t n, int kind) {
    FOR_N(i, n) {
        float v = x[i], d;
        if (kind == NK_ACT_RELU) {
            d = v > 0.f ? 1.f : 0.f;
        } else if (kind == NK_ACT_SOFTSIGN) {
            float a = 1.f + fabsf(v);
            d = 1.f / (a * a);
        } else if (kind == NK_ACT_SWISH) {
            float s = sigmoid_(v);
            d = s * (1.f + v * (1.f - s));
        } else {
            float t = tanh_softplus(v);
            d = t + v * (1.f - t * t) * sigmoid_(v);
        }
        dx[i] = dout[i] * d;
    }
}

/* i over rows*half: fc rows [x | gate]. */
__global__ void geglu_fwd_kernel(const float *fc, float *out, int64_t n, int half) {
    FOR_N(i, n) {
        int64_t r = i / half, j = i % half;
        float x = fc[r * 2 * half + j], g = fc[r * 2 * half + half + j];
        out[i] = x * 0.5f * g * (1.f + erff(g * 0.70710678f));
    }
}

__global__ void geglu_bwd_kernel(const float *fc, const float *dout, float *dfc, int64_t n, int half) {
    FOR_N(i, n) {
        int64_t r = i / half, j = i % half, xi = r * 2 * half + j;
        float x = fc[xi], g = fc[xi + half], d = dout[i];
        float cdf = 0.5f * (1.f + erff(g * 0.70710678f));
        dfc[xi] = d * g * cdf;
        dfc[xi + half] = d * x * (cdf + g * 0.39894228f * expf(-0.5f * g * g));
    }
}

__global__ void dropout_kernel(const float *x, float *out, int64_t n, float p, uint64_t seed, uint64_t base) {
    float s = 1.f / (1.f - p);
    FOR_N(i, n) {
        uint64_t z = seed * 0x9E3779B97F4A7C15ULL + base + (uint64_t) i;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u = (float) (z >> 40) * 0x1.0p-24f;
        out[i] = u >= p ? x[i] * s : 0.f;
    }
}

__global__ void dropout_2d_kernel(const float *x, float *out, int64_t n, int rows, int cols, int64_t countStride,
                                  int64_t rowStride, float p, uint64_t seed, uint64_t base) {
    float s = p == 0.f ? 1.f : 1.f / (1.f - p);
    FOR_N(i, n) {
        int64_t cr = i / cols;
        int64_t e = (cr / rows) * countStride + (cr % rows) * rowStride + i % cols;
        uint64_t z = seed * 0x9E3779B97F4A7C15ULL + base + (uint64_t) e;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u = (float) (z >> 40) * 0x1.0p-24f;
        out[e] = p == 0.f ? x[e] : u >= p ? x[e] * s : 0.f;
    }
}

__global__ void embedding_fwd_kernel(const int32_t *tok, const float *w, float *out, int rows, int dim, int vs,
                                     int vr) {
    int t = tok[blockIdx.x] - vs;
    bool local = t >= 0 && t < vr;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        out[(size_t) blockIdx.x * dim + i] = local ? w[(size_t) t * dim + i] : 0.f;
}

__global__ void embedding_bwd_kernel(const int32_t *tok, const float *dout, float *dw, int rows, int dim, int vs,
                                     int vr) {
    int t = tok[blockIdx.x] - vs;
    if (t < 0 || t >= vr) return;
    for (int i = threadIdx.x; i < dim; i += blockDim.x)
        atomicAdd(dw + (size_t) t * dim + i, dout[(size_t) blockIdx.x * dim + i]);
}

__global__ void rotary_kernel(float *x, int64_t pairs, int seq, int headDim, int rd, const float *cs,
                              const float *sn, float sign) {
    int half = rd / 2;
    FOR_N(q, pairs) {
        int i = (int) (q % half);
        int64_t rowi = q / half;  // (c*seq + t)
        int t = (int) (rowi % seq);
        float *o = x + rowi * headDim;
        float c = cs[(size_t) t * half + i], s = sign * sn[(size_t) t * half + i];
        float x1 = o[i], x2 = o[half + i];
        o[i] = x1 * c - x2 * s;
        o[half + i] = x2 * c + x1 * s;
    }
}

__global__ void adam_kernel(float *p, const float *g, float *m, float *v, int64_t len, float lr, float beta1,
                            float beta2, float eps, float wdAdam, float wdW, float bc1, float bc2, float gs) {
    FOR_N(i, len) {
        float gi = g[i] * gs + wdAdam * p[i];
        float mi = beta1 * m[i] + (1.f - beta1) * gi;
        float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wdW * p[i]);
    }
}

extern "C" void nkc_gelu_fwd(cudaStream_t s, const float *x, float *out, int64_t n, int t) {
    if (n > 0) gelu_fwd_kernel<<<GRID(n), 256, 0, s>>>(x, out, n, t);
}

extern "C" void nkc_gelu_bwd(cudaStream_t s, const float *x, const float *d, float *dx, int64_t n, int t) {
    if (n > 0) gelu_bwd_kernel<<<GRID(n), 256, 0, s>>>(x, d, dx, n, t);
}

extern "C" void nkc_act_fwd(cudaStream_t s, const float *x, float *out, int64_t n, int kind) {
    if (kind == NK_ACT_GELU || kind == NK_ACT_GELU_TANH) nkc_gelu_fwd(s, x, out, n, kind == NK_ACT_GELU_TANH);
    else if (n > 0) act_fwd_kernel<<<GRID(n), 256, 0, s>>>(x, out, n, kind);
}

extern "C" void nkc_act_bwd(cudaStream_t s, const float *x, const float *d, float *dx, int64_t n, int kind) {
    if (kind == NK_ACT_GELU || kind == NK_ACT_GELU_TANH) nkc_gelu_bwd(s, x, d, dx, n, kind == NK_ACT_GELU_TANH);
    else if (n > 0) act_bwd_kernel<<<GRID(n), 256, 0, s>>>(x, d, dx, n, kind);
}

extern "C" void nkc_geglu_fwd(cudaStream_t s, const float *fc, float *out, int rows, int half) {
    int64_t n = (int64_t) rows * half;
    if (n > 0) geglu_fwd_kernel<<<GRID(n), 256, 0, s>>>(fc, out, n, half);
}

extern "C" void nkc_geglu_bwd(cudaStream_t s, const float *fc, const float *d, float *dfc, int rows, int half) {
    int64_t n = (int64_t) rows * half;
    if (n > 0) geglu_bwd_kernel<<<GRID(n), 256, 0, s>>>(fc, d, dfc, n, half);
}

extern "C" void nkc_adam(cudaStream_t s, float *p, const float *g, float *m, float *v, int64_t len, float lr,
                         float beta1, float beta2, float eps, float wd, int adamW, float bc1, float bc2, float gs) {
    if (len > 0)
        adam_kernel<<<GRID(len), 256, 0, s>>>(p, g, m, v, len, lr, beta1, beta2, eps, adamW ? 0.f : wd,
                                              adamW ? wd : 0.f, bc1, bc2, gs);
}

// ------------------------------------------------------------------ softmax, cross-entropy

__global__ void softmax_fwd_kernel(const float *x, float *y, int sq, float scale, int triangle) {
    size_t row = blockIdx.x;
    int i = (int) (row % sq);
    const float *xr = x + row * sq;
    float *yr = y + row * sq;
    float mx = MASK_VALUE;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) mx = fmaxf(mx, scale * xr[j]);
    mx = block_reduce(mx, true);
    float sum = 0.f;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) sum += expf(scale * xr[j] - mx);
    float masked = triangle ? 0.f : expf(MASK_VALUE - mx);
    sum = block_reduce(sum, false) + masked * (float) (sq - 1 - i);
    float inv = 1.f / sum;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) yr[j] = expf(scale * xr[j] - mx) * inv;
    if (!triangle)
        for (int j = i + 1 + threadIdx.x; j < sq; j += blockDim.x) yr[j] = masked * inv;
}

__global__ void softmax_bwd_kernel(const float *y, const float *dy, float *dx, int sq, float scale, int triangle) {
    size_t row = blockIdx.x;
    int end = triangle ? (int) (row % sq) + 1 : sq;
    const float *yr = y + row * sq, *gr = dy + row * sq;
    float dot = 0.f;
    for (int j = threadIdx.x; j < end; j += blockDim.x) dot += gr[j] * yr[j];
    dot = block_reduce(dot, false);
    for (int j = threadIdx.x; j < end; j += blockDim.x) dx[row * sq + j] = scale * yr[j] * (gr[j] - dot);
}

/* log Σ exp(l[j]) over a row of vocab logits (max-shifted), the same in every thread of the block. */
__device__ float row_logsumexp(const float *l, int vocab) {
    float mx = -FLT_MAX;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) mx = fmaxf(mx, l[j]);
    mx = block_reduce(mx, true);
    float s = 0.f;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x) s += expf(l[j] - mx);
    s = block_reduce(s, false);
    return mx + logf(s);
}

__global__ void xent_fwd_kernel(const float *logits, const int32_t *labels, float *loss, float *lse, int vocab) {
    const float *l = logits + (size_t) blockIdx.x * vocab;
    float v = row_logsumexp(l, vocab);
    if (threadIdx.x == 0) {
        lse[blockIdx.x] = v;
        loss[blockIdx.x] = v - l[labels[blockIdx.x]];
    }
}

__global__ void xent_bwd_kernel(float *logits, const int32_t *labels, const float *lse, const float *dloss,
                                int vocab) {
    float *l = logits + (size_t) blockIdx.x * vocab;
    float d = dloss[blockIdx.x], ls = lse[blockIdx.x];
    int label = labels[blockIdx.x];
    for (int j = threadIdx.x; j < vocab; j += blockDim.x)
        l[j] = d == 0.f ? 0.f : (expf(l[j] - ls) - (j == label ? 1.f : 0.f)) * d;
}

/* xent_fwd + xent_bwd in one pass over the row: every thread reads the label's logit before the
 * reductions' barriers, the row is overwritten only after them. */
__global__ void xent_fused_kernel(float *logits, const int32_t *labels, const float *dloss, float *loss,
                                  int vocab) {
    float *l = logits + (size_t) blockIdx.x * vocab;
    int label = labels[blockIdx.x];
    float target = l[label];
    float ls = row_logsumexp(l, vocab), d = dloss[blockIdx.x];
    if (threadIdx.x == 0) loss[blockIdx.x] = ls - target;
    for (int j = threadIdx.x; j < vocab; j += blockDim.x)
        l[j] = d == 0.f ? 0.f : (expf(l[j] - ls) - (j == label ? 1.f : 0.f)) * d;
}

extern "C" void nkc_causal_softmax_fwd(cudaStream_t s, const float *x, float *y, int count, int sq, float scale,
                                       int triangle) {
    if ((int64_t) count * sq > 0) softmax_fwd_kernel<<<count * sq, 128, 0, s>>>(x, y, sq, scale, triangle);
}

extern "C" void nkc_causal_softmax_bwd(cudaStream_t s, const float *y, const float *dy, float *dx, int count,
                                       int sq, float scale, int triangle) {
    if ((int64_t) count * sq > 0) softmax_bwd_kernel<<<count * sq, 128, 0, s>>>(y, dy, dx, sq, scale, triangle);
}

extern "C" void nkc_xent_fwd(cudaStream_t s, const float *logits, const int32_t *labels, float *loss, float *lse,
                             int rows, int vocab) {
    if (rows > 0) xent_fwd_kernel<<<rows, 1024, 0, s>>>(logits, labels, loss, lse, vocab);
}

extern "C" void nkc_xent_bwd(cudaStream_t s, float *logits, const int32_t *labels, const float *lse,
                             const float *dloss, int rows, int vocab) {
    if (rows > 0) xent_bwd_kernel<<<rows, 1024, 0, s>>>(logits, labels, lse, dloss, vocab);
}

extern "C" void nkc_xent_fused(cudaStream_t s, float *logits, const int32_t *labels, const float *dloss, float *loss,
                               int rows, int vocab) {
    if (rows > 0) xent_fused_kernel<<<rows, 1024, 0, s>>>(logits, labels, dloss, loss, vocab);
}

// ------------------------------------------------------------------ memory

extern "C" void *nkc_malloc(size_t bytes) {
    void *p = nullptr;
    return cudaMalloc(&p, bytes) == cudaSuccess ? p : nullptr;
}

extern "C" void nkc_free(void *p) { cudaFree(p); }

extern "C" void nkc_h2d(void *d, const void *h, size_t bytes, cudaStream_t s) {
    cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s);
}

extern "C" void nkc_d2h(void *h, const void *d, size_t bytes, cudaStream_t s) {
    cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, s);
}

extern "C" int nkc_sync(cudaStream_t s) { return (int) cudaStreamSynchronize(s); }



// ------------------------------------------------------------------ launchers used by the staged table

extern "C" void nkc_rmsnorm_fwd(cudaStream_t s, const float *x, const float *sc, float *out, float *inv, int rows,
                                int dim, float eps) {
    if (rows > 0) rmsnorm_fwd_kernel<<<rows, ROW_THREADS, 0, s>>>(x, sc, out, inv, dim, eps);
}

extern "C" void nkc_rmsnorm_bwd(cudaStream_t s, const float *d, const float *x, const float *sc, const float *inv,
                                float *dx, float *dsc, int rows, int dim) {
    if (rows <= 0) return;
    colsum_scaled_kernel<<<(dim + 255) / 256, 256, 0, s>>>(d, x, inv, dsc, rows, dim);
    rmsnorm_bwd_kernel<<<rows, ROW_THREADS, 0, s>>>(d, x, sc, inv, dx, dim);
}

extern "C" void nkc_scalenorm_fwd(cudaStream_t s, const float *x, const float *g, float *out, float *inv, int rows,
                                  int dim, float eps) {
    if (rows > 0) scalenorm_fwd_kernel<<<rows, ROW_THREADS, 0, s>>>(x, g, out, inv, dim, eps);
}

extern "C" void nkc_scalenorm_bwd(cudaStream_t s, const float *d, const float *x, const float *g, const float *inv,
                                  float *dx, float *dg, int rows, int dim, float eps) {
    if (rows > 0) scalenorm_bwd_kernel<<<rows, ROW_THREADS, 0, s>>>(d, x, g, inv, dx, dg, dim, eps);
}

extern "C" void nkc_bias_add(cudaStream_t s, float *x, const float *bias, int rows, int cols) {
    int64_t n = (int64_t) rows * cols;
    if (n > 0) bias_add_kernel<<<GRID(n), 256, 0, s>>>(x, bias, n, cols);
}

extern "C" void nkc_bias_grad(cudaStream_t s, const float *dy, float *db, int rows, int cols) {
    if (cols > 0) colsum_kernel<<<(cols + 255) / 256, 256, 0, s>>>(dy, db, rows, cols);
}

extern "C" void nkc_dropout(cudaStream_t s, const float *x, float *out, int64_t n, float p, int64_t seed,
                            int64_t base) {
    if (n <= 0) return;
    if (p == 0.f) {
        if (x != out) cudaMemcpyAsync(out, x, n * sizeof(float), cudaMemcpyDeviceToDevice, s);
        return;
    }
    dropout_kernel<<<GRID(n), 256, 0, s>>>(x, out, n, p, (uint64_t) seed, (uint64_t) base);
}

extern "C" void nkc_dropout_2d(cudaStream_t s, const float *x, float *out, int count, int64_t countStride, int rows,
                               int64_t rowStride, int cols, float p, int64_t seed, int64_t base) {
    int64_t n = (int64_t) count * rows * cols;
    if (n <= 0) return;
    dropout_2d_kernel<<<GRID(n), 256, 0, s>>>(x, out, n, rows, cols, countStride, rowStride, p, (uint64_t) seed,
                                              (uint64_t) base);
}

extern "C" void nkc_embedding_fwd(cudaStream_t s, const int32_t *tok, const float *w, float *out, int rows, int dim,
                                  int vs, int vr) {
    if (rows > 0) embedding_fwd_kernel<<<rows, 128, 0, s>>>(tok, w, out, rows, dim, vs, vr);
}

extern "C" void nkc_embedding_bwd(cudaStream_t s, const int32_t *tok, const float *d, float *dw, int rows, int dim,
                                  int vs, int vr) {
    if (rows > 0) embedding_bwd_kernel<<<rows, 128, 0, s>>>(tok, d, dw, rows, dim, vs, vr);
}

extern "C" void nkc_rotary(cudaStream_t s, float *x, int count, int seq, int headDim, int rd, const float *cs,
                           const float *sn, float sign) {
    int64_t pairs = (int64_t) count * seq * (rd / 2);
    if (pairs > 0) rotary_kernel<<<GRID(pairs), 256, 0, s>>>(x, pairs, seq, headDim, rd, cs, sn, sign);
}
