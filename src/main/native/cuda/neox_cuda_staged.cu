/*
 * nk_cuda_ops(): the nk_ops table over HOST buffers for the JNI layer. Each call copies its
 * operands into grow-only device slots (one per argument position), runs the nkc_* kernels on
 * one stream, copies the written buffers back and synchronises. Outputs that are accumulated
 * or only partly written (C with ldc > n, dw, triangle softmax) are uploaded too, so host
 * contents outside the written set survive. Serialised by a mutex; errors go to stderr.
 * This is the correctness path and a GEMM accelerator; a device-resident trainer would call the
 * nkc_* API directly and skip the copies.
 */
#include <cstdio>
#include <mutex>
#include "neox_kernels.h"
#include "neox_cuda.h"

namespace {

constexpr int SLOTS = 8;
cudaStream_t g_stream;
int g_device;
void *g_slot[SLOTS];
size_t g_cap[SLOTS];
std::mutex g_mu;
char g_name[384];

void *slot(int i, size_t bytes) {
    if (g_cap[i] < bytes) {
        cudaFree(g_slot[i]);
        size_t cap = bytes + bytes / 2;
        if (cudaMalloc(&g_slot[i], cap) != cudaSuccess) {
            g_slot[i] = nullptr;
            g_cap[i] = 0;
            return nullptr;
        }
        g_cap[i] = cap;
    }
    return g_slot[i];
}

template <typename T>
T *up(int i, const T *host, int64_t elems) {
    size_t bytes = (size_t) (elems > 0 ? elems : 1) * sizeof(T);
    T *d = (T *) slot(i, bytes);
    if (d && elems > 0) cudaMemcpyAsync(d, host, (size_t) elems * sizeof(T), cudaMemcpyHostToDevice, g_stream);
    return d;
}

template <typename T>
void down(T *host, const T *dev, int64_t elems) {
    if (dev && elems > 0) cudaMemcpyAsync(host, dev, (size_t) elems * sizeof(T), cudaMemcpyDeviceToHost, g_stream);
}

void finish(const char *op) {
    cudaError_t e = cudaStreamSynchronize(g_stream);
    if (e == cudaSuccess) e = cudaGetLastError();
    if (e != cudaSuccess) fprintf(stderr, "neox cuda: %s: %s\n", op, cudaGetErrorString(e));
}

int64_t span(int rows, int cols, int ld) { return rows == 0 || cols == 0 ? 0 : (int64_t) (rows - 1) * ld + cols; }

#define LOCK std::lock_guard<std::mutex> lock(g_mu); cudaSetDevice(g_device)

void sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
           float beta, float *c, int ldc) {
    LOCK;
    int64_t na = ta ? span(k, m, lda) : span(m, k, lda), nb = tb ? span(n, k, ldb) : span(k, n, ldb);
    int64_t nc = span(m, n, ldc);
    const float *da = up(0, a, na), *db = up(1, b, nb);
    float *dc = up(2, c, nc);
    nkc_sgemm(g_stream, ta, tb, m, n, k, alpha, da, lda, db, ldb, beta, dc, ldc);
    down(c, dc, nc);
    finish("sgemm");
}

void sgemm_batched(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, int64_t sA,
                   const float *b, int ldb, int64_t sB, float beta, float *c, int ldc, int64_t sC, int count) {
    if (count <= 0) return;
    LOCK;
    int64_t na = (count - 1) * sA + (ta ? span(k, m, lda) : span(m, k, lda));
    int64_t nb = (count - 1) * sB + (tb ? span(n, k, ldb) : span(k, n, ldb));
    int64_t nc = (count - 1) * sC + span(m, n, ldc);
    const float *da = up(0, a, na), *db = up(1, b, nb);
    float *dc = up(2, c, nc);
    nkc_sgemm_batched(g_stream, ta, tb, m, n, k, alpha, da, lda, sA, db, ldb, sB, beta, dc, ldc, sC, count);
    down(c, dc, nc);
    finish("sgemm_batched");
}

