/*
 * nk_cuda_device(): the CUDA backend as an nk_device for device-resident callers. Memory is
 * cudaMalloc'd; the nk_ops entries launch the nkc_* kernels on one non-blocking stream with the
 * pointers as given (no staging, no synchronisation). Uploads and downloads go through the same
 * stream and synchronise it (the host side is a Java heap array pinned only for the call), so
 * they are ordered with the kernels queued before them. Errors: launch failures through
 * cudaGetLastError (per calling thread), failures of queued work as the stream synchronisations
 * report them; error() returns and clears either, without waiting. sum_sq returns a value, so it
 * synchronises the stream; a failure it sees stays in cudaGetLastError for error().
 * One device per process (the table's functions carry no context).
 */
#include <atomic>
#include <cstdio>
#include <mutex>
#include "neox_kernels.h"
#include "neox_cuda.h"

namespace {

cudaStream_t g_stream;
int g_device = -1;
std::mutex g_mu;
std::atomic<int> g_sync_error{0};
char g_name[320];

/* The calling (Java) thread's current device may be another one: the stream belongs to g_device. */
#define ON cudaSetDevice(g_device)

void note(cudaError_t e) {
    int none = 0;
    if (e != cudaSuccess) g_sync_error.compare_exchange_strong(none, (int) e);
}

void *alloc(int64_t bytes) {
    if (bytes < 0) return nullptr;
    ON;
    void *p = nullptr;
    if (cudaMalloc(&p, (size_t) (bytes > 0 ? bytes : 1)) != cudaSuccess) {
        cudaGetLastError();  // out of memory is not sticky: do not report it again on the next op
        return nullptr;
    }
    return p;
}

void release(void *p) {
    ON;
    note(cudaStreamSynchronize(g_stream));
    cudaFree(p);
}

void upload(void *dst, const void *host, int64_t bytes) {
    if (bytes <= 0) return;
    ON;
    cudaMemcpyAsync(dst, host, (size_t) bytes, cudaMemcpyHostToDevice, g_stream);
    note(cudaStreamSynchronize(g_stream));
}

void download(void *host, const void *src, int64_t bytes) {
    if (bytes <= 0) return;
    ON;
    cudaMemcpyAsync(host, src, (size_t) bytes, cudaMemcpyDeviceToHost, g_stream);
    note(cudaStreamSynchronize(g_stream));
}

int error(char *msg, int len) {
    int e = g_sync_error.exchange(0);
    cudaError_t last = cudaGetLastError();
    if (e == 0) e = (int) last;
    if (e == 0) return 0;
    snprintf(msg, (size_t) len, "%s: %s", cudaGetErrorName((cudaError_t) e), cudaGetErrorString((cudaError_t) e));
    return e;
}

// ------------------------------------------------------------------ nk_ops on device pointers

void sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc) {
    ON;
    nkc_sgemm(g_stream, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sgemm_batched(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, int64_t sA,
                   const float *b, int ldb, int64_t sB, float beta, float *c, int ldc, int64_t sC, int count) {
    ON;
    nkc_sgemm_batched(g_stream, ta, tb, m, n, k, alpha, a, lda, sA, b, ldb, sB, beta, c, ldc, sC, count);
}

void layernorm_fwd(const float *x, const float *w, const float *b, float *out, float *mean, float *rstd, int rows,
                   int dim, float eps) {
    ON;
    nkc_layernorm_fwd(g_stream, x, w, b, out, mean, rstd, rows, dim, eps);
}

void layernorm_bwd(const float *d, const float *x, const float *w, const float *mean, const float *rstd, float *dx,
                   float *dw, float *db, int rows, int dim) {
    ON;
    nkc_layernorm_bwd(g_stream, d, x, w, mean, rstd, dx, dw, db, rows, dim);
}

void rmsnorm_fwd(const float *x, const float *sc, float *out, float *inv, int rows, int dim, float eps) {
    ON;
    nkc_rmsnorm_fwd(g_stream, x, sc, out, inv, rows, dim, eps);
}

void rmsnorm_bwd(const float *d, const float *x, const float *sc, const float *inv, float *dx, float *dsc, int rows,
                 int dim) {
    ON;
    nkc_rmsnorm_bwd(g_stream, d, x, sc, inv, dx, dsc, rows, dim);
}

void scalenorm_fwd(const float *x, const float *g, float *out, float *inv, int rows, int dim, float eps) {
    ON;
    nkc_scalenorm_fwd(g_stream, x, g, out, inv, rows, dim, eps);
}

void scalenorm_bwd(const float *d, const float *x, const float *g, const float *inv, float *dx, float *dg, int rows,
                   int dim, float eps) {
    ON;
    nkc_scalenorm_bwd(g_stream, d, x, g, inv, dx, dg, rows, dim, eps);
}

void bias_add(float *x, const float *bias, int rows, int cols) {
    ON;
    nkc_bias_add(g_stream, x, bias, rows, cols);
}

void bias_grad(const float *dy, float *db, int rows, int cols) {
    ON;
    nkc_bias_grad(g_stream, dy, db, rows, cols);
}

void gelu_fwd(const float *x, float *out, int64_t n, int t) {
    ON;
    nkc_gelu_fwd(g_stream, x, out, n, t);
}

void gelu_bwd(const float *x, const float *d, float *dx, int64_t n, int t) {
    ON;
    nkc_gelu_bwd(g_stream, x, d, dx, n, t);
}

void dropout(const float *x, float *out, int64_t n, float p, int64_t seed, int64_t base) {
    ON;
    nkc_dropout(g_stream, x, out, n, p, seed, base);
}

void embedding_fwd(const int32_t *tok, const float *w, float *out, int rows, int dim, int vs, int vr) {
    ON;
    nkc_embedding_fwd(g_stream, tok, w, out, rows, dim, vs, vr);
}

void embedding_bwd(const int32_t *tok, const float *d, float *dw, int rows, int dim, int vs, int vr) {
    ON;
    nkc_embedding_bwd(g_stream, tok, d, dw, rows, dim, vs, vr);
}

void rotary(float *x, int count, int seq, int headDim, int rd, const float *cs, const float *sn, float sign) {
    ON;
    nkc_rotary(g_stream, x, count, seq, headDim, rd, cs, sn, sign);
}

void softmax_fwd(const float *x, float *y, int count, int sq, float scale, int tri) {
    ON;
    nkc_causal_softmax_fwd(g_stream, x, y, count, sq, scale, tri);
}

void softmax_bwd(const float *y, const float *dy, float *dx, int count, int sq, float scale, int tri) {
    ON;
    nkc_causal_softmax_bwd(g_stream, y, dy, dx, count, sq, scale, tri);
}

void xent_fwd(const float *logits, const int32_t *labels, float *loss, float *lse, int rows, int vocab) {
    ON;
    nkc_xent_fwd(g_stream, logits, labels, loss, lse, rows, vocab);
}

void xent_bwd(float *logits, const int32_t *labels, const float *lse, const float *dloss, int rows, int vocab) {
    ON;
    nkc_xent_bwd(g_stream, logits, labels, lse, dloss, rows, vocab);
}

void xent_fused(float *logits, const int32_t *labels, const float *dloss, float *loss, int rows, int vocab) {
    ON;
    nkc_xent_fused(g_stream, logits, labels, dloss, loss, rows, vocab);
}

void adam(float *p, const float *g, float *m, float *v, int64_t len, float lr, float b1, float b2, float eps,
          float wd, int adamW, float bc1, float bc2, float gs) {
    ON;
    nkc_adam(g_stream, p, g, m, v, len, lr, b1, b2, eps, wd, adamW, bc1, bc2, gs);
}

void act_fwd(const float *x, float *out, int64_t n, int kind) {
    ON;
    nkc_act_fwd(g_stream, x, out, n, kind);
}

void act_bwd(const float *x, const float *d, float *dx, int64_t n, int kind) {
    ON;
    nkc_act_bwd(g_stream, x, d, dx, n, kind);
}

void geglu_fwd(const float *fc, float *out, int rows, int half) {
    ON;
    nkc_geglu_fwd(g_stream, fc, out, rows, half);
}

void geglu_bwd(const float *fc, const float *d, float *dfc, int rows, int half) {
    ON;
    nkc_geglu_bwd(g_stream, fc, d, dfc, rows, half);
}

void dropout_2d(const float *x, float *out, int count, int64_t countStride, int rows, int64_t rowStride, int cols,
                float p, int64_t seed, int64_t base) {
    ON;
    nkc_dropout_2d(g_stream, x, out, count, countStride, rows, rowStride, cols, p, seed, base);
}

void add(const float *a, const float *b, float *out, int64_t n) {
    ON;
    nkc_add(g_stream, a, b, out, n);
}

void fill(float *x, int64_t n, float value) {
    ON;
    nkc_fill(g_stream, x, n, value);
}

void copy3d(const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1, int64_t ds0,
            int64_t ds1) {
    ON;
    nkc_copy3d(g_stream, src, dst, n0, n1, n2, ss0, ss1, ds0, ds1);
}

void zero_above_diag_blocks(float *x, int count, int seq, int block) {
    ON;
    nkc_zero_above_diag_blocks(g_stream, x, count, seq, block);
}

void alibi_bias(float *x, int count, int rows, int cols, int pos0, const float *slopes, int heads) {
    ON;
    nkc_alibi_bias(g_stream, x, count, rows, cols, pos0, slopes, heads);
}

/* The one scratch buffer of nkc_sum_sq (allocated with the stream): calls are serialised, since a second
 * call's partial sums queued between the first's two kernels would overwrite the first's. */
double *g_sum_scratch;
std::mutex g_sum_mu;

double sum_sq(const float *x, int64_t n) {
    if (n <= 0) return 0.0;
    std::lock_guard<std::mutex> lock(g_sum_mu);
    ON;
    return nkc_sum_sq(g_stream, x, n, g_sum_scratch);
}

const nk_ops g_ops = {
    NK_API_VERSION, g_name,
    sgemm, sgemm_batched,
    layernorm_fwd, layernorm_bwd, rmsnorm_fwd, rmsnorm_bwd, scalenorm_fwd, scalenorm_bwd,
    bias_add, bias_grad, gelu_fwd, gelu_bwd, dropout,
    embedding_fwd, embedding_bwd, rotary,
    softmax_fwd, softmax_bwd, xent_fwd, xent_bwd, xent_fused, adam,
    act_fwd, act_bwd, geglu_fwd, geglu_bwd, dropout_2d,
    add, fill, copy3d, zero_above_diag_blocks, alibi_bias,
    sum_sq,
};

const nk_device g_dev = {
    NK_API_VERSION, g_name, &g_ops, alloc, release, upload, download, error,
};

}  // namespace

extern "C" const nk_device *nk_cuda_device(int device, const char **err) {
    static char msg[256];
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_stream) {
        if (device == g_device) return &g_dev;
        snprintf(msg, sizeof msg, "the CUDA device table is bound to device %d in this process, not %d", g_device,
                 device);
        if (err) *err = msg;
        return nullptr;
    }
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || device < 0 || device >= count) {
        snprintf(msg, sizeof msg, "no CUDA device %d (%s)", device,
                 e != cudaSuccess ? cudaGetErrorString(e) : "fewer devices");
        cudaGetLastError();
        if (err) *err = msg;
        return nullptr;
    }
    cudaSetDevice(device);
    if ((e = cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking)) != cudaSuccess) {
        g_stream = nullptr;
        snprintf(msg, sizeof msg, "cudaStreamCreate: %s", cudaGetErrorString(e));
        if (err) *err = msg;
        return nullptr;
    }
    if ((e = cudaMalloc(&g_sum_scratch, NKC_SUM_SQ_SCRATCH * sizeof(double))) != cudaSuccess) {
        cudaStreamDestroy(g_stream);
        g_stream = nullptr;
        cudaGetLastError();
        snprintf(msg, sizeof msg, "cudaMalloc of the reduction scratch: %s", cudaGetErrorString(e));
        if (err) *err = msg;
        return nullptr;
    }
    g_device = device;
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, device);
    snprintf(g_name, sizeof g_name, "cuda device %d (%s, device-resident)", device, prop.name);
    return &g_dev;
}
