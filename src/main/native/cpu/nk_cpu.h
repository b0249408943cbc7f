/* Internal declarations of the CPU backend (see include/neox_kernels.h for semantics). */
#ifndef NK_CPU_H
#define NK_CPU_H
#include <stdint.h>
#include "neox_kernels.h"

/* Threads of every parallel region (set by nk_cpu_ops; process-wide). */
extern int nk_threads;

void nk_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
void nk_sgemm_st(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void nk_sgemm_batched(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, int64_t sA,
                      const float *b, int ldb, int64_t sB, float beta, float *c, int ldc, int64_t sC, int count);
/* cpu/layout.c: the API version 5 layout and element-wise ops. */
void nk_add(const float *a, const float *b, float *out, int64_t n);
void nk_fill(float *x, int64_t n, float value);
void nk_copy3d(const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1, int64_t ds0,
               int64_t ds1);
void nk_zero_above_diag_blocks(float *x, int count, int seq, int block);
void nk_alibi_bias(float *x, int count, int rows, int cols, int pos0, const float *slopes, int heads);
/* cpu/layout.c: the API version 6 reduction. */
double nk_sum_sq(const float *x, int64_t n);
#endif
