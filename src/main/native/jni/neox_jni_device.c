/*
 * JNI binding of NativeKernels' device entry points (nDev*, d*) onto an nk_device. The handle is
 * the nk_device pointer; operands are byte addresses into memory the device allocated (offsets
 * already added by the caller), passed through as pointers. After every operation the device's
 * error() is polled and a failure raised as IllegalStateException("<device>: <op>: <message>").
 * Heap arrays appear only in uploads and downloads, pinned for the copy (GetPrimitiveArrayCritical).
 */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "neox_kernels.h"
#include "nk_jni.h"

#define DEV ((const nk_device *) (intptr_t) dev)
#define FP(a) ((float *) (intptr_t) (a))
#define IP(a) ((const int32_t *) (intptr_t) (a))
/* One operation of the device's table, then its pending error, if any, as an exception. */
#define DOP(op, ...) do { DEV->ops->op(__VA_ARGS__); poll(env, DEV, #op); } while (0)
#define STATE "java/lang/IllegalStateException"

static void poll(JNIEnv *env, const nk_device *d, const char *op) {
    char err[256] = {0};
    if (d->error(err, (int) sizeof err)) {
        char msg[640];
        snprintf(msg, sizeof msg, "%s: %s: %s", d->name, op, err);
        nk_throw(env, STATE, msg);
    }
}

/* The device, or 0 with an IllegalStateException when the library has another API version. */
static jlong checked(JNIEnv *env, const nk_device *d) {
    int v = d->version != NK_API_VERSION ? d->version : d->ops->version;
    if (v != NK_API_VERSION) {
        char msg[96];
        snprintf(msg, sizeof msg, "backend library has kernel API version %d, expected %d", v, NK_API_VERSION);
        nk_throw(env, STATE, msg);
        return 0;
    }
    return (jlong) (intptr_t) d;
}

JNIEXPORT jlong JFN(nDevInitCpu)(JNIEnv *env, jclass cls, jstring path, jint threads) {
    nk_passive_openmp();
    void *lib = nk_open_backend(env, path);
    nk_cpu_device_fn fn = lib ? (nk_cpu_device_fn) dlsym(lib, "nk_cpu_device") : NULL;
    if (!fn) {
        nk_throw(env, STATE, lib ? "nk_cpu_device not found in the CPU library" : dlerror());
        return 0;
    }
    return checked(env, fn(threads));
}

JNIEXPORT jlong JFN(nDevInitCuda)(JNIEnv *env, jclass cls, jstring path, jint device) {
    void *lib = nk_open_backend(env, path);
    const char *err = NULL;
    const nk_device *d = NULL;
    if (!lib) {
        err = dlerror();
    } else {
        nk_cuda_device_fn fn = (nk_cuda_device_fn) dlsym(lib, "nk_cuda_device");
        d = fn ? fn(device, &err) : NULL;
        if (!fn) err = "nk_cuda_device not found in the CUDA library";
    }
    if (!d) {
        nk_throw(env, STATE, err ? err : "CUDA device unavailable");
        return 0;
    }
    return checked(env, d);
}

JNIEXPORT jstring JFN(nDevName)(JNIEnv *env, jclass cls, jlong dev) {
    return (*env)->NewStringUTF(env, DEV->name);
}

JNIEXPORT jlong JFN(nDevAlloc)(JNIEnv *env, jclass cls, jlong dev, jlong bytes) {
    char msg[320];
    if (bytes < 0) {
        snprintf(msg, sizeof msg, "negative allocation size %lld", (long long) bytes);
        nk_throw(env, "java/lang/IllegalArgumentException", msg);
        return 0;
    }
    void *p = DEV->alloc(bytes);
    if (!p) {
        snprintf(msg, sizeof msg, "device out of memory allocating %lld bytes (%s)", (long long) bytes, DEV->name);
        nk_throw(env, STATE, msg);
        return 0;
    }
    return (jlong) (intptr_t) p;
}

