/*
 * The CUDA backend's device API: the nk_ops operations on DEVICE pointers, enqueued on a stream
 * (nothing synchronises unless a function says so). Device-resident callers (a future trainer
 * keeping parameters and activations on the GPU) use these directly; nk_cuda_ops() wraps them
 * for host buffers by staging through cached device buffers.
 */
#ifndef NEOX_CUDA_H
#define NEOX_CUDA_H
#include <cuda_runtime.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void *nkc_malloc(size_t bytes);              /* NULL on failure */
void nkc_free(void *p);
void nkc_h2d(void *dst, const void *src, size_t bytes, cudaStream_t s);
void nkc_d2h(void *dst, const void *src, size_t bytes, cudaStream_t s);
int nkc_sync(cudaStream_t s);                /* 0, or the cudaError_t */

/* SGEMM on cuBLAS when it can be loaded at run time (NEOX_CUBLAS, see cublas_rt.h), else the built-in kernel;
 * FP32 (no TF32) either way. nkc_gemm_name(s): "cuBLAS <version>" or "built-in SGEMM" for the current device. */
const char *nkc_gemm_name(cudaStream_t s);
void nkc_sgemm(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);
void nkc_sgemm_batched(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha,
                       const float *a, int lda, int64_t sA, const float *b, int ldb, int64_t sB, float beta,
                       float *c, int ldc, int64_t sC, int count);
void nkc_layernorm_fwd(cudaStream_t s, const float *x, const float *w, const float *b, float *out, float *mean,
                       float *rstd, int rows, int dim, float eps);
void nkc_layernorm_bwd(cudaStream_t s, const float *dout, const float *x, const float *w, const float *mean,
                       const float *rstd, float *dx, float *dw, float *db, int rows, int dim);
void nkc_gelu_fwd(cudaStream_t s, const float *x, float *out, int64_t n, int tanh_approx);
void nkc_gelu_bwd(cudaStream_t s, const float *x, const float *dout, float *dx, int64_t n, int tanh_approx);
void nkc_act_fwd(cudaStream_t s, const float *x, float *out, int64_t n, int kind);   /* kind: NK_ACT_* */
void nkc_act_bwd(cudaStream_t s, const float *x, const float *dout, float *dx, int64_t n, int kind);
void nkc_geglu_fwd(cudaStream_t s, const float *fc, float *out, int rows, int half);
void nkc_geglu_bwd(cudaStream_t s, const float *fc, const float *dout, float *dfc, int rows, int half);
void nkc_causal_softmax_fwd(cudaStream_t s, const float *x, float *y, int count, int sq, float scale, int triangle);
void nkc_causal_softmax_bwd(cudaStream_t s, const float *y, const float *dy, float *dx, int count, int sq,
                            float scale, int triangle);
void nkc_xent_fwd(cudaStream_t s, const float *logits, const int32_t *labels, float *loss, float *lse, int rows,
                  int vocab);
void nkc_xent_bwd(cudaStream_t s, float *logits, const int32_t *labels, const float *lse, const float *dloss,
                  int rows, int vocab);
/* xent_fwd + xent_bwd in one kernel: writes loss, turns logits into dlogits in place. */
void nkc_xent_fused(cudaStream_t s, float *logits, const int32_t *labels, const float *dloss, float *loss, int rows,
                    int vocab);
void nkc_adam(cudaStream_t s, float *p, const float *g, float *m, float *v, int64_t len, float lr, float beta1,
              float beta2, float eps, float weightDecay, int adamW, float bc1, float bc2, float gradScale);

void nkc_rmsnorm_fwd(cudaStream_t s, const float *x, const float *scale, float *out, float *inv, int rows, int dim,
                     float eps);
void nkc_rmsnorm_bwd(cudaStream_t s, const float *dout, const float *x, const float *scale, const float *inv,
                     float *dx, float *dscale, int rows, int dim);
void nkc_scalenorm_fwd(cudaStream_t s, const float *x, const float *g, float *out, float *inv, int rows, int dim,
                       float eps);
void nkc_scalenorm_bwd(cudaStream_t s, const float *dout, const float *x, const float *g, const float *inv,
                       float *dx, float *dg, int rows, int dim, float eps);
void nkc_bias_add(cudaStream_t s, float *x, const float *bias, int rows, int cols);
void nkc_bias_grad(cudaStream_t s, const float *dy, float *db, int rows, int cols);
void nkc_dropout(cudaStream_t s, const float *x, float *out, int64_t n, float p, int64_t seed, int64_t base);
/* dropout over the strided region (c, r, j) at c*countStride + r*rowStride + j, counter base + that offset. */
void nkc_dropout_2d(cudaStream_t s, const float *x, float *out, int count, int64_t countStride, int rows,
                    int64_t rowStride, int cols, float p, int64_t seed, int64_t base);
void nkc_embedding_fwd(cudaStream_t s, const int32_t *tokens, const float *w, float *out, int rows, int dim,
                       int vocabStart, int vocabRows);
void nkc_embedding_bwd(cudaStream_t s, const int32_t *tokens, const float *dout, float *dw, int rows, int dim,
                       int vocabStart, int vocabRows);
void nkc_rotary(cudaStream_t s, float *x, int count, int seq, int headDim, int rd, const float *cos,
                const float *sin, float sign);

/* neox_cuda_layout.cu: the API version 5 ops (see nk_ops in neox_kernels.h). */
void nkc_add(cudaStream_t s, const float *a, const float *b, float *out, int64_t n);
void nkc_fill(cudaStream_t s, float *x, int64_t n, float value);
void nkc_copy3d(cudaStream_t s, const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1,
                int64_t ds0, int64_t ds1);
void nkc_zero_above_diag_blocks(cudaStream_t s, float *x, int count, int seq, int block);
void nkc_alibi_bias(cudaStream_t s, float *x, int count, int rows, int cols, int pos0, const float *slopes,
                    int heads);

/* API version 6: sum_{i<n} (double) x[i]^2 in double, in a fixed order for a given n (per-block partial sums,
 * then one block over them). scratch: device memory of NKC_SUM_SQ_SCRATCH doubles owned by the caller, used
 * by one call at a time. SYNCHRONISES s (copies the 8-byte result to the host). Returns NaN when a launch
 * failed or the stream reports an error; the error then stays for cudaGetLastError (when sticky, for every
 * later call too). */
#define NKC_SUM_SQ_SCRATCH 1025
double nkc_sum_sq(cudaStream_t s, const float *x, int64_t n, double *scratch);

#ifdef __cplusplus
}
#endif
#endif
