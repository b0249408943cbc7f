/*
 * JNI binding of org.neox.kernel.NativeKernels onto an nk_ops table. Heap float[]/int[] are
 * pinned with GetPrimitiveArrayCritical (zero-copy on HotSpot; the GC waits for the call), offset,
 * and passed to the backend; nothing else happens inside the critical region. Read-only arrays
 * are released with JNI_ABORT so that a JVM which copies never writes a stale copy back.
 * The handle a Java instance holds is the nk_ops pointer of its backend.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "neox_kernels.h"
#include "nk_jni.h"

#define MAX_PINS 8

typedef struct {
    JNIEnv *env;
    int n;
    int failed;
    jarray arr[MAX_PINS];
    void *ptr[MAX_PINS];
    jint mode[MAX_PINS];
} pins;

static void *pin(pins *p, jarray a, int off, int written, size_t elem) {
    if (p->failed || a == NULL) return NULL;
    void *ptr = (*p->env)->GetPrimitiveArrayCritical(p->env, a, NULL);
    if (ptr == NULL) {
        p->failed = 1;
        return NULL;
    }
    p->arr[p->n] = a;
    p->ptr[p->n] = ptr;
    p->mode[p->n] = written ? 0 : JNI_ABORT;
    p->n++;
    return (char *) ptr + (size_t) off * elem;
}

/* Releases in reverse order; returns 0 when every pin succeeded (then the kernel may run). */
static void unpin(pins *p) {
    for (int i = p->n - 1; i >= 0; i--) {
        (*p->env)->ReleasePrimitiveArrayCritical(p->env, p->arr[i], p->ptr[i], p->mode[i]);
    }
    if (p->failed) {
        jclass oom = (*p->env)->FindClass(p->env, "java/lang/OutOfMemoryError");
        if (oom) (*p->env)->ThrowNew(p->env, oom, "GetPrimitiveArrayCritical failed");
    }
}

#define OPS ((const nk_ops *) (intptr_t) h)
#define F(a, off, w) ((float *) pin(&P, (a), (off), (w), sizeof(float)))
#define I(a, off) ((int32_t *) pin(&P, (a), (off), 0, sizeof(int32_t)))
#define BEGIN pins P = {env, 0, 0, {0}, {0}, {0}}
#define RUN(call) do { if (!P.failed) { call; } unpin(&P); } while (0)

void nk_throw(JNIEnv *env, const char *cls, const char *msg) {
    jclass ex = (*env)->FindClass(env, cls);
    if (ex) (*env)->ThrowNew(env, ex, msg);
}

static void throw_state(JNIEnv *env, const char *msg) {
    nk_throw(env, "java/lang/IllegalStateException", msg);
}

void *nk_open_backend(JNIEnv *env, jstring path) {
    const char *p = (*env)->GetStringUTFChars(env, path, NULL);
    void *lib = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    (*env)->ReleaseStringUTFChars(env, path, p);
    return lib;
}

/* The table, or 0 with an IllegalStateException when the library was built against another API
 * version (e.g. a stale -Dneox.native.dir): a changed signature would otherwise crash the JVM. */
static jlong checked(JNIEnv *env, const nk_ops *ops) {
    if (ops->version != NK_API_VERSION) {
        char msg[96];
        snprintf(msg, sizeof msg, "backend library has kernel API version %d, expected %d", ops->version,
                 NK_API_VERSION);
        throw_state(env, msg);
        return 0;
    }
    return (jlong) (intptr_t) ops;
}

/*
 * The CPU backend is a separate library (libneoxkernels_cpu.so) loaded here rather than linked,
 * so that OMP_WAIT_POLICY=passive is in the environment before libgomp initialises: on a shared
 * 2-core machine spinning OpenMP workers cost whole scheduler ticks (~8 ms) per small kernel
 * (measured). A value the user set is kept.
 */
void nk_passive_openmp(void) {
    setenv("OMP_WAIT_POLICY", "passive", 0);
}

