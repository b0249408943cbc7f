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
#endif
