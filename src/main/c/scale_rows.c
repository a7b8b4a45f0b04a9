/*
 * The standardisation of training rows (org.softxent.cpu.ScaleRows, used by
 * org.softxent.train.Scaling): out = (float) (((double) in − mean) / scale), per feature, in
 * double as Java's loop computes it, eight (AVX-512) or four (AVX2) features at a time. Every step
 * is an IEEE operation rounded once (float to double is exact, the subtraction and the division
 * round to nearest, the float conversion too), so the bits are Java's loop's. Below it, the
 * statistics the standardisation learns (moments0), likewise.
 *
 * Why: Java's loop mixes float and double lanes, which the JDK 17 JIT leaves scalar, and the
 * division is then a scalar one per value: reading a 600,000 × 784 uint8 file chunk by chunk spent
 * 46 % of its time there, twice the products'. The statistics' loops, run once per command, ran
 * mostly before the JIT had compiled them: 0.15-0.27 s of a 60,000 × 784 `train`.
 */
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>

int softxent_cpu_isa(void); /* skinny_products.c: 2 AVX-512, 1 AVX2 with FMA, 0 neither */

/* One row's value q as a double: a float's, or a uint8's (a file's pixels: exact, as a float is). */
#define VALUE(in, bytes, at) ((bytes) ? (double) ((const uint8_t *) (in))[at] : (double) ((const float *) (in))[at])

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
/* in: floats, or uint8 values when bytes (a constant in each caller, so each gets its own loop). */
static inline __attribute__((always_inline)) void scale_rows_avx512(const void *in, int bytes, float *out, int rows,
                                                                   int d, const float *mean, const float *scale) {
    for (int i = 0; i < rows; i++) {
        long row = (long) i * d;
        float *y = out + row;
        int q = 0;
        for (; q + 8 <= d; q += 8) {
            __m512d v = bytes
                    ? _mm512_cvtepi32_pd(_mm256_cvtepu8_epi32(
                            _mm_loadl_epi64((const __m128i *) ((const uint8_t *) in + row + q))))
                    : _mm512_cvtps_pd(_mm256_loadu_ps((const float *) in + row + q));
            __m512d m = _mm512_cvtps_pd(_mm256_loadu_ps(mean + q));
            __m512d s = _mm512_cvtps_pd(_mm256_loadu_ps(scale + q));
            _mm256_storeu_ps(y + q, _mm512_cvtpd_ps(_mm512_div_pd(_mm512_sub_pd(v, m), s)));
        }
        for (; q < d; q++) {
            y[q] = (float) ((VALUE(in, bytes, row + q) - (double) mean[q]) / (double) scale[q]);
        }
    }
}

static void scale_avx512(const void *in, int bytes, float *out, int rows, int d, const float *mean,
                         const float *scale) {
    if (bytes) {
        scale_rows_avx512(in, 1, out, rows, d, mean, scale);
    } else {
        scale_rows_avx512(in, 0, out, rows, d, mean, scale);
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
static inline __attribute__((always_inline)) void scale_rows_avx2(const void *in, int bytes, float *out, int rows,
                                                                 int d, const float *mean, const float *scale) {
    for (int i = 0; i < rows; i++) {
        long row = (long) i * d;
        float *y = out + row;
        int q = 0;
        for (; q + 4 <= d; q += 4) {
            __m256d v;
            if (bytes) {
                int32_t four;
                __builtin_memcpy(&four, (const uint8_t *) in + row + q, 4);
                v = _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(four)));
            } else {
                v = _mm256_cvtps_pd(_mm_loadu_ps((const float *) in + row + q));
            }
            __m256d m = _mm256_cvtps_pd(_mm_loadu_ps(mean + q));
            __m256d s = _mm256_cvtps_pd(_mm_loadu_ps(scale + q));
            _mm_storeu_ps(y + q, _mm256_cvtpd_ps(_mm256_div_pd(_mm256_sub_pd(v, m), s)));
        }
        for (; q < d; q++) {
            y[q] = (float) ((VALUE(in, bytes, row + q) - (double) mean[q]) / (double) scale[q]);
        }
    }
}

static void scale_avx2(const void *in, int bytes, float *out, int rows, int d, const float *mean, const float *scale) {
    if (bytes) {
        scale_rows_avx2(in, 1, out, rows, d, mean, scale);
    } else {
        scale_rows_avx2(in, 0, out, rows, d, mean, scale);
    }
}
#pragma GCC pop_options

