/*
 * The CPU engine's products for few classes (org.softxent.cpu.SkinnyProducts): a linear
 * classifier's X·W, Xᵀ·dS and dS·Wᵀ when W has few columns, read straight from the Java arrays.
 *
 * Why not OpenBLAS: its sgemm packs its operands and pads the short side to its kernel's width (16
 * floats with AVX-512), so a product with 10 columns costs what one with 16 does; on 60,000 × 784
 * × 10 its two products ran at about 32 GFLOP/s per core on this project's AVX-512 machine, and a
 * classifier step (loss, dW, db, 2 cores) took 38 ms; with these, 23 ms. Here:
 *   - logits = X·W: vector lanes run along the features, a tile of 2 rows × up to 12 classes in
 *     registers, W given transposed ([classes, features], in L1 for few classes); each output is
 *     one horizontal sum at the end of its row;
 *   - dWᵀ = dSᵀ·X: lanes along the features again, a tile of 2 vectors of features × up to 12
 *     classes, every row of the block streaming through it (the block is in cache after the
 *     forward product);
 *   - dX = dS·Wᵀ: lanes along the features, 4 vectors per pass over the classes.
 * Each output's sum runs over its inputs in an order fixed by the shapes alone: the same bits
 * whatever the thread that computes it.
 *
 * Two instruction sets, chosen at run time: AVX-512 (16 lanes) and AVX2 with FMA (8 lanes, 16
 * registers, so tiles of 6 classes). Without either, isa() says 0 and Java keeps OpenBLAS.
 *
 * The Java side checks every bound before calling; the arrays are reached with
 * GetPrimitiveArrayCritical (no copy), held for the length of one block, with no other JNI call
 * meanwhile. A call on a CPU with neither set returns false without touching anything.
 *
 * Build: gcc -shared -fPIC -O3 -I$JAVA_HOME/include -I$JAVA_HOME/include/linux skinny_products.c
 */
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>

#define INLINE static inline __attribute__((always_inline))

/* ---- AVX-512: 16 lanes, 32 registers ---- */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,fma")
#define V __m512
#define VL 16
#define CG 12
#define SFX _avx512
#define MASK(n) ((__mmask16) ((1u << (n)) - 1u))
#define vzero() _mm512_setzero_ps()
#define vload(p) _mm512_loadu_ps(p)
#define vloadn(p, n) _mm512_maskz_loadu_ps(MASK(n), (p))
#define vstore(p, v) _mm512_storeu_ps((p), (v))
#define vstoren(p, n, v) _mm512_mask_storeu_ps((p), MASK(n), (v))
#define vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define vset1(s) _mm512_set1_ps(s)
#define vsum(v) _mm512_reduce_add_ps(v)
#include "skinny_products.inc"
#undef V
#undef VL
#undef CG
#undef SFX
#undef MASK
#undef vzero
#undef vload
#undef vloadn
#undef vstore
#undef vstoren
#undef vfma
#undef vset1
#undef vsum
#pragma GCC pop_options

/* ---- AVX2 + FMA: 8 lanes, 16 registers ---- */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
static const int32_t LANE_MASKS[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
#define V __m256
#define VL 8
#define CG 6
#define SFX _avx2
#define MASK(n) _mm256_loadu_si256((const __m256i *) (LANE_MASKS + 8 - (n)))
#define vzero() _mm256_setzero_ps()
#define vload(p) _mm256_loadu_ps(p)
#define vloadn(p, n) _mm256_maskload_ps((p), MASK(n))
#define vstore(p, v) _mm256_storeu_ps((p), (v))
#define vstoren(p, n, v) _mm256_maskstore_ps((p), MASK(n), (v))
#define vfma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define vset1(s) _mm256_set1_ps(s)
INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define vsum(v) hsum256(v)
#include "skinny_products.inc"
#pragma GCC pop_options

/* ---- the JNI side ---- */

/* What the CPU (and the OS, which libgcc asks through xgetbv) supports: 2 for AVX-512, 1 for AVX2 with FMA, 0 for neither. */
static int supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") ? 2
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}

/* The set in use: the best supported, unless the tests asked for a lower one. */
static volatile int chosen = -1;

static int isa(void) {
    if (chosen < 0) {
        chosen = supported();
    }
    return chosen;
}

/* The set in use, for the library's other file (row_softmax.c). */
__attribute__((visibility("hidden"))) int softxent_cpu_isa(void) {
    return isa();
}

