/*
 * The standardisation of training rows (org.softxent.cpu.ScaleRows, used by
 * org.softxent.train.Scaling): out = (float) (((double) in − mean) / scale), per feature, in
 * double as Java's loop computes it, eight (AVX-512) or four (AVX2) features at a time. Every step
 * is an IEEE operation rounded once (float to double is exact, the subtraction and the division
 * round to nearest, the float conversion too), so the bits are Java's loop's.
 *
 * Why: Java's loop mixes float and double lanes, which the JDK 17 JIT leaves scalar, and the
 * division is then a scalar one per value: reading a 600,000 × 784 uint8 file chunk by chunk spent
 * 46 % of its time there, twice the products'.
 */
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>

int softxent_cpu_isa(void); /* skinny_products.c: 2 AVX-512, 1 AVX2 with FMA, 0 neither */

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
static void scale_avx512(const float *in, float *out, int rows, int d, const float *mean, const float *scale) {
    for (int i = 0; i < rows; i++) {
        const float *x = in + (long) i * d;
        float *y = out + (long) i * d;
        int q = 0;
        for (; q + 8 <= d; q += 8) {
            __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + q));
            __m512d m = _mm512_cvtps_pd(_mm256_loadu_ps(mean + q));
            __m512d s = _mm512_cvtps_pd(_mm256_loadu_ps(scale + q));
            _mm256_storeu_ps(y + q, _mm512_cvtpd_ps(_mm512_div_pd(_mm512_sub_pd(v, m), s)));
        }
        for (; q < d; q++) {
            y[q] = (float) (((double) x[q] - (double) mean[q]) / (double) scale[q]);
        }
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
static void scale_avx2(const float *in, float *out, int rows, int d, const float *mean, const float *scale) {
    for (int i = 0; i < rows; i++) {
        const float *x = in + (long) i * d;
        float *y = out + (long) i * d;
        int q = 0;
        for (; q + 4 <= d; q += 4) {
            __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + q));
            __m256d m = _mm256_cvtps_pd(_mm_loadu_ps(mean + q));
            __m256d s = _mm256_cvtps_pd(_mm_loadu_ps(scale + q));
            _mm_storeu_ps(y + q, _mm256_cvtpd_ps(_mm256_div_pd(_mm256_sub_pd(v, m), s)));
        }
        for (; q < d; q++) {
            y[q] = (float) (((double) x[q] - (double) mean[q]) / (double) scale[q]);
        }
    }
}
#pragma GCC pop_options

/*
 * out[outOff + i·d + q] = (float) ((in[inOff + i·d + q] − mean[q]) / scale[q]) in double, for i
 * in [0, rows), q in [0, d). Java checks every bound first. False: no vector set, or an array
 * could not be reached (nothing written then).
 */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_ScaleRows_scale0(
        JNIEnv *env, jclass cls, jfloatArray in, jint inOff, jfloatArray out, jint outOff, jint rows, jint d,
        jfloatArray mean, jfloatArray scale) {
    (void) cls;
    int isa = softxent_cpu_isa();
    if (isa == 0) {
        return JNI_FALSE;
    }
    float *pi = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
    float *po = pi ? (*env)->GetPrimitiveArrayCritical(env, out, NULL) : NULL;
    float *pm = po ? (*env)->GetPrimitiveArrayCritical(env, mean, NULL) : NULL;
    float *ps = pm ? (*env)->GetPrimitiveArrayCritical(env, scale, NULL) : NULL;
    if (ps != NULL) {
        if (isa == 2) {
            scale_avx512(pi + inOff, po + outOff, rows, d, pm, ps);
        } else {
            scale_avx2(pi + inOff, po + outOff, rows, d, pm, ps);
        }
    }
    if (ps) (*env)->ReleasePrimitiveArrayCritical(env, scale, ps, JNI_ABORT);
    if (pm) (*env)->ReleasePrimitiveArrayCritical(env, mean, pm, JNI_ABORT);
    if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, ps != NULL ? 0 : JNI_ABORT);
    if (pi) (*env)->ReleasePrimitiveArrayCritical(env, in, pi, JNI_ABORT);
    return ps != NULL ? JNI_TRUE : JNI_FALSE;
}
