/*
 * The CPU engine's row softmax (org.softxent.cpu.RowSoftmax, fast engine only; its backward at the end): for a row of
 * double logits z, p = exp(z − max) / Σ exp(z − max), with max and Σ handed back, in double, the
 * exponential vectorised.
 *
 * Why: Java's Math.exp is a scalar call, and a profile of a cross-entropy of 16,384 × 1,000 (about
 * 48 ms on this project's 2-core AVX-512 machine; NumPy's float32 55–74 ms) had 45 % of its samples
 * in the row's max and exp loops. Here eight (AVX-512) or four (AVX2) lanes at once: 16–23 ms with
 * AVX-512 (the AVX2 path is tested, not timed).
 *
 * exp(x) for x = z − max ≤ 0: n = round(x·log2 e), r = x − n·ln 2 (ln 2 in two parts, as fdlibm
 * splits it, the first exact times n), exp(r) by its Taylor polynomial of degree 13 on
 * |r| ≤ ln 2 / 2 (truncation below 2⁻⁵⁶: within a few ulp of Math.exp, which RowSoftmaxTest
 * checks), times 2ⁿ built in the exponent bits. Below x = −708 (where 2ⁿ would leave the normal
 * range) it gives 0 where Math.exp gives at most about 3.3e-308: nothing a float output or a sum
 * of at least 1 can show. −∞ gives 0.
 *
 * A row holding a NaN, or whose maximum is not finite (all −∞, or +∞), returns 0 and Java's own
 * loop computes it (NaN, as PyTorch gives). The sum runs over the lanes in an order fixed by cols
 * alone: the same bits on every thread.
 */
#include <immintrin.h>
#include <jni.h>
#include <math.h>
#include <stdint.h>

int softxent_cpu_isa(void); /* skinny_products.c: 2 AVX-512, 1 AVX2 with FMA, 0 neither */

#define LOG2E 1.4426950408889634
#define LN2_HI 6.93147180369123816490e-01 /* ln 2's leading bits: n·LN2_HI is exact for |n| < 2¹¹ */
#define LN2_LO 1.90821492927058770002e-10
#define LOWEST (-708.0)
#define ROUNDER 6755399441055744.0 /* 1.5·2⁵²: adding it rounds to an integer held in the low bits */

/* 1/k! for k = 13 down to 0: Horner's order. */
static const double TAYLOR[14] = {
    1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
    1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};

/* ---- AVX-512: 8 doubles ---- */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma")

static inline __attribute__((always_inline)) __m512d exp_avx512(__m512d x) {
    __mmask8 low = _mm512_cmp_pd_mask(x, _mm512_set1_pd(LOWEST), _CMP_LT_OQ); /* −∞ too */
    x = _mm512_max_pd(x, _mm512_set1_pd(LOWEST));
    __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(LOG2E), _mm512_set1_pd(ROUNDER));
    __m512d n = _mm512_sub_pd(t, _mm512_set1_pd(ROUNDER));
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_HI), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(LN2_LO), r);
    __m512d poly = _mm512_set1_pd(TAYLOR[0]);
    for (int k = 1; k < 14; k++) {
        poly = _mm512_fmadd_pd(poly, r, _mm512_set1_pd(TAYLOR[k]));
    }
    __m512i bits = _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1023)), 52);
    __m512d e = _mm512_mul_pd(poly, _mm512_castsi512_pd(bits));
    return _mm512_maskz_mov_pd((__mmask8) ~low, e);
}