JNIEXPORT void JFN(nDevFree)(JNIEnv *env, jclass cls, jlong dev, jlong address) {
    if (address == 0) return;
    DEV->release((void *) (intptr_t) address);
    poll(env, DEV, "release");
}

/* [off, off + n) inside the array, else an IndexOutOfBoundsException (native copies cannot check). */
static int in_range(JNIEnv *env, jarray a, jint off, jint n) {
    jsize len = (*env)->GetArrayLength(env, a);
    if (off >= 0 && n >= 0 && (jlong) off + n <= len) return 1;
    char msg[160];
    snprintf(msg, sizeof msg, "[%d, %lld) outside an array of %d", (int) off, (long long) off + n, (int) len);
    nk_throw(env, "java/lang/IndexOutOfBoundsException", msg);
    return 0;
}

/* Copies n elements of 4 bytes between a pinned heap array and device memory. */
static void transfer(JNIEnv *env, jlong dev, jarray host, jint off, jlong address, jint n, int toDevice) {
    if (!in_range(env, host, off, n) || n == 0) return;
    char *p = (*env)->GetPrimitiveArrayCritical(env, host, NULL);
    if (!p) {
        nk_throw(env, "java/lang/OutOfMemoryError", "GetPrimitiveArrayCritical failed");
        return;
    }
    if (toDevice) {
        DEV->upload((void *) (intptr_t) address, p + (size_t) off * 4, (int64_t) n * 4);
    } else {
        DEV->download(p + (size_t) off * 4, (const void *) (intptr_t) address, (int64_t) n * 4);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, host, p, toDevice ? JNI_ABORT : 0);
    poll(env, DEV, toDevice ? "upload" : "download");
}

JNIEXPORT void JFN(nDevUpload)(JNIEnv *env, jclass cls, jlong dev, jfloatArray src, jint srcOff, jlong dst, jint n) {
    transfer(env, dev, src, srcOff, dst, n, 1);
}

JNIEXPORT void JFN(nDevUploadInts)(JNIEnv *env, jclass cls, jlong dev, jintArray src, jint srcOff, jlong dst,
                                   jint n) {
    transfer(env, dev, src, srcOff, dst, n, 1);
}

JNIEXPORT void JFN(nDevDownload)(JNIEnv *env, jclass cls, jlong dev, jlong src, jfloatArray dst, jint dstOff,
                                 jint n) {
    transfer(env, dev, dst, dstOff, src, n, 0);
}

// ------------------------------------------------------------------ operations (see NativeKernels' n* twins)

JNIEXPORT void JFN(dGemm)(JNIEnv *env, jclass cls, jlong dev, jboolean ta, jboolean tb, jint m, jint n, jint k,
                          jfloat alpha, jlong a, jint lda, jlong b, jint ldb, jfloat beta, jlong c, jint ldc) {
    DOP(sgemm, ta, tb, m, n, k, alpha, FP(a), lda, FP(b), ldb, beta, FP(c), ldc);
}

JNIEXPORT void JFN(dGemmBatched)(JNIEnv *env, jclass cls, jlong dev, jboolean ta, jboolean tb, jint m, jint n,
                                 jint k, jfloat alpha, jlong a, jint lda, jint sA, jlong b, jint ldb, jint sB,
                                 jfloat beta, jlong c, jint ldc, jint sC, jint count) {
    DOP(sgemm_batched, ta, tb, m, n, k, alpha, FP(a), lda, sA, FP(b), ldb, sB, beta, FP(c), ldc, sC, count);
}

JNIEXPORT void JFN(dLayerNormFwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong w, jlong b, jlong out,
                                  jlong mean, jlong rstd, jint rows, jint dim, jfloat eps) {
    DOP(layernorm_fwd, FP(x), FP(w), FP(b), FP(out), FP(mean), FP(rstd), rows, dim, eps);
}

JNIEXPORT void JFN(dLayerNormBwd)(JNIEnv *env, jclass cls, jlong dev, jlong d, jlong x, jlong w, jlong mean,
                                  jlong rstd, jlong dx, jlong dw, jlong db, jint rows, jint dim) {
    DOP(layernorm_bwd, FP(d), FP(x), FP(w), FP(mean), FP(rstd), FP(dx), FP(dw), FP(db), rows, dim);
}

