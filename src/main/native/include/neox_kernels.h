/*
 * neox kernels: a flat C API over plain float buffers (no Java objects cross it).
 *
 * Semantics are those of org.neox.kernel.Kernels (see its Javadoc): row-major matrices,
 * "rows" = flattened leading dims, backward kernels overwrite input gradients and ACCUMULATE
 * into parameter gradients, statistics (mean, rstd, inv, lse) are float[rows]. Pointers are
 * already offset by the caller; strides (ld*) are in elements.
 *
 * Backends implement the same operations as a table of function pointers (nk_ops), so that a
 * binding (the JNI layer, a C test, a future Ascend port) dispatches without knowing the backend:
 *   - nk_cpu_ops()  : libneoxkernels_cpu.so, AVX2/FMA + OpenMP; pointers are host memory.
 * The JNI layer (libneoxkernels.so) links neither backend: it dlopens them by path.
 *   - nk_cuda_ops() : libneoxkernels_cuda.so; the table takes host pointers and stages them
 *                     through cached device buffers; the nkc_* device API in neox_cuda.h
 *                     takes device pointers and a stream for device-resident callers.
 * Device-resident callers use an nk_device instead (below): memory the backend allocates, the
 * same nk_ops on pointers into it, explicit uploads and downloads.
 */
#ifndef NEOX_KERNELS_H
#define NEOX_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NK_API_VERSION 6

/* Element-wise MLP activations (org.neox.kernel.ActivationKind, by ordinal). */
enum { NK_ACT_GELU, NK_ACT_GELU_TANH, NK_ACT_RELU, NK_ACT_SOFTSIGN, NK_ACT_SWISH, NK_ACT_MISH };