static int softmax_row_avx512(const double *z, int cols, double *p) {
    __m512d vm = _mm512_set1_pd(-INFINITY);
    __mmask8 nan = 0; /* max_pd passes a NaN by: it is looked for apart */
    int j = 0;
    for (; j + 8 <= cols; j += 8) {
        __m512d v = _mm512_loadu_pd(z + j);
        nan |= _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q);
        vm = _mm512_max_pd(vm, v);
    }
    __mmask8 tail = (__mmask8) ((1u << (cols - j)) - 1u);
    if (j < cols) {
        __m512d v = _mm512_mask_loadu_pd(_mm512_set1_pd(-INFINITY), tail, z + j);
        nan |= _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q);
        vm = _mm512_max_pd(vm, v);
    }
    double m = _mm512_reduce_max_pd(vm);
    if (nan || !isfinite(m)) {
        return 0;
    }
    __m512d vmax = _mm512_set1_pd(m);
    __m512d sum = _mm512_setzero_pd();
    for (j = 0; j + 8 <= cols; j += 8) {
        __m512d e = exp_avx512(_mm512_sub_pd(_mm512_loadu_pd(z + j), vmax));
        _mm512_storeu_pd(p + j, e);
        sum = _mm512_add_pd(sum, e);
    }
    if (j < cols) {
        __m512d e = exp_avx512(_mm512_sub_pd(_mm512_mask_loadu_pd(vmax, tail, z + j), vmax));
        e = _mm512_maskz_mov_pd(tail, e);
        _mm512_mask_storeu_pd(p + j, tail, e);
        sum = _mm512_add_pd(sum, e);
    }
    double s = _mm512_reduce_add_pd(sum);
    __m512d vs = _mm512_set1_pd(s);
    for (j = 0; j + 8 <= cols; j += 8) {
        _mm512_storeu_pd(p + j, _mm512_div_pd(_mm512_loadu_pd(p + j), vs));
    }
    if (j < cols) {
        _mm512_mask_storeu_pd(p + j, tail, _mm512_div_pd(_mm512_mask_loadu_pd(vs, tail, p + j), vs));
    }
    p[cols] = m;
    p[cols + 1] = s;
    return 1;
}
#pragma GCC pop_options

/* ---- AVX2 + FMA: 4 doubles ---- */
#pragma GCC push_options
#pragma GCC target("avx2,fma")

static inline __attribute__((always_inline)) __m256d exp_avx2(__m256d x) {
    __m256d keep = _mm256_cmp_pd(x, _mm256_set1_pd(LOWEST), _CMP_GE_OQ); /* all ones where x ≥ LOWEST */
    x = _mm256_max_pd(x, _mm256_set1_pd(LOWEST));
    __m256d t = _mm256_fmadd_pd(x, _mm256_set1_pd(LOG2E), _mm256_set1_pd(ROUNDER));
    __m256d n = _mm256_sub_pd(t, _mm256_set1_pd(ROUNDER));
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_HI), x);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(LN2_LO), r);
    __m256d poly = _mm256_set1_pd(TAYLOR[0]);
    for (int k = 1; k < 14; k++) {
        poly = _mm256_fmadd_pd(poly, r, _mm256_set1_pd(TAYLOR[k]));
    }
    __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)), 52);
    __m256d e = _mm256_mul_pd(poly, _mm256_castsi256_pd(bits));
    return _mm256_and_pd(e, keep);
}