/*
 * out[outOff + i·d + q] = (float) ((in[inOff + i·d + q] − mean[q]) / scale[q]) in double, for i
 * in [0, rows), q in [0, d), in the float[] (bytes false) or the byte[] read as uint8 (bytes true).
 * Java checks every bound first. False: no vector set, or an array could not be reached (nothing
 * written then).
 */
static jboolean scale_any(JNIEnv *env, jarray in, int bytes, jint inOff, jfloatArray out, jint outOff, jint rows,
                          jint d, jfloatArray mean, jfloatArray scale) {
    int isa = softxent_cpu_isa();
    if (isa == 0) {
        return JNI_FALSE;
    }
    char *pi = (*env)->GetPrimitiveArrayCritical(env, in, NULL);
    float *po = pi ? (*env)->GetPrimitiveArrayCritical(env, out, NULL) : NULL;
    float *pm = po ? (*env)->GetPrimitiveArrayCritical(env, mean, NULL) : NULL;
    float *ps = pm ? (*env)->GetPrimitiveArrayCritical(env, scale, NULL) : NULL;
    if (ps != NULL) {
        const void *from = pi + (long) inOff * (bytes ? 1 : (long) sizeof(float));
        if (isa == 2) {
            scale_avx512(from, bytes, po + outOff, rows, d, pm, ps);
        } else {
            scale_avx2(from, bytes, po + outOff, rows, d, pm, ps);
        }
    }
    if (ps) (*env)->ReleasePrimitiveArrayCritical(env, scale, ps, JNI_ABORT);
    if (pm) (*env)->ReleasePrimitiveArrayCritical(env, mean, pm, JNI_ABORT);
    if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, ps != NULL ? 0 : JNI_ABORT);
    if (pi) (*env)->ReleasePrimitiveArrayCritical(env, in, pi, JNI_ABORT);
    return ps != NULL ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_ScaleRows_scale0(
        JNIEnv *env, jclass cls, jfloatArray in, jint inOff, jfloatArray out, jint outOff, jint rows, jint d,
        jfloatArray mean, jfloatArray scale) {
    (void) cls;
    return scale_any(env, in, 0, inOff, out, outOff, rows, d, mean, scale);
}

/* scale0 for uint8 values (a file's pixels), converted and scaled in one pass: the same bits. */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_ScaleRows_scaleBytes0(
        JNIEnv *env, jclass cls, jbyteArray in, jint inOff, jfloatArray out, jint outOff, jint rows, jint d,
        jfloatArray mean, jfloatArray scale) {
    (void) cls;
    return scale_any(env, in, 1, inOff, out, outOff, rows, d, mean, scale);
}

/*
 * The statistics the standardisation learns, one slice of rows at a time (org.softxent.train.Scaling's
 * pass): per feature the kept rows' sum, then their mean (the sum divided by their count), then the
 * sum of their squared deviations from it; and the rows not kept summed only to check them finite.
 * In double, row after row for each feature as Java's loop adds them, vector lanes across features:
 * every step one IEEE rounding and no fused multiply-add (contraction off), so the bits are the loop's.
 */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#pragma GCC target("avx512f,avx512dq")
static void sums_avx512(const float *v, int rows, int d, const jboolean *keep, double *sum, double *check) {
    __m512d c = _mm512_setzero_pd();
    for (int i = 0; i < rows; i++) {
        const float *x = v + (long) i * d;
        int q = 0;
        if (keep == NULL || keep[i]) {
            for (; q + 8 <= d; q += 8) {
                _mm512_storeu_pd(sum + q, _mm512_add_pd(_mm512_loadu_pd(sum + q), _mm512_cvtps_pd(_mm256_loadu_ps(x + q))));
            }
            for (; q < d; q++) {
                sum[q] += (double) x[q];
            }
        } else {
            for (; q + 8 <= d; q += 8) {
                c = _mm512_add_pd(c, _mm512_cvtps_pd(_mm256_loadu_ps(x + q)));
            }
            for (; q < d; q++) {
                *check += (double) x[q];
            }
        }
    }
    *check += _mm512_reduce_add_pd(c);
}