JNIEXPORT void JFN(dRmsNormFwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong s, jlong out, jlong inv,
                                jint rows, jint dim, jfloat eps) {
    DOP(rmsnorm_fwd, FP(x), FP(s), FP(out), FP(inv), rows, dim, eps);
}

JNIEXPORT void JFN(dRmsNormBwd)(JNIEnv *env, jclass cls, jlong dev, jlong d, jlong x, jlong s, jlong inv, jlong dx,
                                jlong ds, jint rows, jint dim) {
    DOP(rmsnorm_bwd, FP(d), FP(x), FP(s), FP(inv), FP(dx), FP(ds), rows, dim);
}

JNIEXPORT void JFN(dScaleNormFwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong g, jlong out, jlong inv,
                                  jint rows, jint dim, jfloat eps) {
    DOP(scalenorm_fwd, FP(x), FP(g), FP(out), FP(inv), rows, dim, eps);
}

JNIEXPORT void JFN(dScaleNormBwd)(JNIEnv *env, jclass cls, jlong dev, jlong d, jlong x, jlong g, jlong inv,
                                  jlong dx, jlong dg, jint rows, jint dim, jfloat eps) {
    DOP(scalenorm_bwd, FP(d), FP(x), FP(g), FP(inv), FP(dx), FP(dg), rows, dim, eps);
}

JNIEXPORT void JFN(dBiasAdd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong b, jint rows, jint cols) {
    DOP(bias_add, FP(x), FP(b), rows, cols);
}

JNIEXPORT void JFN(dBiasGrad)(JNIEnv *env, jclass cls, jlong dev, jlong dy, jlong db, jint rows, jint cols) {
    DOP(bias_grad, FP(dy), FP(db), rows, cols);
}

JNIEXPORT void JFN(dActFwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong out, jint n, jint kind) {
    DOP(act_fwd, FP(x), FP(out), n, kind);
}

JNIEXPORT void JFN(dActBwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong d, jlong dx, jint n, jint kind) {
    DOP(act_bwd, FP(x), FP(d), FP(dx), n, kind);
}

JNIEXPORT void JFN(dGegluFwd)(JNIEnv *env, jclass cls, jlong dev, jlong fc, jlong out, jint rows, jint half) {
    DOP(geglu_fwd, FP(fc), FP(out), rows, half);
}

JNIEXPORT void JFN(dGegluBwd)(JNIEnv *env, jclass cls, jlong dev, jlong fc, jlong d, jlong dfc, jint rows,
                              jint half) {
    DOP(geglu_bwd, FP(fc), FP(d), FP(dfc), rows, half);
}

JNIEXPORT void JFN(dDropout)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong out, jint n, jfloat p, jlong seed,
                             jlong base) {
    DOP(dropout, FP(x), FP(out), n, p, seed, base);
}

JNIEXPORT void JFN(dDropout2d)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong out, jint count, jint countStride,
                               jint rows, jint rowStride, jint cols, jfloat p, jlong seed, jlong base) {
    DOP(dropout_2d, FP(x), FP(out), count, countStride, rows, rowStride, cols, p, seed, base);
}

JNIEXPORT void JFN(dEmbeddingFwd)(JNIEnv *env, jclass cls, jlong dev, jlong tok, jlong w, jlong out, jint rows,
                                  jint dim, jint vs, jint vr) {
    DOP(embedding_fwd, IP(tok), FP(w), FP(out), rows, dim, vs, vr);
}

JNIEXPORT void JFN(dEmbeddingBwd)(JNIEnv *env, jclass cls, jlong dev, jlong tok, jlong d, jlong dw, jint rows,
                                  jint dim, jint vs, jint vr) {
    DOP(embedding_bwd, IP(tok), FP(d), FP(dw), rows, dim, vs, vr);
}

