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

/*
 * 1: done; 0: an array could not be pinned (the JVM's OutOfMemoryError is pending); 2: the JVM
 * handed a copy of an array instead of the array itself (-Xcheck:jni does, so may other JVMs for
 * large arrays): nothing is computed and every copy is dropped, since a copy of C written back
 * whole would undo the rows other threads write into the same array. Java then copies the spans.
 */
JNIEXPORT jint JNICALL Java_org_softxent_cpu_Blas_sgemm0(
        JNIEnv *env, jclass cls, jlong function, jint order, jint trans_a, jint trans_b, jint m, jint n, jint k,
        jfloatArray a, jlong a_offset, jlong a_address, jint lda,
        jfloatArray b, jlong b_offset, jlong b_address, jint ldb, jfloat beta,
        jfloatArray c, jlong c_offset, jlong c_address, jint ldc) {
    (void) cls;
    float *pa = NULL, *pb = NULL, *pc = NULL;
    jboolean copied_a = JNI_FALSE, copied_b = JNI_FALSE, copied_c = JNI_FALSE;
    jint status = 0;
    if (a != NULL && (pa = (*env)->GetPrimitiveArrayCritical(env, a, &copied_a)) == NULL) {
        goto done;
    }
    if (b != NULL && (pb = (*env)->GetPrimitiveArrayCritical(env, b, &copied_b)) == NULL) {
        goto done;
    }
    if (c != NULL && (pc = (*env)->GetPrimitiveArrayCritical(env, c, &copied_c)) == NULL) {
        goto done;
    }
    if (copied_a || copied_b || copied_c) {
        status = 2;
        goto done;
    }
    ((sgemm_fn) (intptr_t) function)(order, trans_a, trans_b, m, n, k, 1.0f, operand(pa, a_offset, a_address), lda,
                                     operand(pb, b_offset, b_address), ldb, beta, operand(pc, c_offset, c_address),
                                     ldc);
    status = 1;
done:
    /* Released in the reverse order; only C was written (mode 0: kept, and copied back had it been a copy). */
    if (pc != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, c, pc, status == 1 ? 0 : JNI_ABORT);
    }
    if (pb != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, b, pb, JNI_ABORT);
    }
    if (pa != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, a, pa, JNI_ABORT);
    }
    return status;
}

/*
 * Whether the JVM hands native code the array itself: two nested critical accesses of one array
 * give the same address and neither says it is a copy. A JVM that copies (-Xcheck:jni's checked
 * functions give each access its own guarded copy, and do not say so) would, on release, write a
 * copy back whole, undoing what other threads wrote into other rows of the same array meanwhile:
 * softxent's native kernels then stay off (SkinnyProducts).
 */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_SkinnyProducts_pinsInPlace0(JNIEnv *env, jclass cls,
                                                                             jfloatArray a) {
    (void) cls;
    jboolean copied1 = JNI_FALSE, copied2 = JNI_FALSE;
    float *p1 = (*env)->GetPrimitiveArrayCritical(env, a, &copied1);
    if (p1 == NULL) {
        return JNI_FALSE;
    }
    float *p2 = (*env)->GetPrimitiveArrayCritical(env, a, &copied2);
    jboolean same = p2 != NULL && p1 == p2 && !copied1 && !copied2;
    if (p2 != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, a, p2, JNI_ABORT);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, a, p1, JNI_ABORT);
    return same;
}