void layernorm_fwd(const float *x, const float *w, const float *b, float *out, float *mean, float *rstd, int rows,
                   int dim, float eps) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dx = up(0, x, n), *dw = up(1, w, dim), *db = up(2, b, dim);
    float *dout = (float *) slot(3, n * 4 + 4), *dm = (float *) slot(4, rows * 4 + 4);
    float *dr = (float *) slot(5, rows * 4 + 4);
    nkc_layernorm_fwd(g_stream, dx, dw, db, dout, dm, dr, rows, dim, eps);
    down(out, dout, n);
    down(mean, dm, rows);
    down(rstd, dr, rows);
    finish("layernorm_fwd");
}

void layernorm_bwd(const float *d, const float *x, const float *w, const float *mean, const float *rstd, float *dx,
                   float *dw, float *db, int rows, int dim) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dd = up(0, d, n), *dxx = up(1, x, n), *dww = up(2, w, dim), *dm = up(3, mean, rows);
    const float *dr = up(4, rstd, rows);
    float *ddx = (float *) slot(5, n * 4 + 4), *ddw = up(6, dw, dim), *ddb = up(7, db, dim);
    nkc_layernorm_bwd(g_stream, dd, dxx, dww, dm, dr, ddx, ddw, ddb, rows, dim);
    down(dx, ddx, n);
    down(dw, ddw, dim);
    down(db, ddb, dim);
    finish("layernorm_bwd");
}

void rmsnorm_fwd(const float *x, const float *sc, float *out, float *inv, int rows, int dim, float eps) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dx = up(0, x, n), *ds = up(1, sc, dim);
    float *dout = (float *) slot(2, n * 4 + 4), *di = (float *) slot(3, rows * 4 + 4);
    nkc_rmsnorm_fwd(g_stream, dx, ds, dout, di, rows, dim, eps);
    down(out, dout, n);
    down(inv, di, rows);
    finish("rmsnorm_fwd");
}

void rmsnorm_bwd(const float *d, const float *x, const float *sc, const float *inv, float *dx, float *dsc, int rows,
                 int dim) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dd = up(0, d, n), *dxx = up(1, x, n), *ds = up(2, sc, dim), *di = up(3, inv, rows);
    float *ddx = (float *) slot(4, n * 4 + 4), *dds = up(5, dsc, dim);
    nkc_rmsnorm_bwd(g_stream, dd, dxx, ds, di, ddx, dds, rows, dim);
    down(dx, ddx, n);
    down(dsc, dds, dim);
    finish("rmsnorm_bwd");
}

void scalenorm_fwd(const float *x, const float *g, float *out, float *inv, int rows, int dim, float eps) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dx = up(0, x, n), *dg = up(1, g, 1);
    float *dout = (float *) slot(2, n * 4 + 4), *di = (float *) slot(3, rows * 4 + 4);
    nkc_scalenorm_fwd(g_stream, dx, dg, dout, di, rows, dim, eps);
    down(out, dout, n);
    down(inv, di, rows);
    finish("scalenorm_fwd");
}

void scalenorm_bwd(const float *d, const float *x, const float *g, const float *inv, float *dx, float *dg, int rows,
                   int dim, float eps) {
    LOCK;
    int64_t n = (int64_t) rows * dim;
    const float *dd = up(0, d, n), *dxx = up(1, x, n), *dgg = up(2, g, 1), *di = up(3, inv, rows);
    float *ddx = (float *) slot(4, n * 4 + 4), *ddg = up(5, dg, 1);
    nkc_scalenorm_bwd(g_stream, dd, dxx, dgg, di, ddx, ddg, rows, dim, eps);
    down(dx, ddx, n);
    down(dg, ddg, 1);
    finish("scalenorm_bwd");
}

void bias_add(float *x, const float *bias, int rows, int cols) {
    LOCK;
    int64_t n = (int64_t) rows * cols;
    float *dx = up(0, x, n);
    const float *db = up(1, bias, cols);
    nkc_bias_add(g_stream, dx, db, rows, cols);
    down(x, dx, n);
    finish("bias_add");
}