static const int64_t TAIL_MASKS[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

static int softmax_row_avx2(const double *z, int cols, double *p) {
    __m256d vm = _mm256_set1_pd(-INFINITY);
    __m256d nan = _mm256_setzero_pd(); /* max_pd passes a NaN by: it is looked for apart */
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
        __m256d v = _mm256_loadu_pd(z + j);
        nan = _mm256_or_pd(nan, _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
        vm = _mm256_max_pd(vm, v);
    }
    if (_mm256_movemask_pd(nan)) {
        return 0;
    }
    double m = -INFINITY;
    for (int k = j; k < cols; k++) {
        if (isnan(z[k])) {
            return 0;
        }
        m = z[k] > m ? z[k] : m;
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, vm);
    for (int k = 0; k < 4; k++) {
        m = lanes[k] > m ? lanes[k] : m;
    }
    if (!isfinite(m)) {
        return 0;
    }
    __m256d vmax = _mm256_set1_pd(m);
    __m256d sum = _mm256_setzero_pd();
    for (j = 0; j + 4 <= cols; j += 4) {
        __m256d e = exp_avx2(_mm256_sub_pd(_mm256_loadu_pd(z + j), vmax));
        _mm256_storeu_pd(p + j, e);
        sum = _mm256_add_pd(sum, e);
    }
    if (j < cols) {
        __m256i tail = _mm256_loadu_si256((const __m256i *) (TAIL_MASKS + 4 - (cols - j)));
        __m256d e = exp_avx2(_mm256_sub_pd(_mm256_maskload_pd(z + j, tail), vmax));
        e = _mm256_and_pd(e, _mm256_castsi256_pd(tail));
        _mm256_maskstore_pd(p + j, tail, e);
        sum = _mm256_add_pd(sum, e);
    }
    _mm256_storeu_pd(lanes, sum);
    double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    __m256d vs = _mm256_set1_pd(s);
    for (j = 0; j + 4 <= cols; j += 4) {
        _mm256_storeu_pd(p + j, _mm256_div_pd(_mm256_loadu_pd(p + j), vs));
    }
    for (; j < cols; j++) {
        p[j] /= s;
    }
    p[cols] = m;
    p[cols + 1] = s;
    return 1;
}
#pragma GCC pop_options

/*
 * Rows [0, rows) of z from off, each cols long: row r's softmax into p[r·(cols + 2), ... + cols),
 * its max and Σ exp(z − max) after it. A row softmax_row refuses (a NaN, or a max that is not
 * finite) gets NaN in its max's place when `mark`. Returns the rows computed, or −1: the CPU has no
 * vector set, or an array could not be reached. Java checks the bounds.
 */
static int softmax_rows(JNIEnv *env, jdoubleArray z, jint off, jint rows, jint cols, jdoubleArray p, int mark) {
    int isa = softxent_cpu_isa();
    if (isa == 0) {
        return -1;
    }
    double *pz = (*env)->GetPrimitiveArrayCritical(env, z, NULL);
    if (pz == NULL) {
        return -1;
    }
    double *pp = (*env)->GetPrimitiveArrayCritical(env, p, NULL);
    if (pp == NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, z, pz, JNI_ABORT);
        return -1;
    }
    int done = 0;
    for (int r = 0; r < rows; r++) {
        const double *row = pz + off + (size_t) r * cols;
        double *out = pp + (size_t) r * (cols + 2);
        if (isa == 2 ? softmax_row_avx512(row, cols, out) : softmax_row_avx2(row, cols, out)) {
            done++;
        } else if (mark) {
            out[cols] = NAN;
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, p, pp, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, z, pz, JNI_ABORT);
    return done;
}

/*
 * p[0, cols) = the softmax of z[off, off + cols), p[cols] = its max, p[cols + 1] = Σ exp(z − max).
 * Java checks the bounds (p holds cols + 2) and that cols ≥ 1. False: the row's max is not
 * finite (Java computes it), or the CPU has no vector set, or an array could not be reached.
 */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_RowSoftmax_vectorRow0(
        JNIEnv *env, jclass cls, jdoubleArray z, jint off, jint cols, jdoubleArray p) {
    (void) cls;
    return softmax_rows(env, z, off, 1, cols, p, 0) == 1 ? JNI_TRUE : JNI_FALSE;
}

/*
 * The softmax of `rows` rows of z from off, each `cols` long, in one call: row r into
 * p[r·(cols + 2), r·(cols + 2) + cols), its max and Σ after it, as vectorRow0 gives them (the same
 * bits). A row vectorRow0 would refuse (a NaN, or a max that is not finite) gets NaN in its max's
 * place and is left to Java's loop. Java checks the bounds (z holds off + rows·cols, p rows·(cols + 2)).
 * False: the CPU has no vector set, or an array could not be reached.
 */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_RowSoftmax_vectorRows0(
        JNIEnv *env, jclass cls, jdoubleArray z, jint off, jint rows, jint cols, jdoubleArray p) {
    (void) cls;
    return softmax_rows(env, z, off, rows, cols, p, 1) >= 0 ? JNI_TRUE : JNI_FALSE;
}

/*
 * The softmax backward of one row (org.softxent.cpu.CpuBackend.softmaxBackward, fast engine only):
 * dot = Σ g·p in double, then out = (float) (p·(g − dot)) in double, as Java's loop writes it. The
 * dot runs in two accumulators of eight (AVX-512) or four (AVX2) lanes, their sum in an order fixed
 * by cols alone (the same bits on every thread); Java's loop adds the products one by one. Why: the
 * scalar dot, which the JIT does not vectorise (its sum's order is Java's), took most of a 4,096 ×
 * 32,000 backward (87 of 112 ms on this project's 2-core machine; its non-finite scans the other
 * 24). The row is read twice, the second time from cache while a row of p and g fits it.
 */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma")
static void backward_row_avx512(const float *p, const float *g, float *out, int cols) {
    __m512d s0 = _mm512_setzero_pd();
    __m512d s1 = _mm512_setzero_pd();
    int j = 0;
    for (; j + 16 <= cols; j += 16) {
        s0 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(g + j)), _mm512_cvtps_pd(_mm256_loadu_ps(p + j)), s0);
        s1 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(g + j + 8)),
                             _mm512_cvtps_pd(_mm256_loadu_ps(p + j + 8)), s1);
    }
    for (; j + 8 <= cols; j += 8) {
        s0 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(g + j)), _mm512_cvtps_pd(_mm256_loadu_ps(p + j)), s0);
    }
    double dot = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    for (int k = j; k < cols; k++) {
        dot += (double) g[k] * (double) p[k];
    }
    __m512d vd = _mm512_set1_pd(dot);
    for (j = 0; j + 8 <= cols; j += 8) {
        __m512d pv = _mm512_cvtps_pd(_mm256_loadu_ps(p + j));
        __m512d gv = _mm512_cvtps_pd(_mm256_loadu_ps(g + j));
        _mm256_storeu_ps(out + j, _mm512_cvtpd_ps(_mm512_mul_pd(pv, _mm512_sub_pd(gv, vd))));
    }
    for (; j < cols; j++) {
        out[j] = (float) ((double) p[j] * ((double) g[j] - dot));
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
static void backward_row_avx2(const float *p, const float *g, float *out, int cols) {
    __m256d s0 = _mm256_setzero_pd();
    __m256d s1 = _mm256_setzero_pd();
    int j = 0;
    for (; j + 8 <= cols; j += 8) {
        s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(g + j)), _mm256_cvtps_pd(_mm_loadu_ps(p + j)), s0);
        s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(g + j + 4)), _mm256_cvtps_pd(_mm_loadu_ps(p + j + 4)), s1);
    }
    for (; j + 4 <= cols; j += 4) {
        s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(g + j)), _mm256_cvtps_pd(_mm_loadu_ps(p + j)), s0);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
    double dot = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (int k = j; k < cols; k++) {
        dot += (double) g[k] * (double) p[k];
    }
    __m256d vd = _mm256_set1_pd(dot);
    for (j = 0; j + 4 <= cols; j += 4) {
        __m256d pv = _mm256_cvtps_pd(_mm_loadu_ps(p + j));
        __m256d gv = _mm256_cvtps_pd(_mm_loadu_ps(g + j));
        _mm_storeu_ps(out + j, _mm256_cvtpd_ps(_mm256_mul_pd(pv, _mm256_sub_pd(gv, vd))));
    }
    for (; j < cols; j++) {
        out[j] = (float) ((double) p[j] * ((double) g[j] - dot));
    }
}
#pragma GCC pop_options

