/*
 * cuBLAS through dlopen (see cublas_rt.h). The build machine has no cuBLAS headers, so the seven entry points
 * used are declared here, as in cuBLAS 12/13's cublas_api.h (checked against the cublas_api.h of cuBLAS 12.3.4
 * and the cuBLAS API reference, docs.nvidia.com/cuda/archive/12.2.2/cublas; the _v2 names are the exported
 * symbols behind the cublas_v2.h macros):
 *   typedef struct cublasContext *cublasHandle_t;
 *   cublasStatus_t cublasCreate_v2(cublasHandle_t *handle);
 *   cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
 *   cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version);  major*10000 + minor*100 + patch
 *   cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);
 *   cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode);
 *   cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
 *       int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
 *       const float *beta, float *C, int ldc);
 *   cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
 *       cublasOperation_t transb, int m, int n, int k, const float *alpha, const float *A, int lda,
 *       long long strideA, const float *B, int ldb, long long strideB, const float *beta, float *C, int ldc,
 *       long long strideC, int batchCount);
 *   CUBLAS_STATUS_SUCCESS = 0; CUBLAS_OP_N = 0, CUBLAS_OP_T = 1; CUBLAS_DEFAULT_MATH = 0 (FP32, no TF32).
 * The enums are passed as int (the same x86-64 ABI). A new handle's pointer mode is CUBLAS_POINTER_MODE_HOST, so
 * alpha and beta are host addresses. "If beta == 0 then C does not have to be a valid input" (cuBLAS gemm doc)
 * is our contract "beta == 0 ignores C".
 *
 * Row-major to column-major: row-major C[m,n] is column-major C^T[n,m], and C^T = op(B)^T op(A)^T, so cuBLAS
 * gets (opB, opA, n, m, k, B, ldb, A, lda, C, ldc). One handle per (device, stream), created lazily; a mutex
 * serialises handle use (cuBLAS handles are not for concurrent use), and the stream is set before every GEMM.
 * Handles are never destroyed: at process exit the CUDA context may already be gone.
 */
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <vector>
#include "cublas_rt.h"

