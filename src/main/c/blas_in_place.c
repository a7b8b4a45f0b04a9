/*
 * OpenBLAS's cblas_sgemm on Java arrays in place: the CPU engine's products without copying their
 * operands into native memory and back (Blas.java). The arrays are pinned for the one call
 * (GetPrimitiveArrayCritical): the product runs single-threaded and calls nothing of the JVM.
 * Java checks every bound first; the function's address comes from the OpenBLAS JavaCPP loaded.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

JNIEXPORT jlong JNICALL Java_org_softxent_cpu_Blas_sgemmAddress0(JNIEnv *env, jclass cls, jstring path) {
    (void) cls;
    const char *p = (*env)->GetStringUTFChars(env, path, NULL);
    if (p == NULL) {
        return 0;
    }
    /* RTLD_NOLOAD: only the library already loaded, its handle counted once more and kept. */
    void *handle = dlopen(p, RTLD_NOW | RTLD_NOLOAD);
    (*env)->ReleaseStringUTFChars(env, path, p);
    if (handle == NULL) {
        return 0;
    }
    void *f = dlsym(handle, "cblas_sgemm");
    return (jlong) (intptr_t) f;
}

/* The element at offset of a pinned array, or the native address. */
static float *operand(float *pinned, jlong offset, jlong address) {
    return pinned != NULL ? pinned + offset : (float *) (intptr_t) address;
}

JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_Blas_sgemm0(
        JNIEnv *env, jclass cls, jlong function, jint order, jint trans_a, jint trans_b, jint m, jint n, jint k,
        jfloatArray a, jlong a_offset, jlong a_address, jint lda,
        jfloatArray b, jlong b_offset, jlong b_address, jint ldb, jfloat beta,
        jfloatArray c, jlong c_offset, jlong c_address, jint ldc) {
    (void) cls;
    float *pa = NULL, *pb = NULL, *pc = NULL;
    jboolean ok = JNI_FALSE;
    if (a != NULL && (pa = (*env)->GetPrimitiveArrayCritical(env, a, NULL)) == NULL) {
        goto done;
    }
    if (b != NULL && (pb = (*env)->GetPrimitiveArrayCritical(env, b, NULL)) == NULL) {
        goto done;
    }
    if (c != NULL && (pc = (*env)->GetPrimitiveArrayCritical(env, c, NULL)) == NULL) {
        goto done;
    }
    ((sgemm_fn) (intptr_t) function)(order, trans_a, trans_b, m, n, k, 1.0f, operand(pa, a_offset, a_address), lda,
                                     operand(pb, b_offset, b_address), ldb, beta, operand(pc, c_offset, c_address),
                                     ldc);
    ok = JNI_TRUE;
done:
    /* Released in the reverse order; only C was written (and is copied back if the JVM copied). */
    if (pc != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, c, pc, ok ? 0 : JNI_ABORT);
    }
    if (pb != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, b, pb, JNI_ABORT);
    }
    if (pa != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, a, pa, JNI_ABORT);
    }
    return ok;
}
