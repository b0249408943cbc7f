/* Grid-stride loops of the element-wise CUDA kernels (internal to the CUDA backend's .cu files). */
#ifndef NKC_GRID_CUH
#define NKC_GRID_CUH
#include <stdint.h>

/* 256-thread blocks, at most 8*65535 of them; FOR_N strides the rest. */
#define GRID(n) (unsigned) (((n) + 255) / 256 < 65535u * 8 ? ((n) + 255) / 256 : 65535u * 8)
#define FOR_N(i, n) for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < (n); \
                         i += (int64_t) gridDim.x * blockDim.x)
#endif