void bias_grad(const float *dy, float *db, int rows, int cols) {
    LOCK;
    const float *d = up(0, dy, (int64_t) rows * cols);
    float *dbb = up(1, db, cols);
    nkc_bias_grad(g_stream, d, dbb, rows, cols);
    down(db, dbb, cols);
    finish("bias_grad");
}

void gelu_fwd(const float *x, float *out, int64_t n, int t) {
    LOCK;
    const float *dx = up(0, x, n);
    float *dout = (float *) slot(1, n * 4 + 4);
    nkc_gelu_fwd(g_stream, dx, dout, n, t);
    down(out, dout, n);
    finish("gelu_fwd");
}

void gelu_bwd(const float *x, const float *d, float *dx, int64_t n, int t) {
    LOCK;
    const float *xx = up(0, x, n), *dd = up(1, d, n);
    float *ddx = (float *) slot(2, n * 4 + 4);
    nkc_gelu_bwd(g_stream, xx, dd, ddx, n, t);
    down(dx, ddx, n);
    finish("gelu_bwd");
}

void act_fwd(const float *x, float *out, int64_t n, int kind) {
    LOCK;
    const float *dx = up(0, x, n);
    float *dout = (float *) slot(1, n * 4 + 4);
    nkc_act_fwd(g_stream, dx, dout, n, kind);
    down(out, dout, n);
    finish("act_fwd");
}

void act_bwd(const float *x, const float *d, float *dx, int64_t n, int kind) {
    LOCK;
    const float *xx = up(0, x, n), *dd = up(1, d, n);
    float *ddx = (float *) slot(2, n * 4 + 4);
    nkc_act_bwd(g_stream, xx, dd, ddx, n, kind);
    down(dx, ddx, n);
    finish("act_bwd");
}

void geglu_fwd(const float *fc, float *out, int rows, int half) {
    LOCK;
    int64_t n = (int64_t) rows * half;
    const float *dfc = up(0, fc, 2 * n);
    float *dout = (float *) slot(1, n * 4 + 4);
    nkc_geglu_fwd(g_stream, dfc, dout, rows, half);
    down(out, dout, n);
    finish("geglu_fwd");
}

void geglu_bwd(const float *fc, const float *d, float *dfc, int rows, int half) {
    LOCK;
    int64_t n = (int64_t) rows * half;
    const float *ff = up(0, fc, 2 * n), *dd = up(1, d, n);
    float *ddfc = (float *) slot(2, 2 * n * 4 + 4);
    nkc_geglu_bwd(g_stream, ff, dd, ddfc, rows, half);
    down(dfc, ddfc, 2 * n);
    finish("geglu_bwd");
}

void dropout(const float *x, float *out, int64_t n, float p, int64_t seed, int64_t base) {
    LOCK;
    const float *dx = up(0, x, n);
    float *dout = (float *) slot(1, n * 4 + 4);
    nkc_dropout(g_stream, dx, dout, n, p, seed, base);
    down(out, dout, n);
    finish("dropout");
}

/* Stages the whole span holding the region; out's span goes up too so the untouched gaps come back unchanged. */
void dropout_2d(const float *x, float *out, int count, int64_t countStride, int rows, int64_t rowStride, int cols,
                float p, int64_t seed, int64_t base) {
    if (count <= 0 || rows <= 0 || cols <= 0) return;
    LOCK;
    int64_t span = (count - 1) * countStride + (rows - 1) * rowStride + cols;
    const float *dx = up(0, x, span);
    float *dout = x == out ? (float *) dx : up(1, out, span);
    nkc_dropout_2d(g_stream, dx, dout, count, countStride, rows, rowStride, cols, p, seed, base);
    down(out, dout, span);
    finish("dropout_2d");
}

void embedding_fwd(const int32_t *tok, const float *w, float *out, int rows, int dim, int vs, int vr) {
    LOCK;
    const int32_t *dt = up(0, tok, rows);
    const float *dw = up(1, w, (int64_t) vr * dim);
    float *dout = (float *) slot(2, (size_t) rows * dim * 4 + 4);
    nkc_embedding_fwd(g_stream, dt, dw, dout, rows, dim, vs, vr);
    down(out, dout, (int64_t) rows * dim);
    finish("embedding_fwd");
}