/*
 * out = the softmax backward of rows [0, rows) of p and g from off, each cols long, into out from
 * off. Java checks the bounds and that p and g are finite. False (nothing written): the CPU has no
 * vector set, an array could not be reached, or the JVM handed a copy of out.
 */
JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_RowSoftmax_backwardRows0(
        JNIEnv *env, jclass cls, jfloatArray p, jfloatArray g, jfloatArray out, jint off, jint rows, jint cols) {
    (void) cls;
    int isa = softxent_cpu_isa();
    if (isa == 0) {
        return JNI_FALSE;
    }
    float *pp = (*env)->GetPrimitiveArrayCritical(env, p, NULL);
    if (pp == NULL) {
        return JNI_FALSE;
    }
    float *pg = (*env)->GetPrimitiveArrayCritical(env, g, NULL);
    if (pg == NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, p, pp, JNI_ABORT);
        return JNI_FALSE;
    }
    jboolean copied = JNI_FALSE;
    float *po = (*env)->GetPrimitiveArrayCritical(env, out, &copied);
    if (po == NULL || copied) {
        /* A copy of out, written back whole, would undo the rows other threads write: Java's loop instead. */
        if (po != NULL) {
            (*env)->ReleasePrimitiveArrayCritical(env, out, po, JNI_ABORT);
        }
        (*env)->ReleasePrimitiveArrayCritical(env, g, pg, JNI_ABORT);
        (*env)->ReleasePrimitiveArrayCritical(env, p, pp, JNI_ABORT);
        return JNI_FALSE;
    }
    for (int r = 0; r < rows; r++) {
        size_t at = (size_t) off + (size_t) r * (size_t) cols;
        if (isa == 2) {
            backward_row_avx512(pp + at, pg + at, po + at, cols);
        } else {
            backward_row_avx2(pp + at, pg + at, po + at, cols);
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
    (*env)->ReleasePrimitiveArrayCritical(env, g, pg, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, p, pp, JNI_ABORT);
    return JNI_TRUE;
}
