package org.softxent.cpu;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.softxent.backend.NativeLibraries;

/**
 * The CPU engine's own products for classifiers with few classes (src/main/c/skinny_products.c):
 * logits = X·W, dWᵀ = dSᵀ·X and dX = dS·Wᵀ on a block of rows, vectorised along the features, read
 * straight from the Java arrays (no copy into native memory).
 *
 * <p>Why: OpenBLAS pads a product's short side to its kernel's width and packs its operands, so
 * with 10 classes it did 16 columns' work; these loops read X once from memory per pass (the
 * forward product) and once more from cache (the weight gradient, while the block is still there).
 * A classifier step of 60,000 × 784 × 10 (loss, dW, db) took 23 ms instead of 38 ms on this
 * project's 2-core AVX-512 machine.
 *
 * <p>Every output sums its inputs in an order fixed by the shapes alone, so a block gives the same
 * bits on whichever thread computes it. The library needs linux-x86_64 and AVX2 with FMA (it picks
 * AVX-512 where the CPU has it); elsewhere, or with the system property {@value #PROPERTY}
 * {@code =false}, {@link #whyNot()} says why and the engine uses OpenBLAS for every product.
 */
final class SkinnyProducts {
    /** Set to {@code false} to compute every product with OpenBLAS. */
    static final String PROPERTY = "softxent.cpu.skinny";

    /**
     * The most classes these products take. Measured on this project's 2-core AVX-512 machine
     * (a classifier step, loss and gradients, 16,384 rows): at 784 features they took 0.66× to
     * 0.81× OpenBLAS's time at 10 to 16 classes, and 1.24× and 1.35× at 24 and 32 classes (1,024
     * features), where a class group of 12 no longer holds them all
     * (bench/results/2026-12-06-cpu-kernels/thresholds.txt).
     */
    static final int MAX_CLASSES = 16;

    /** Classes in one register tile of the AVX-512 kernels: up to this many, X is read once per block. */
    static final int ONE_GROUP = 12;

    /**
     * The most features: a class group's rows of Wᵀ stay in a core's cache while the rows of X
     * stream past (8,000 features and 8 classes: 0.77× OpenBLAS's time; 4,096 features and 16
     * classes, two groups: 1.35×, so beyond one group the features stop at {@value #TWO_GROUPS_FEATURES}).
     */
    static final int MAX_FEATURES = 8192;

    /** The most features with more than {@value #ONE_GROUP} classes. */
    static final int TWO_GROUPS_FEATURES = 2048;

    private static final String RESOURCE = "/org/softxent/cpu/native/linux-x86_64/libsoftxent-cpu.so";

    private static final String WHY_NOT;
    private static final String NAME;