JNIEXPORT jlong JFN(nInitCpu)(JNIEnv *env, jclass cls, jstring path, jint threads) {
    nk_passive_openmp();
    void *lib = nk_open_backend(env, path);
    nk_cpu_ops_fn fn = lib ? (nk_cpu_ops_fn) dlsym(lib, "nk_cpu_ops") : NULL;
    if (!fn) {
        throw_state(env, lib ? "nk_cpu_ops not found in the CPU library" : dlerror());
        return 0;
    }
    return checked(env, fn(threads));
}

JNIEXPORT jlong JFN(nInitCuda)(JNIEnv *env, jclass cls, jstring path, jint device) {
    void *lib = nk_open_backend(env, path);
    const char *err = NULL;
    const nk_ops *ops = NULL;
    if (!lib) {
        err = dlerror();
    } else {
        nk_cuda_ops_fn fn = (nk_cuda_ops_fn) dlsym(lib, "nk_cuda_ops");
        ops = fn ? fn(device, &err) : NULL;
        if (!fn) err = "nk_cuda_ops not found in the CUDA library";
    }
    if (!ops) {
        throw_state(env, err ? err : "CUDA backend unavailable");
        return 0;
    }
    return checked(env, ops);
}

JNIEXPORT jstring JFN(nName)(JNIEnv *env, jclass cls, jlong h) {
    return (*env)->NewStringUTF(env, OPS->name);
}

JNIEXPORT void JFN(nGemm)(JNIEnv *env, jclass cls, jlong h, jboolean ta, jboolean tb, jint m, jint n, jint k,
                          jfloat alpha, jfloatArray a, jint aOff, jint lda, jfloatArray b, jint bOff, jint ldb,
                          jfloat beta, jfloatArray c, jint cOff, jint ldc) {
    BEGIN;
    float *pa = F(a, aOff, 0), *pb = F(b, bOff, 0), *pc = F(c, cOff, 1);
    RUN(OPS->sgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc));
}

JNIEXPORT void JFN(nGemmBatched)(JNIEnv *env, jclass cls, jlong h, jboolean ta, jboolean tb, jint m, jint n,
                                 jint k, jfloat alpha, jfloatArray a, jint aOff, jint lda, jint sA, jfloatArray b,
                                 jint bOff, jint ldb, jint sB, jfloat beta, jfloatArray c, jint cOff, jint ldc, jint sC,
                                 jint count) {
    BEGIN;
    float *pa = F(a, aOff, 0), *pb = F(b, bOff, 0), *pc = F(c, cOff, 1);
    RUN(OPS->sgemm_batched(ta, tb, m, n, k, alpha, pa, lda, sA, pb, ldb, sB, beta, pc, ldc, sC, count));
}

JNIEXPORT void JFN(nLayerNormFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray w,
                                  jint wOff, jfloatArray b, jint bOff, jfloatArray out, jint outOff,
                                  jfloatArray mean, jfloatArray rstd, jint rows, jint dim, jfloat eps) {
    BEGIN;
    float *px = F(x, xOff, 0), *pw = F(w, wOff, 0), *pb = F(b, bOff, 0), *po = F(out, outOff, 1);
    float *pm = F(mean, 0, 1), *pr = F(rstd, 0, 1);
    RUN(OPS->layernorm_fwd(px, pw, pb, po, pm, pr, rows, dim, eps));
}

JNIEXPORT void JFN(nLayerNormBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray d, jint dOff, jfloatArray x,
                                  jint xOff, jfloatArray w, jint wOff, jfloatArray mean, jfloatArray rstd,
                                  jfloatArray dx, jint dxOff, jfloatArray dw, jint dwOff, jfloatArray db,
                                  jint dbOff, jint rows, jint dim) {
    BEGIN;
    float *pd = F(d, dOff, 0), *px = F(x, xOff, 0), *pw = F(w, wOff, 0), *pm = F(mean, 0, 0);
    float *pr = F(rstd, 0, 0), *pdx = F(dx, dxOff, 1), *pdw = F(dw, dwOff, 1), *pdb = F(db, dbOff, 1);
    RUN(OPS->layernorm_bwd(pd, px, pw, pm, pr, pdx, pdw, pdb, rows, dim));
}