static void squares_avx512(const float *v, int rows, int d, const jboolean *keep, const double *mean, double *squares) {
    for (int i = 0; i < rows; i++) {
        if (keep != NULL && !keep[i]) {
            continue;
        }
        const float *x = v + (long) i * d;
        int q = 0;
        for (; q + 8 <= d; q += 8) {
            __m512d dev = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + q)), _mm512_loadu_pd(mean + q));
            _mm512_storeu_pd(squares + q, _mm512_add_pd(_mm512_loadu_pd(squares + q), _mm512_mul_pd(dev, dev)));
        }
        for (; q < d; q++) {
            double dev = (double) x[q] - mean[q];
            squares[q] += dev * dev;
        }
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#pragma GCC target("avx2")
static void sums_avx2(const float *v, int rows, int d, const jboolean *keep, double *sum, double *check) {
    __m256d c = _mm256_setzero_pd();
    for (int i = 0; i < rows; i++) {
        const float *x = v + (long) i * d;
        int q = 0;
        if (keep == NULL || keep[i]) {
            for (; q + 4 <= d; q += 4) {
                _mm256_storeu_pd(sum + q, _mm256_add_pd(_mm256_loadu_pd(sum + q), _mm256_cvtps_pd(_mm_loadu_ps(x + q))));
            }
            for (; q < d; q++) {
                sum[q] += (double) x[q];
            }
        } else {
            for (; q + 4 <= d; q += 4) {
                c = _mm256_add_pd(c, _mm256_cvtps_pd(_mm_loadu_ps(x + q)));
            }
            for (; q < d; q++) {
                *check += (double) x[q];
            }
        }
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, c);
    *check += lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

static void squares_avx2(const float *v, int rows, int d, const jboolean *keep, const double *mean, double *squares) {
    for (int i = 0; i < rows; i++) {
        if (keep != NULL && !keep[i]) {
            continue;
        }
        const float *x = v + (long) i * d;
        int q = 0;
        for (; q + 4 <= d; q += 4) {
            __m256d dev = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + q)), _mm256_loadu_pd(mean + q));
            _mm256_storeu_pd(squares + q, _mm256_add_pd(_mm256_loadu_pd(squares + q), _mm256_mul_pd(dev, dev)));
        }
        for (; q < d; q++) {
            double dev = (double) x[q] - mean[q];
            squares[q] += dev * dev;
        }
    }
}
#pragma GCC pop_options

/*
 * Rows [0, rows) of v [*, d] from vOff, keep[keepOff + i] saying whether row i is kept (keep null:
 * every row): sum[q] ← the kept rows' mean, squares[q] ← the sum of their squared deviations from
 * it (both zeroed first), check[0] += the rows not kept (finite or not). Returns the kept rows'
 * count, or −1 where no vector set or an array could not be reached (nothing written then).
 */
JNIEXPORT jint JNICALL Java_org_softxent_cpu_ScaleRows_moments0(
        JNIEnv *env, jclass cls, jfloatArray v, jint vOff, jint rows, jint d, jbooleanArray keep, jint keepOff,
        jdoubleArray sum, jdoubleArray squares, jdoubleArray check) {
    (void) cls;
    int isa = softxent_cpu_isa();
    if (isa == 0) {
        return -1;
    }
    float *pv = (*env)->GetPrimitiveArrayCritical(env, v, NULL);
    jboolean *pk = pv && keep ? (*env)->GetPrimitiveArrayCritical(env, keep, NULL) : NULL;
    int reached = pv != NULL && (keep == NULL || pk != NULL);
    double *ps = reached ? (*env)->GetPrimitiveArrayCritical(env, sum, NULL) : NULL;
    double *pq = ps ? (*env)->GetPrimitiveArrayCritical(env, squares, NULL) : NULL;
    double *pc = pq ? (*env)->GetPrimitiveArrayCritical(env, check, NULL) : NULL;
    jint n = -1;
    if (pc != NULL) {
        const jboolean *k = pk ? pk + keepOff : NULL;
        const float *x = pv + vOff;
        n = 0;
        for (int i = 0; i < rows; i++) {
            n += k == NULL || k[i];
        }
        for (int q = 0; q < d; q++) {
            ps[q] = 0;
            pq[q] = 0;
        }
        if (isa == 2) {
            sums_avx512(x, rows, d, k, ps, pc);
        } else {
            sums_avx2(x, rows, d, k, ps, pc);
        }
        if (n > 0) {
            for (int q = 0; q < d; q++) {
                ps[q] /= n;
            }
            if (isa == 2) {
                squares_avx512(x, rows, d, k, ps, pq);
            } else {
                squares_avx2(x, rows, d, k, ps, pq);
            }
        }
    }
    if (pc) (*env)->ReleasePrimitiveArrayCritical(env, check, pc, 0);
    if (pq) (*env)->ReleasePrimitiveArrayCritical(env, squares, pq, pc != NULL ? 0 : JNI_ABORT);
    if (ps) (*env)->ReleasePrimitiveArrayCritical(env, sum, ps, pc != NULL ? 0 : JNI_ABORT);
    if (pk) (*env)->ReleasePrimitiveArrayCritical(env, keep, pk, JNI_ABORT);
    if (pv) (*env)->ReleasePrimitiveArrayCritical(env, v, pv, JNI_ABORT);
    return n;
}