void embedding_bwd(const int32_t *tok, const float *d, float *dw, int rows, int dim, int vs, int vr) {
    LOCK;
    const int32_t *dt = up(0, tok, rows);
    const float *dd = up(1, d, (int64_t) rows * dim);
    float *ddw = up(2, dw, (int64_t) vr * dim);
    nkc_embedding_bwd(g_stream, dt, dd, ddw, rows, dim, vs, vr);
    down(dw, ddw, (int64_t) vr * dim);
    finish("embedding_bwd");
}

void rotary(float *x, int count, int seq, int headDim, int rd, const float *cs, const float *sn, float sign) {
    LOCK;
    int64_t n = (int64_t) count * seq * headDim;
    float *dx = up(0, x, n);
    const float *dc = up(1, cs, (int64_t) seq * (rd / 2)), *ds = up(2, sn, (int64_t) seq * (rd / 2));
    nkc_rotary(g_stream, dx, count, seq, headDim, rd, dc, ds, sign);
    down(x, dx, n);
    finish("rotary");
}

void softmax_fwd(const float *x, float *y, int count, int sq, float scale, int tri) {
    LOCK;
    int64_t n = (int64_t) count * sq * sq;
    const float *dx = up(0, x, n);
    float *dy = tri ? up(1, y, n) : (float *) slot(1, n * 4 + 4);
    nkc_causal_softmax_fwd(g_stream, dx, dy, count, sq, scale, tri);
    down(y, dy, n);
    finish("causal_softmax_fwd");
}

void softmax_bwd(const float *y, const float *dy, float *dx, int count, int sq, float scale, int tri) {
    LOCK;
    int64_t n = (int64_t) count * sq * sq;
    const float *dyy = up(0, y, n), *dg = up(1, dy, n);
    float *ddx = tri ? up(2, dx, n) : (float *) slot(2, n * 4 + 4);
    nkc_causal_softmax_bwd(g_stream, dyy, dg, ddx, count, sq, scale, tri);
    down(dx, ddx, n);
    finish("causal_softmax_bwd");
}

void xent_fwd(const float *logits, const int32_t *labels, float *loss, float *lse, int rows, int vocab) {
    LOCK;
    const float *dl = up(0, logits, (int64_t) rows * vocab);
    const int32_t *dt = up(1, labels, rows);
    float *dloss = (float *) slot(2, rows * 4 + 4), *dlse = (float *) slot(3, rows * 4 + 4);
    nkc_xent_fwd(g_stream, dl, dt, dloss, dlse, rows, vocab);
    down(loss, dloss, rows);
    down(lse, dlse, rows);
    finish("xent_fwd");
}

void xent_bwd(float *logits, const int32_t *labels, const float *lse, const float *dloss, int rows, int vocab) {
    LOCK;
    int64_t n = (int64_t) rows * vocab;
    float *dl = up(0, logits, n);
    const int32_t *dt = up(1, labels, rows);
    const float *de = up(2, lse, rows), *dd = up(3, dloss, rows);
    nkc_xent_bwd(g_stream, dl, dt, de, dd, rows, vocab);
    down(logits, dl, n);
    finish("xent_bwd");
}

void xent_fused(float *logits, const int32_t *labels, const float *dloss, float *loss, int rows, int vocab) {
    LOCK;
    int64_t n = (int64_t) rows * vocab;
    float *dl = up(0, logits, n);
    const int32_t *dt = up(1, labels, rows);
    const float *dd = up(2, dloss, rows);
    float *dloss_out = (float *) slot(3, rows * 4 + 4);
    nkc_xent_fused(g_stream, dl, dt, dd, dloss_out, rows, vocab);
    down(loss, dloss_out, rows);
    down(logits, dl, n);
    finish("xent_fused");
}