JNIEXPORT jint JNICALL Java_org_softxent_cpu_SkinnyProducts_isa(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return isa();
}

/* Uses instruction set `set` (1 or 2) when the CPU supports it; returns the set in use. For the tests. */
JNIEXPORT jint JNICALL Java_org_softxent_cpu_SkinnyProducts_useIsa0(JNIEnv *env, jclass cls, jint set) {
    (void) env;
    (void) cls;
    if (set >= 1 && set <= supported()) {
        chosen = set;
    }
    return isa();
}

/* Pins up to three arrays; returns 0 when the JVM could not give one (out of memory). */
static int pin(JNIEnv *env, jfloatArray a, float **pa, jfloatArray b, float **pb, jfloatArray c, float **pc) {
    *pa = (*env)->GetPrimitiveArrayCritical(env, a, NULL);
    *pb = *pa ? (*env)->GetPrimitiveArrayCritical(env, b, NULL) : NULL;
    *pc = *pb ? (*env)->GetPrimitiveArrayCritical(env, c, NULL) : NULL;
    return *pc != NULL;
}

static void unpin(JNIEnv *env, jfloatArray a, float *pa, jfloatArray b, float *pb, jfloatArray c, float *pc,
                  jint modeC) {
    if (pc) (*env)->ReleasePrimitiveArrayCritical(env, c, pc, modeC);
    if (pb) (*env)->ReleasePrimitiveArrayCritical(env, b, pb, JNI_ABORT);
    if (pa) (*env)->ReleasePrimitiveArrayCritical(env, a, pa, JNI_ABORT);
}

JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_SkinnyProducts_logits0(
        JNIEnv *env, jclass cls, jfloatArray x, jint xOff, jint rows, jint d, jfloatArray wT, jint c,
        jfloatArray out, jint outOff) {
    (void) cls;
    float *px, *pw, *po;
    if (isa() == 0) return JNI_FALSE; /* never called then: Java checks first */
    if (!pin(env, x, &px, wT, &pw, out, &po)) {
        unpin(env, x, px, wT, pw, out, po, JNI_ABORT);
        return JNI_FALSE;
    }
    if (isa() == 2) {
        logits_avx512(px + xOff, rows, d, pw, c, po + outOff);
    } else {
        logits_avx2(px + xOff, rows, d, pw, c, po + outOff);
    }
    unpin(env, x, px, wT, pw, out, po, 0);
    return JNI_TRUE;
}

JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_SkinnyProducts_weightGradient0(
        JNIEnv *env, jclass cls, jfloatArray x, jint xOff, jint rows, jint d, jfloatArray ds, jint dsOff, jint c,
        jfloatArray dwT, jboolean accumulate) {
    (void) cls;
    float *px, *ps, *pg;
    if (isa() == 0) return JNI_FALSE;
    if (!pin(env, x, &px, ds, &ps, dwT, &pg)) {
        unpin(env, x, px, ds, ps, dwT, pg, JNI_ABORT);
        return JNI_FALSE;
    }
    if (isa() == 2) {
        weight_gradient_avx512(px + xOff, rows, d, ps + dsOff, c, pg, accumulate);
    } else {
        weight_gradient_avx2(px + xOff, rows, d, ps + dsOff, c, pg, accumulate);
    }
    unpin(env, x, px, ds, ps, dwT, pg, 0);
    return JNI_TRUE;
}

JNIEXPORT jboolean JNICALL Java_org_softxent_cpu_SkinnyProducts_inputGradient0(
        JNIEnv *env, jclass cls, jfloatArray ds, jint dsOff, jint rows, jint c, jfloatArray wT, jint d,
        jfloatArray dx, jint dxOff) {
    (void) cls;
    float *ps, *pw, *px;
    if (isa() == 0) return JNI_FALSE;
    if (!pin(env, ds, &ps, wT, &pw, dx, &px)) {
        unpin(env, ds, ps, wT, pw, dx, px, JNI_ABORT);
        return JNI_FALSE;
    }
    if (isa() == 2) {
        input_gradient_avx512(ps + dsOff, rows, c, pw, d, px + dxOff);
    } else {
        input_gradient_avx2(ps + dsOff, rows, c, pw, d, px + dxOff);
    }
    unpin(env, ds, ps, wT, pw, dx, px, 0);
    return JNI_TRUE;
}