/*
 * out[outOff + i] = in[inOff + i] as a number, for i in [0, n): bytes (int8 or uint8) and shorts
 * (int16 or uint16) to float, exactly (every such integer is a float). For org.softxent.io.NpyFile,
 * which reads image sets stored as uint8: a plain loop that the compiler vectorises, where the
 * JIT of Java 17 converts one value at a time (it vectorises no conversion between sizes), which
 * made reading a uint8 file the largest cost of training from it. Java checks every bound first.
 */
#define WIDEN(name, jtype, ctype)                                                                       \
    JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_ScaleRows_##name(                                 \
            JNIEnv *env, jclass cls, jtype in, jint inOff, jfloatArray out, jint outOff, jint n) {       \
        (void) cls;                                                                                     \
        ctype *pi = (*env)->GetPrimitiveArrayCritical(env, in, NULL);                                   \
        float *po = pi ? (*env)->GetPrimitiveArrayCritical(env, out, NULL) : NULL;                      \
        if (po != NULL) {                                                                               \
            const ctype *restrict src = pi + inOff;                                                     \
            float *restrict dst = po + outOff;                                                          \
            for (jint i = 0; i < n; i++) {                                                              \
                dst[i] = (float) src[i];                                                                \
            }                                                                                           \
        }                                                                                               \
        if (po) (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);                                 \
        if (pi) (*env)->ReleasePrimitiveArrayCritical(env, in, pi, JNI_ABORT);                          \
        return po != NULL ? JNI_TRUE : JNI_FALSE;                                                       \
    }
WIDEN(widenU8, jbyteArray, uint8_t)
WIDEN(widenI8, jbyteArray, int8_t)
WIDEN(widenU16, jshortArray, uint16_t)
WIDEN(widenI16, jshortArray, int16_t)

/*
 * The index of the first value of v[off, off + n) that is NaN or infinite (−∞ allowed when
 * minusInfinityAllowed: a mask), relative to off, or −1 (org.softxent.cpu.Finite). Blocks of 1,024
 * values are tested with a loop the compiler vectorises (exponent bits all set), the first bad
 * block then value by value. Java checks every bound first.
 */
static jint first_nonfinite(const uint32_t *u, jint n, int minusInfinityAllowed) {
    const uint32_t exponent = 0x7f800000u;
    const uint32_t minusInfinity = 0xff800000u;
    for (int64_t i0 = 0; i0 < n; i0 += 1024) { /* 64 bits: i0 + 1024 passes 2^31 - 1 near a full array */
        int64_t end = n - i0 < 1024 ? n : i0 + 1024;
        uint32_t any = 0;
        for (int64_t i = i0; i < end; i++) {
            any |= ((u[i] & exponent) == exponent) & (!minusInfinityAllowed | (u[i] != minusInfinity));
        }
        if (any) {
            for (int64_t i = i0; i < end; i++) {
                if ((u[i] & exponent) == exponent && !(minusInfinityAllowed && u[i] == minusInfinity)) {
                    return (jint) i;
                }
            }
        }
    }
    return -1;
}

/* −2: the array could not be reached (an OutOfMemoryError is then pending and thrown on return). */
JNIEXPORT jint JNICALL Java_org_softxent_cpu_Finite_first0(
        JNIEnv *env, jclass cls, jfloatArray v, jint off, jint n, jboolean minusInfinityAllowed) {
    (void) cls;
    float *pv = (*env)->GetPrimitiveArrayCritical(env, v, NULL);
    if (pv == NULL) {
        return -2;
    }
    jint at = first_nonfinite((const uint32_t *) (pv + off), n, minusInfinityAllowed);
    (*env)->ReleasePrimitiveArrayCritical(env, v, pv, JNI_ABORT);
    return at;
}