void adam(float *p, const float *g, float *m, float *v, int64_t len, float lr, float b1, float b2, float eps,
          float wd, int adamW, float bc1, float bc2, float gs) {
    LOCK;
    float *dp = up(0, p, len), *dm = up(2, m, len), *dv = up(3, v, len);
    const float *dg = up(1, g, len);
    nkc_adam(g_stream, dp, dg, dm, dv, len, lr, b1, b2, eps, wd, adamW, bc1, bc2, gs);
    down(p, dp, len);
    down(m, dm, len);
    down(v, dv, len);
    finish("adam");
}

void add(const float *a, const float *b, float *out, int64_t n) {
    LOCK;
    const float *da = up(0, a, n), *db = up(1, b, n);
    float *dout = (float *) slot(2, n * 4 + 4);
    nkc_add(g_stream, da, db, dout, n);
    down(out, dout, n);
    finish("add");
}

void fill(float *x, int64_t n, float value) {
    LOCK;
    float *dx = (float *) slot(0, n * 4 + 4);
    nkc_fill(g_stream, dx, n, value);
    down(x, dx, n);
    finish("fill");
}

int64_t span3(int n0, int n1, int n2, int64_t s0, int64_t s1) { return (n0 - 1) * s0 + (n1 - 1) * s1 + n2; }

/* dst's whole span goes up too, so the gaps between the copied rows come back unchanged. */
void copy3d(const float *src, float *dst, int n0, int n1, int n2, int64_t ss0, int64_t ss1, int64_t ds0,
            int64_t ds1) {
    if (n0 <= 0 || n1 <= 0 || n2 <= 0) return;
    LOCK;
    int64_t ns = span3(n0, n1, n2, ss0, ss1), nd = span3(n0, n1, n2, ds0, ds1);
    const float *dsrc = up(0, src, ns);
    float *ddst = up(1, dst, nd);
    nkc_copy3d(g_stream, dsrc, ddst, n0, n1, n2, ss0, ss1, ds0, ds1);
    down(dst, ddst, nd);
    finish("copy3d");
}

void zero_above_diag_blocks(float *x, int count, int seq, int block) {
    LOCK;
    int64_t n = (int64_t) count * seq * seq;
    float *dx = up(0, x, n);
    nkc_zero_above_diag_blocks(g_stream, dx, count, seq, block);
    down(x, dx, n);
    finish("zero_above_diag_blocks");
}

void alibi_bias(float *x, int count, int rows, int cols, int pos0, const float *slopes, int heads) {
    LOCK;
    int64_t n = (int64_t) count * rows * cols;
    float *dx = up(0, x, n);
    const float *ds = up(1, slopes, heads);
    nkc_alibi_bias(g_stream, dx, count, rows, cols, pos0, ds, heads);
    down(x, dx, n);
    finish("alibi_bias");
}

double sum_sq(const float *x, int64_t n) {
    if (n <= 0) return 0.0;
    LOCK;
    const float *dx = up(0, x, n);
    double *scratch = (double *) slot(1, NKC_SUM_SQ_SCRATCH * sizeof(double));
    double r = dx ? nkc_sum_sq(g_stream, dx, n, scratch) : __builtin_nan("");
    finish("sum_sq");
    return r;
}

nk_ops g_ops = {
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

}  // namespace

extern "C" const nk_ops *nk_cuda_ops(int device, const char **err) {
    static char msg[256];
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || device >= count) {
        snprintf(msg, sizeof msg, "no CUDA device %d (%s)", device,
                 e != cudaSuccess ? cudaGetErrorString(e) : "fewer devices");
        if (err) *err = msg;
        return nullptr;
    }
    std::lock_guard<std::mutex> lock(g_mu);
    if (!g_stream) {
        g_device = device;
        cudaSetDevice(device);
        if ((e = cudaStreamCreateWithFlags(&g_stream, cudaStreamNonBlocking)) != cudaSuccess) {
            snprintf(msg, sizeof msg, "cudaStreamCreate: %s", cudaGetErrorString(e));
            if (err) *err = msg;
            return nullptr;
        }
        cudaDeviceProp prop;
        cudaGetDeviceProperties(&prop, device);
        snprintf(g_name, sizeof g_name, "cuda(%s, staged host buffers, %s)", prop.name, nkc_gemm_name(g_stream));
    }
    return &g_ops;
}