    static {
        String why = null;
        String name = null;
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim())) {
            why = "turned off by -D" + PROPERTY + "=false";
        } else if (!NativeLibraries.here()) {
            why = "softxent's CPU products are built for linux-x86_64 only";
        } else {
            try {
                Path library = NativeLibraries.extract(RESOURCE);
                if (library == null) {
                    why = "this build of softxent has no CPU products (it was built without gcc)";
                } else {
                    System.load(library.toString());
                    int isa = isa();
                    if (isa == 0) {
                        why = "this CPU has neither AVX-512 nor AVX2 with FMA";
                    } else if (!pinsInPlace0(new float[16])) {
                        // Several threads write their rows of one array: copies written back whole
                        // would undo each other's rows.
                        why = "this JVM hands native code copies of arrays (as -Xcheck:jni does), not the arrays";
                    } else {
                        name = isa == 2 ? "AVX-512" : "AVX2";
                    }
                }
            } catch (IOException | LinkageError e) {
                why = "cannot load softxent's CPU products: " + e.getMessage();
            }
        }
        WHY_NOT = why;
        NAME = name;
    }

    private SkinnyProducts() {
    }

    /** Null when the products are usable; otherwise why not. */
    static String whyNot() {
        return WHY_NOT;
    }

    /** "AVX-512" or "AVX2": the instruction set the products run with; null when not usable. */
    static String name() {
        return NAME;
    }

    /**
     * Whether the products serve a classifier of {@code features} inputs and {@code classes}
     * outputs. With AVX2 (8 lanes, 16 registers: tiles of 6 classes) only what one tile holds,
     * {@value #AVX2_CLASSES} classes: the limits above were measured with AVX-512, and beyond one
     * tile X is read again per group.
     */
    static boolean applies(int features, int classes) {
        if (WHY_NOT != null || features > MAX_FEATURES) {
            return false;
        }
        if (isa() == 1) {
            return classes <= AVX2_CLASSES;
        }
        return classes <= ONE_GROUP || classes <= MAX_CLASSES && features <= TWO_GROUPS_FEATURES;
    }

    /**
     * The fewest rows a call gives these products; fewer go to OpenBLAS. At 256 rows (the
     * benchmark's SGD minibatch) the kernels' per-call costs were once erratic on this project's machine (512 calls
     * of 256 × 784 × 10: 78 ms in some runs, 420–450 ms in others), and calls under 1,024 rows went
     * to OpenBLAS; the cause was the classifier's per-call arrays, fresh heap pages that this VM makes
     * dear to touch (now the thread's {@code Scratch.Workspace}). Since, alternated in one period:
     * a 256 × 256 × 10 step 140–153 µs here against OpenBLAS's 195–230, 256 × 784 × 10 253–328 µs
     * against 336–399, 256 × 256 × 4 74–109 against 152–182; an SGD epoch of 131,072 × 256 × 10
     * 76–99 ms against 114–127.
     */
    static final int MIN_ROWS = 256;

    /** Classes in one register tile of the AVX2 kernels. */
    static final int AVX2_CLASSES = 6;

    /**
     * Uses the instruction set {@code set} (1: AVX2, 2: AVX-512) where the CPU has it, and returns
     * the set in use: for the tests, which run both kernels on a machine that has both.
     */
    static int useIsa(int set) {
        requireLoaded();
        return useIsa0(set);
    }

    /** The instruction set in use: 1 for AVX2, 2 for AVX-512. */
    static int isaInUse() {
        requireLoaded();
        return isa();
    }

    private static void requireLoaded() {
        if (WHY_NOT != null) {
            throw new IllegalStateException(WHY_NOT);
        }
    }

    /**
     * Rows per block: what one call takes, so that the block's X (about 512 KiB) is still in the
     * core's cache when the weight gradient reads it again after the loss.
     */
    static int blockRows(int features) {
        return Math.max(8, (1 << 17) / features);
    }

    /**
     * out[outOff + i·c + j] = Σ_k x[xOff + i·d + k]·wT[j·d + k] for i in [0, rows), j in [0, c).
     *
     * @param wT W transposed, [c, d]
     */
    static void logits(float[] x, int xOff, int rows, int d, float[] wT, int c, float[] out, int outOff) {
        requireLoaded();
        requireShape(rows, d, c);
        check("x", x, xOff, (long) rows * d);
        check("wT", wT, 0, (long) c * d);
        check("out", out, outOff, (long) rows * c);
        if (!logits0(x, xOff, rows, d, wT, c, out, outOff)) {
            throw pinFailed();
        }
    }

    /**
     * dwT[j·d + k] = (dwT[j·d + k] when {@code accumulate}) + Σ_i ds[dsOff + i·c + j]·x[xOff + i·d + k],
     * the rows added in order: dW of the block, transposed, [c, d].
     */
    static void weightGradient(float[] x, int xOff, int rows, int d, float[] ds, int dsOff, int c, float[] dwT,
                               boolean accumulate) {
        requireLoaded();
        requireShape(rows, d, c);
        check("x", x, xOff, (long) rows * d);
        check("ds", ds, dsOff, (long) rows * c);
        check("dwT", dwT, 0, (long) c * d);
        if (!weightGradient0(x, xOff, rows, d, ds, dsOff, c, dwT, accumulate)) {
            throw pinFailed();
        }
    }

    /** dx[dxOff + i·d + k] = Σ_j ds[dsOff + i·c + j]·wT[j·d + k], the classes added in order. */
    static void inputGradient(float[] ds, int dsOff, int rows, int c, float[] wT, int d, float[] dx, int dxOff) {
        requireLoaded();
        requireShape(rows, d, c);
        check("ds", ds, dsOff, (long) rows * c);
        check("wT", wT, 0, (long) c * d);
        check("dx", dx, dxOff, (long) rows * d);
        if (!inputGradient0(ds, dsOff, rows, c, wT, d, dx, dxOff)) {
            throw pinFailed();
        }
    }

    private static void requireShape(int rows, int d, int c) {
        if (rows < 0 || d < 0 || c < 0 || d > MAX_FEATURES) {
            throw new IllegalArgumentException("rows " + rows + ", features " + d + ", classes " + c
                    + ": each at least 0, the features at most " + MAX_FEATURES);
        }
    }

    /** The native code trusts its bounds: each is checked here first. */
    private static void check(String name, float[] a, int offset, long length) {
        Objects.requireNonNull(a, name);
        if (offset < 0 || length < 0 || offset + length > a.length) {
            throw new IndexOutOfBoundsException(name + "[" + offset + ", " + offset + " + " + length + ") is outside its "
                    + a.length + " elements");
        }
    }

    /**
     * The native side returned false: the JVM could not give it an array (its own OutOfMemoryError
     * is then pending and is what the caller sees), or the instruction set went missing.
     */
    private static IllegalStateException pinFailed() {
        return new IllegalStateException("softxent's CPU products could not reach an array or run on this CPU");
    }

    private static native int isa();

    /** Whether the JVM gives native code the array itself, not a copy (src/main/c/blas_in_place.c). */
    private static native boolean pinsInPlace0(float[] probe);

    private static native int useIsa0(int set);

    private static native boolean logits0(float[] x, int xOff, int rows, int d, float[] wT, int c, float[] out,
                                          int outOff);

    private static native boolean weightGradient0(float[] x, int xOff, int rows, int d, float[] ds, int dsOff,
                                                  int c, float[] dwT, boolean accumulate);

    private static native boolean inputGradient0(float[] ds, int dsOff, int rows, int c, float[] wT, int d,
                                                 float[] dx, int dxOff);
}