JNIEXPORT void JFN(dRotary)(JNIEnv *env, jclass cls, jlong dev, jlong x, jint count, jint seq, jint headDim,
                            jint rd, jlong cs, jlong sn, jfloat sign) {
    DOP(rotary, FP(x), count, seq, headDim, rd, FP(cs), FP(sn), sign);
}

JNIEXPORT void JFN(dSoftmaxFwd)(JNIEnv *env, jclass cls, jlong dev, jlong x, jlong y, jint count, jint sq,
                                jfloat scale, jboolean triangle) {
    DOP(causal_softmax_fwd, FP(x), FP(y), count, sq, scale, triangle);
}

JNIEXPORT void JFN(dSoftmaxBwd)(JNIEnv *env, jclass cls, jlong dev, jlong y, jlong dy, jlong dx, jint count,
                                jint sq, jfloat scale, jboolean triangle) {
    DOP(causal_softmax_bwd, FP(y), FP(dy), FP(dx), count, sq, scale, triangle);
}

JNIEXPORT void JFN(dXentFwd)(JNIEnv *env, jclass cls, jlong dev, jlong l, jlong lab, jlong loss, jlong lse,
                             jint rows, jint vocab) {
    DOP(xent_fwd, FP(l), IP(lab), FP(loss), FP(lse), rows, vocab);
}

JNIEXPORT void JFN(dXentBwd)(JNIEnv *env, jclass cls, jlong dev, jlong l, jlong lab, jlong lse, jlong dloss,
                             jint rows, jint vocab) {
    DOP(xent_bwd, FP(l), IP(lab), FP(lse), FP(dloss), rows, vocab);
}

JNIEXPORT void JFN(dXentFused)(JNIEnv *env, jclass cls, jlong dev, jlong l, jlong lab, jlong dloss, jlong loss,
                               jint rows, jint vocab) {
    DOP(xent_fused, FP(l), IP(lab), FP(dloss), FP(loss), rows, vocab);
}

JNIEXPORT void JFN(dAdam)(JNIEnv *env, jclass cls, jlong dev, jlong p, jlong g, jlong m, jlong v, jint len,
                          jfloat lr, jfloat b1, jfloat b2, jfloat eps, jfloat wd, jboolean adamW, jfloat bc1,
                          jfloat bc2, jfloat gs) {
    DOP(adam, FP(p), FP(g), FP(m), FP(v), len, lr, b1, b2, eps, wd, adamW, bc1, bc2, gs);
}

JNIEXPORT void JFN(dAdd)(JNIEnv *env, jclass cls, jlong dev, jlong a, jlong b, jlong out, jint n) {
    DOP(add, FP(a), FP(b), FP(out), n);
}

JNIEXPORT void JFN(dFill)(JNIEnv *env, jclass cls, jlong dev, jlong x, jint n, jfloat value) {
    DOP(fill, FP(x), n, value);
}

JNIEXPORT void JFN(dCopy3d)(JNIEnv *env, jclass cls, jlong dev, jlong src, jlong dst, jint n0, jint n1, jint n2,
                            jint ss0, jint ss1, jint ds0, jint ds1) {
    DOP(copy3d, FP(src), FP(dst), n0, n1, n2, ss0, ss1, ds0, ds1);
}

JNIEXPORT void JFN(dZeroAboveDiagonalInBlocks)(JNIEnv *env, jclass cls, jlong dev, jlong x, jint count, jint seq,
                                               jint block) {
    DOP(zero_above_diag_blocks, FP(x), count, seq, block);
}

JNIEXPORT void JFN(dAlibiBias)(JNIEnv *env, jclass cls, jlong dev, jlong x, jint count, jint rows, jint cols,
                               jint pos0, jlong slopes, jint heads) {
    DOP(alibi_bias, FP(x), count, rows, cols, pos0, FP(slopes), heads);
}

JNIEXPORT jdouble JFN(dSumSq)(JNIEnv *env, jclass cls, jlong dev, jlong x, jint n) {
    double r = DEV->ops->sum_sq(FP(x), n);
    poll(env, DEV, "sum_sq");
    return r;
}
