/* Helpers shared by the JNI files of libneoxkernels.so (jni/neox_jni.c defines them). */
#ifndef NK_JNI_H
#define NK_JNI_H
#include <jni.h>

#define JFN(name) JNICALL Java_org_neox_kernel_NativeKernels_##name

/* Throws a new exception of class cls (e.g. "java/lang/IllegalStateException") with msg. */
__attribute__((visibility("hidden"))) void nk_throw(JNIEnv *env, const char *cls, const char *msg);
/* dlopen of the library at path (RTLD_NOW | RTLD_LOCAL); NULL with dlerror() set on failure. */
__attribute__((visibility("hidden"))) void *nk_open_backend(JNIEnv *env, jstring path);
/* OMP_WAIT_POLICY=passive unless set, before the CPU library (libgomp) initialises; see neox_jni.c. */
__attribute__((visibility("hidden"))) void nk_passive_openmp(void);
#endif