JNIEXPORT void JFN(nRmsNormFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray s,
                                jint sOff, jfloatArray out, jint outOff, jfloatArray inv, jint rows, jint dim,
                                jfloat eps) {
    BEGIN;
    float *px = F(x, xOff, 0), *ps = F(s, sOff, 0), *po = F(out, outOff, 1), *pi = F(inv, 0, 1);
    RUN(OPS->rmsnorm_fwd(px, ps, po, pi, rows, dim, eps));
}

JNIEXPORT void JFN(nRmsNormBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray d, jint dOff, jfloatArray x,
                                jint xOff, jfloatArray s, jint sOff, jfloatArray inv, jfloatArray dx, jint dxOff,
                                jfloatArray ds, jint dsOff, jint rows, jint dim) {
    BEGIN;
    float *pd = F(d, dOff, 0), *px = F(x, xOff, 0), *ps = F(s, sOff, 0), *pi = F(inv, 0, 0);
    float *pdx = F(dx, dxOff, 1), *pds = F(ds, dsOff, 1);
    RUN(OPS->rmsnorm_bwd(pd, px, ps, pi, pdx, pds, rows, dim));
}

JNIEXPORT void JFN(nScaleNormFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray g,
                                  jint gOff, jfloatArray out, jint outOff, jfloatArray inv, jint rows, jint dim,
                                  jfloat eps) {
    BEGIN;
    float *px = F(x, xOff, 0), *pg = F(g, gOff, 0), *po = F(out, outOff, 1), *pi = F(inv, 0, 1);
    RUN(OPS->scalenorm_fwd(px, pg, po, pi, rows, dim, eps));
}

JNIEXPORT void JFN(nScaleNormBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray d, jint dOff, jfloatArray x,
                                  jint xOff, jfloatArray g, jint gOff, jfloatArray inv, jfloatArray dx, jint dxOff,
                                  jfloatArray dg, jint dgOff, jint rows, jint dim, jfloat eps) {
    BEGIN;
    float *pd = F(d, dOff, 0), *px = F(x, xOff, 0), *pg = F(g, gOff, 0), *pi = F(inv, 0, 0);
    float *pdx = F(dx, dxOff, 1), *pdg = F(dg, dgOff, 1);
    RUN(OPS->scalenorm_bwd(pd, px, pg, pi, pdx, pdg, rows, dim, eps));
}

JNIEXPORT void JFN(nBiasAdd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray b,
                             jint bOff, jint rows, jint cols) {
    BEGIN;
    float *px = F(x, xOff, 1), *pb = F(b, bOff, 0);
    RUN(OPS->bias_add(px, pb, rows, cols));
}

JNIEXPORT void JFN(nBiasGrad)(JNIEnv *env, jclass cls, jlong h, jfloatArray dy, jint dyOff, jfloatArray db,
                              jint dbOff, jint rows, jint cols) {
    BEGIN;
    float *pd = F(dy, dyOff, 0), *pb = F(db, dbOff, 1);
    RUN(OPS->bias_grad(pd, pb, rows, cols));
}

JNIEXPORT void JFN(nActFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray out,
                            jint outOff, jint n, jint kind) {
    BEGIN;
    float *px = F(x, xOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->act_fwd(px, po, n, kind));
}

JNIEXPORT void JFN(nActBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray d,
                            jint dOff, jfloatArray dx, jint dxOff, jint n, jint kind) {
    BEGIN;
    float *px = F(x, xOff, 0), *pd = F(d, dOff, 0), *pdx = F(dx, dxOff, 1);
    RUN(OPS->act_bwd(px, pd, pdx, n, kind));
}