namespace {

typedef struct cublasContext *Handle;
enum { STATUS_SUCCESS = 0, OP_N = 0, OP_T = 1, DEFAULT_MATH = 0 };

struct Api {
    int (*create)(Handle *);
    int (*destroy)(Handle);
    int (*get_version)(Handle, int *);
    int (*set_stream)(Handle, cudaStream_t);
    int (*set_math_mode)(Handle, int);
    int (*sgemm)(Handle, int, int, int, int, int, const float *, const float *, int, const float *, int,
                 const float *, float *, int);
    int (*sgemm_strided_batched)(Handle, int, int, int, int, int, const float *, const float *, int, long long,
                                 const float *, int, long long, const float *, float *, int, long long, int);
};

struct Entry {
    int device;
    cudaStream_t stream;
    Handle handle;
};

constexpr size_t MAX_HANDLES = 64;   // distinct (device, stream) pairs; more streams run the built-in kernel
constexpr int MAX_ERROR_LINES = 8;

Api g_api;
bool g_loaded;
std::once_flag g_load_once;
std::mutex g_mu;                     // guards everything below and every use of a handle
std::vector<Entry> g_handles;
std::vector<int> g_bad_devices;      // cublasCreate failed there
char g_name[64] = "cuBLAS";
int g_error_lines;
bool g_full_said;

/* libcublas needs libcublasLt, which a pip wheel's copy may find only through the loader's search path; loading
 * the sibling first by full path satisfies that dependency (the loader matches loaded objects by soname). */
void *open_path(const char *path) {
    const char *slash = strrchr(path, '/');
    if (slash && strncmp(slash + 1, "libcublas.", 10) == 0) {
        char lt[PATH_MAX];
        snprintf(lt, sizeof lt, "%.*slibcublasLt.%s", (int) (slash + 1 - path), path, slash + 11);
        if (!dlopen(lt, RTLD_NOW | RTLD_LOCAL)) dlerror();   // absent: libcublas must find it by itself
    }
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

template <typename F>
bool resolve(void *lib, const char *symbol, F &fn, char *why, size_t cap) {
    fn = (F) dlsym(lib, symbol);
    if (!fn) snprintf(why, cap, "no symbol %s", symbol);
    return fn != nullptr;
}

void load() {
    char why[512];
    const char *env = getenv("NEOX_CUBLAS");
    if (env && strcmp(env, "0") == 0) return;   // deliberately off: nothing to report
    void *lib = nullptr;
    if (env && *env) {
        lib = open_path(env);
        if (!lib) snprintf(why, sizeof why, "%s", dlerror());
    } else {
        for (const char *name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
            if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
        if (!lib) {
            dlerror();
            snprintf(why, sizeof why, "no libcublas.so.13, .so.12 or .so on the library path; set NEOX_CUBLAS");
        }
    }
    bool ok = lib && resolve(lib, "cublasCreate_v2", g_api.create, why, sizeof why) &&
              resolve(lib, "cublasDestroy_v2", g_api.destroy, why, sizeof why) &&
              resolve(lib, "cublasGetVersion_v2", g_api.get_version, why, sizeof why) &&
              resolve(lib, "cublasSetStream_v2", g_api.set_stream, why, sizeof why) &&
              resolve(lib, "cublasSetMathMode", g_api.set_math_mode, why, sizeof why) &&
              resolve(lib, "cublasSgemm_v2", g_api.sgemm, why, sizeof why) &&
              resolve(lib, "cublasSgemmStridedBatched", g_api.sgemm_strided_batched, why, sizeof why);
    if (!ok) fprintf(stderr, "neox cuda: cuBLAS not loaded (%s): built-in SGEMM\n", why);
    g_loaded = ok;
}

bool loaded() {
    std::call_once(g_load_once, load);
    return g_loaded;
}

/* The handle for (current device, s), created on first use; nullptr when cuBLAS cannot serve. Holds g_mu. */
Handle handle_for(cudaStream_t s) {
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return nullptr;
    for (const Entry &e : g_handles)
        if (e.device == dev && e.stream == s) return e.handle;
    if (std::find(g_bad_devices.begin(), g_bad_devices.end(), dev) != g_bad_devices.end()) return nullptr;
    if (g_handles.size() >= MAX_HANDLES) {
        if (!g_full_said)
            fprintf(stderr, "neox cuda: %zu cuBLAS handles in use: GEMMs on further streams run the built-in SGEMM\n",
                    MAX_HANDLES);
        g_full_said = true;
        return nullptr;
    }
    Handle h = nullptr;
    int st = g_api.create(&h);
    if (st == STATUS_SUCCESS) st = g_api.set_math_mode(h, DEFAULT_MATH);
    if (st != STATUS_SUCCESS) {
        fprintf(stderr, "neox cuda: cuBLAS handle on device %d failed (status %d): built-in SGEMM there\n", dev, st);
        if (h) g_api.destroy(h);
        g_bad_devices.push_back(dev);
        return nullptr;
    }
    if (g_handles.empty()) {
        int v = 0;
        if (g_api.get_version(h, &v) == STATUS_SUCCESS && v >= 10000)
            snprintf(g_name, sizeof g_name, "cuBLAS %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
    }
    g_handles.push_back({dev, s, h});
    return h;
}

/* The leading dimension cuBLAS requires of a row-major [rows, cols] operand: a single row never steps by its
 * ld, so any ld is valid for us there, while cuBLAS checks ld >= cols. */
int fix_ld(int ld, int rows, int cols) { return rows == 1 && ld < cols ? cols : ld; }

}  // namespace

int nkc_cublas_sgemm(cudaStream_t s, int transA, int transB, int m, int n, int k, float alpha, const float *a,
                     int lda, int64_t sA, const float *b, int ldb, int64_t sB, float beta, float *c, int ldc,
                     int64_t sC, int count, int batched) {
    // k == 0 is C = beta*C: the built-in kernel does exactly that, without asking cuBLAS to accept ld >= 1 of
    // empty operands.
    if (k <= 0 || !loaded()) return 1;
    lda = transA ? fix_ld(lda, k, m) : fix_ld(lda, m, k);
    ldb = transB ? fix_ld(ldb, n, k) : fix_ld(ldb, k, n);
    ldc = fix_ld(ldc, m, n);
    std::lock_guard<std::mutex> lock(g_mu);
    Handle h = handle_for(s);
    if (!h) return 1;
    int opB = transB ? OP_T : OP_N, opA = transA ? OP_T : OP_N;
    const char *what = "cublasSetStream";
    int st = g_api.set_stream(h, s);
    if (st == STATUS_SUCCESS) {
        what = batched ? "cublasSgemmStridedBatched" : "cublasSgemm";
        st = batched ? g_api.sgemm_strided_batched(h, opB, opA, n, m, k, &alpha, b, ldb, sB, a, lda, sA, &beta, c,
                                                   ldc, sC, count)
                     : g_api.sgemm(h, opB, opA, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc);
    }
    if (st == STATUS_SUCCESS) return 0;
    if (g_error_lines < MAX_ERROR_LINES)
        fprintf(stderr, "neox cuda: %s status %d (m=%d n=%d k=%d ta=%d tb=%d lda=%d ldb=%d ldc=%d count=%d): "
                "built-in SGEMM for this call%s\n", what, st, m, n, k, transA, transB, lda, ldb, ldc, count,
                ++g_error_lines == MAX_ERROR_LINES ? " (further cuBLAS errors not printed)" : "");
    return 1;
}

const char *nkc_cublas_gemm_name(cudaStream_t s) {
    if (!loaded()) return "built-in SGEMM";
    std::lock_guard<std::mutex> lock(g_mu);
    return handle_for(s) ? g_name : "built-in SGEMM";
}
