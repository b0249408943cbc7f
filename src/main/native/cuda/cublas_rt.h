/*
 * cuBLAS loaded at run time (cublas_rt.cu): the CUDA library links only cudart, so it builds without
 * cuBLAS headers and runs where no cuBLAS is installed. Which library is tried:
 *   NEOX_CUBLAS=0         never (the built-in SGEMM runs);
 *   NEOX_CUBLAS=/path/x   that file (its libcublasLt sibling is loaded first when present);
 *   unset                 libcublas.so.13, libcublas.so.12, libcublas.so (the loader's search path).
 * nkc_sgemm / nkc_sgemm_batched call these first and run the built-in kernel when they return nonzero.
 * FP32 throughout (CUBLAS_DEFAULT_MATH: no TF32), as PyTorch's default.
 */
#ifndef NEOX_CUBLAS_RT_H
#define NEOX_CUBLAS_RT_H
#include <cuda_runtime.h>
#include <stdint.h>

/* Row-major C[m,n] = alpha*op(A)*op(B) + beta*C (count problems at strides sA, sB, sC when batched != 0) on
 * stream s of the current device. Returns 0 when cuBLAS enqueued it, nonzero when the caller must run the
 * built-in kernel: cuBLAS not loaded, k == 0, or a cuBLAS error (printed to stderr). m, n, count > 0. */
int nkc_cublas_sgemm(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha, const float *a,
                     int lda, int64_t sA, const float *b, int ldb, int64_t sB, float beta, float *c, int ldc,
                     int64_t sC, int count, int batched);

/* "cuBLAS <major>.<minor>.<patch>" when cuBLAS serves the current device (this creates its handle for stream
 * s), else "built-in SGEMM". */
const char *nkc_cublas_gemm_name(cudaStream_t s);

#endif