JNIEXPORT void JFN(nGegluFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray fc, jint fcOff, jfloatArray out,
                              jint outOff, jint rows, jint half) {
    BEGIN;
    float *pf = F(fc, fcOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->geglu_fwd(pf, po, rows, half));
}

JNIEXPORT void JFN(nGegluBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray fc, jint fcOff, jfloatArray d,
                              jint dOff, jfloatArray dfc, jint dfcOff, jint rows, jint half) {
    BEGIN;
    float *pf = F(fc, fcOff, 0), *pd = F(d, dOff, 0), *pdfc = F(dfc, dfcOff, 1);
    RUN(OPS->geglu_bwd(pf, pd, pdfc, rows, half));
}

JNIEXPORT void JFN(nDropout)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray out,
                             jint outOff, jint n, jfloat p, jlong seed, jlong base) {
    BEGIN;
    float *px = F(x, xOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->dropout(px, po, n, p, seed, base));
}

JNIEXPORT void JFN(nDropout2d)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray out,
                               jint outOff, jint count, jint countStride, jint rows, jint rowStride, jint cols,
                               jfloat p, jlong seed, jlong base) {
    BEGIN;
    float *px = F(x, xOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->dropout_2d(px, po, count, countStride, rows, rowStride, cols, p, seed, base));
}

JNIEXPORT void JFN(nEmbeddingFwd)(JNIEnv *env, jclass cls, jlong h, jintArray tok, jint tokOff, jfloatArray w,
                                  jint wOff, jfloatArray out, jint outOff, jint rows, jint dim, jint vs, jint vr) {
    BEGIN;
    int32_t *pt = I(tok, tokOff);
    float *pw = F(w, wOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->embedding_fwd(pt, pw, po, rows, dim, vs, vr));
}

JNIEXPORT void JFN(nEmbeddingBwd)(JNIEnv *env, jclass cls, jlong h, jintArray tok, jint tokOff, jfloatArray d,
                                  jint dOff, jfloatArray dw, jint dwOff, jint rows, jint dim, jint vs, jint vr) {
    BEGIN;
    int32_t *pt = I(tok, tokOff);
    float *pd = F(d, dOff, 0), *pw = F(dw, dwOff, 1);
    RUN(OPS->embedding_bwd(pt, pd, pw, rows, dim, vs, vr));
}

JNIEXPORT void JFN(nRotary)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jint count, jint seq,
                            jint headDim, jint rd, jfloatArray cs, jfloatArray sn, jfloat sign) {
    BEGIN;
    float *px = F(x, xOff, 1), *pc = F(cs, 0, 0), *ps = F(sn, 0, 0);
    RUN(OPS->rotary(px, count, seq, headDim, rd, pc, ps, sign));
}

JNIEXPORT void JFN(nSoftmaxFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jfloatArray y,
                                jint yOff, jint count, jint sq, jfloat scale, jboolean triangle) {
    BEGIN;
    float *px = F(x, xOff, 0), *py = F(y, yOff, 1);
    RUN(OPS->causal_softmax_fwd(px, py, count, sq, scale, triangle));
}

JNIEXPORT void JFN(nSoftmaxBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray y, jint yOff, jfloatArray dy,
                                jint dyOff, jfloatArray dx, jint dxOff, jint count, jint sq, jfloat scale,
                                jboolean triangle) {
    BEGIN;
    float *py = F(y, yOff, 0), *pdy = F(dy, dyOff, 0), *pdx = F(dx, dxOff, 1);
    RUN(OPS->causal_softmax_bwd(py, pdy, pdx, count, sq, scale, triangle));
}

JNIEXPORT void JFN(nXentFwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray l, jint lOff, jintArray lab,
                             jint labOff, jfloatArray loss, jfloatArray lse, jint rows, jint vocab) {
    BEGIN;
    float *pl = F(l, lOff, 0);
    int32_t *pt = I(lab, labOff);
    float *po = F(loss, 0, 1), *pe = F(lse, 0, 1);
    RUN(OPS->xent_fwd(pl, pt, po, pe, rows, vocab));
}