typedef struct nk_ops {
    int version;
    const char *name;

    /* C = alpha*op(A)*op(B) + beta*C; op(A) [m,k], op(B) [k,n], C [m,n]; beta==0 ignores C. */
    void (*sgemm)(int transA, int transB, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
    /* count sgemm problems of one shape and leading dims; problem p at a+p*sA, b+p*sB, c+p*sC
     * (the C matrices do not overlap). */
    void (*sgemm_batched)(int transA, int transB, int m, int n, int k, float alpha,
                          const float *a, int lda, int64_t sA, const float *b, int ldb, int64_t sB,
                          float beta, float *c, int ldc, int64_t sC, int count);

    void (*layernorm_fwd)(const float *x, const float *w, const float *b, float *out,
                          float *mean, float *rstd, int rows, int dim, float eps);
    void (*layernorm_bwd)(const float *dout, const float *x, const float *w, const float *mean,
                          const float *rstd, float *dx, float *dw, float *db, int rows, int dim);
    void (*rmsnorm_fwd)(const float *x, const float *scale, float *out, float *inv, int rows, int dim, float eps);
    void (*rmsnorm_bwd)(const float *dout, const float *x, const float *scale, const float *inv,
                        float *dx, float *dscale, int rows, int dim);
    void (*scalenorm_fwd)(const float *x, const float *g, float *out, float *inv, int rows, int dim, float eps);
    void (*scalenorm_bwd)(const float *dout, const float *x, const float *g, const float *inv,
                          float *dx, float *dg, int rows, int dim, float eps);

    void (*bias_add)(float *x, const float *bias, int rows, int cols);
    void (*bias_grad)(const float *dy, float *db, int rows, int cols);
    /* out/dx may alias x/dout. */
    void (*gelu_fwd)(const float *x, float *out, int64_t n, int tanh_approx);
    void (*gelu_bwd)(const float *x, const float *dout, float *dx, int64_t n, int tanh_approx);
    /* keep(i) = splitmix64(seed*phi + counterBase + i) >> 40 scaled to [0,1) >= p. */
    void (*dropout)(const float *x, float *out, int64_t n, float p, int64_t seed, int64_t counterBase);

    void (*embedding_fwd)(const int32_t *tokens, const float *w, float *out, int rows, int dim,
                          int vocabStart, int vocabRows);
    void (*embedding_bwd)(const int32_t *tokens, const float *dout, float *dw, int rows, int dim,
                          int vocabStart, int vocabRows);

    /* in place on x [count, seq, headDim]; cos/sin [seq, rd/2]; sign +1 forward, -1 backward. */
    void (*rotary)(float *x, int count, int seq, int headDim, int rd, const float *cos,
                   const float *sin, float sign);

    /* x,y [count, sq, sq]; triangle != 0 touches only j <= i. y may alias x, dx may alias dy. */
    void (*causal_softmax_fwd)(const float *x, float *y, int count, int sq, float scale, int triangle);
    void (*causal_softmax_bwd)(const float *y, const float *dy, float *dx, int count, int sq,
                               float scale, int triangle);

    void (*xent_fwd)(const float *logits, const int32_t *labels, float *loss, float *lse, int rows, int vocab);
    /* in place: logits become dlogits. */
    void (*xent_bwd)(float *logits, const int32_t *labels, const float *lse, const float *dloss,
                     int rows, int vocab);

    /* xent_fwd + xent_bwd in one sweep: writes loss, turns logits into dlogits in place. */
    void (*xent_fused)(float *logits, const int32_t *labels, const float *dloss, float *loss, int rows, int vocab);

    /* p, g, m, v already offset; len elements. */
    void (*adam)(float *p, const float *g, float *m, float *v, int64_t len, float lr, float beta1,
                 float beta2, float eps, float weightDecay, int adamW, float bc1, float bc2, float gradScale);

    /* out = f(x) for the activation kind (NK_ACT_*); out/dx may alias x/dout. */
    void (*act_fwd)(const float *x, float *out, int64_t n, int kind);
    void (*act_bwd)(const float *x, const float *dout, float *dx, int64_t n, int kind);
    /* GEGLU: fc rows [x | gate] of 2*half; out [rows, half] = x * gelu_erf(gate); dfc rows
     * [dout*gelu(gate) | dout*x*gelu'(gate)]. No aliasing. */
    void (*geglu_fwd)(const float *fc, float *out, int rows, int half);
    void (*geglu_bwd)(const float *fc, const float *dout, float *dfc, int rows, int half);
    /* dropout over a strided region: element (c, r, j), c < count, r < rows, j < cols, at
     * e = c*countStride + r*rowStride + j from x/out, counter counterBase + e (as the flat dropout
     * over the enclosing buffer). Elements outside the region are untouched; out may alias x. */
    void (*dropout_2d)(const float *x, float *out, int count, int64_t countStride, int rows, int64_t rowStride,
                       int cols, float p, int64_t seed, int64_t counterBase);

    /* ---- API version 5: the layout and small element-wise ops a device-resident trainer needs. */
    /* out[i] = a[i] + b[i]; out may alias a or b. */
    void (*add)(const float *a, const float *b, float *out, int64_t n);
    void (*fill)(float *x, int64_t n, float value);
    /* dst[i0*ds0 + i1*ds1 + j] = src[i0*ss0 + i1*ss1 + j] for i0 < n0, i1 < n1, j < n2 (strides in
     * elements, >= 0); the regions may not overlap. qkv split/merge, heads <-> rows permutations. */
    void (*copy3d)(const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1, int64_t ds0,
                   int64_t ds1);
    /* x [count, seq, seq]: x[p][i][j] = 0 for i < j < min(seq, (i/block + 1)*block); rest untouched. */
    void (*zero_above_diag_blocks)(float *x, int count, int seq, int block);
    /* ALiBi on scores x [count, rows, cols]: matrix c uses slopes[c % heads], row r is query
     * i = pos0 + r, x[c][r][j] += (float) (j - i) * slope for j <= i, j < cols (float product and
     * sum, no FMA: bitwise ReferenceKernels.alibiBias). */
    void (*alibi_bias)(float *x, int count, int rows, int cols, int pos0, const float *slopes, int heads);

    /* ---- API version 6: reductions. */
    /* sum_{i<n} (double) x[i]^2, accumulated in double (the gradient-clipping norm); an inf or NaN
     * element gives a non-finite result. The summation order is the backend's (deterministic for
     * a given backend and n): backends agree to ~1e-12 relative, not bit for bit. On a device the
     * call waits for the queued work it depends on and for its own (it returns a value). */
    double (*sum_sq)(const float *x, int64_t n);
} nk_ops;

/*
 * A backend whose kernels run on memory it allocates ("device" memory). ops take pointers from
 * alloc (offsets into an allocation included); int32 labels/tokens are device pointers too. Work
 * may be queued: download waits for it, and error reports a failure of queued work so far.
 *   - nk_cpu_device(): ops = nk_cpu_ops, memory = 64-byte aligned malloc, copies are memcpy.
 *   - nk_cuda_device(): cudaMalloc'd memory, the nkc_* kernels on one stream, no staging.
 */
typedef struct nk_device {
    int version;                 /* NK_API_VERSION */
    const char *name;
    const nk_ops *ops;           /* kernels on device pointers */
    void *(*alloc)(int64_t bytes);                                /* NULL when out of memory */
    void (*release)(void *p);
    void (*upload)(void *dst, const void *host, int64_t bytes);   /* host may be reused on return */
    void (*download)(void *host, const void *src, int64_t bytes); /* waits for queued work; host filled on return */
    int (*error)(char *msg, int len);  /* 0, or nonzero with a message: a failure of queued work so far, without waiting */
} nk_device;

/* The CPU backend (libneoxkernels_cpu.so). threads > 0 sets the (process-wide) thread count;
 * <= 0 keeps the current one (initially the OpenMP default). */
typedef const nk_ops *(*nk_cpu_ops_fn)(int threads);
const nk_ops *nk_cpu_ops(int threads);

/* The CUDA backend (libneoxkernels_cuda.so); NULL with a message in *err when no device. */
typedef const nk_ops *(*nk_cuda_ops_fn)(int device, const char **err);
const nk_ops *nk_cuda_ops(int device, const char **err);

/* The CPU backend as a device (libneoxkernels_cpu.so); threads as for nk_cpu_ops. */
typedef const nk_device *(*nk_cpu_device_fn)(int threads);
const nk_device *nk_cpu_device(int threads);

/* The CUDA backend as a device (libneoxkernels_cuda.so); NULL with a message in *err when there is
 * no such device. One device per process: a later call naming another device fails. */
typedef const nk_device *(*nk_cuda_device_fn)(int device, const char **err);
const nk_device *nk_cuda_device(int device, const char **err);

#ifdef __cplusplus
}
#endif
#endif