JNIEXPORT void JFN(nXentBwd)(JNIEnv *env, jclass cls, jlong h, jfloatArray l, jint lOff, jintArray lab,
                             jint labOff, jfloatArray lse, jfloatArray dloss, jint rows, jint vocab) {
    BEGIN;
    float *pl = F(l, lOff, 1);
    int32_t *pt = I(lab, labOff);
    float *pe = F(lse, 0, 0), *pd = F(dloss, 0, 0);
    RUN(OPS->xent_bwd(pl, pt, pe, pd, rows, vocab));
}

JNIEXPORT void JFN(nXentFused)(JNIEnv *env, jclass cls, jlong h, jfloatArray l, jint lOff, jintArray lab,
                               jint labOff, jfloatArray dloss, jfloatArray loss, jint rows, jint vocab) {
    BEGIN;
    float *pl = F(l, lOff, 1);
    int32_t *pt = I(lab, labOff);
    float *pd = F(dloss, 0, 0), *po = F(loss, 0, 1);
    RUN(OPS->xent_fused(pl, pt, pd, po, rows, vocab));
}

JNIEXPORT void JFN(nAdam)(JNIEnv *env, jclass cls, jlong h, jfloatArray p, jfloatArray g, jfloatArray m,
                          jfloatArray v, jint off, jint mOff, jint len, jfloat lr, jfloat b1, jfloat b2, jfloat eps,
                          jfloat wd, jboolean adamW, jfloat bc1, jfloat bc2, jfloat gs) {
    BEGIN;
    float *pp = F(p, off, 1), *pg = F(g, off, 0), *pm = F(m, mOff, 1), *pv = F(v, mOff, 1);
    RUN(OPS->adam(pp, pg, pm, pv, len, lr, b1, b2, eps, wd, adamW, bc1, bc2, gs));
}

JNIEXPORT void JFN(nAdd)(JNIEnv *env, jclass cls, jlong h, jfloatArray a, jint aOff, jfloatArray b, jint bOff,
                         jfloatArray out, jint outOff, jint n) {
    BEGIN;
    float *pa = F(a, aOff, 0), *pb = F(b, bOff, 0), *po = F(out, outOff, 1);
    RUN(OPS->add(pa, pb, po, n));
}

JNIEXPORT void JFN(nFill)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint off, jint n, jfloat value) {
    BEGIN;
    float *px = F(x, off, 1);
    RUN(OPS->fill(px, n, value));
}

JNIEXPORT void JFN(nCopy3d)(JNIEnv *env, jclass cls, jlong h, jfloatArray src, jint srcOff, jfloatArray dst,
                            jint dstOff, jint n0, jint n1, jint n2, jint ss0, jint ss1, jint ds0, jint ds1) {
    BEGIN;
    float *ps = F(src, srcOff, 0), *pd = F(dst, dstOff, 1);
    RUN(OPS->copy3d(ps, pd, n0, n1, n2, ss0, ss1, ds0, ds1));
}

JNIEXPORT void JFN(nZeroAboveDiagonalInBlocks)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint off, jint count,
                                               jint seq, jint block) {
    BEGIN;
    float *px = F(x, off, 1);
    RUN(OPS->zero_above_diag_blocks(px, count, seq, block));
}

JNIEXPORT void JFN(nAlibiBias)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint off, jint count, jint rows,
                               jint cols, jint pos0, jfloatArray slopes, jint slopesOff, jint heads) {
    BEGIN;
    float *px = F(x, off, 1), *ps = F(slopes, slopesOff, 0);
    RUN(OPS->alibi_bias(px, count, rows, cols, pos0, ps, heads));
}

JNIEXPORT jdouble JFN(nSumSq)(JNIEnv *env, jclass cls, jlong h, jfloatArray x, jint xOff, jint n) {
    BEGIN;
    float *px = F(x, xOff, 0);
    double r = 0.0;
    RUN(r = OPS->sum_sq(px, n));
    return r;
}
