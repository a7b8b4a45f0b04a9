package org.softxent.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS's {@code sgemm}, as JavaCPP's presets bundle it, for the CPU engine's matrix products.
 *
 * <p>Why a BLAS: the classifiers' products are GEMMs of a few hundred MFLOP to tens of GFLOP, and a
 * tuned GEMM runs them far faster than plain Java loops on the same cores (the benchmark's classifier
 * steps went 4–12× faster). The
 * library loads once per JVM, from the jar (JavaCPP unpacks it into its cache folder); where it
 * cannot load (another platform, an unwritable cache), {@link #whyNot()} says why and the engine
 * computes its products in Java instead. The system property {@value #PROPERTY}{@code =false}
 * turns it off.
 *
 * <p>OpenBLAS is set to one thread (a process-wide setting, which other users of JavaCPP's OpenBLAS
 * in the same JVM see too): the engine calls it from several threads at once, each on its own
 * block of rows or band of features.
 *
 * <p>An operand is a {@link Ref}: a Java array (from an offset) or native memory ({@link
 * FloatPointer}). JavaCPP's overloads on {@code float[]} copy each array in and out at every call,
 * which costs more than the product for thin matrices; where softxent's native library is loaded
 * ({@link SkinnyProducts}) and a product is small enough for a brief pin ({@link #inPlace(long)}),
 * the library hands OpenBLAS the arrays themselves, pinned for the product
 * ({@code GetPrimitiveArrayCritical}), and nothing is copied. Elsewhere the spans of the array
 * operands are copied into native memory for the product, and C's back: callers that can keep
 * their operands in native memory across products ask {@link #inPlace(long)} first.
 */
final class Blas {
    /** Set to {@code false} to compute the CPU engine's products in Java. */
    static final String PROPERTY = "softxent.cpu.blas";

    /** Whether the load was begun (by a product or a question that needs the library). */
    private static volatile boolean asked;

    /**
     * The library, loaded at this class's initialisation: the first time a product or {@link
     * #whyNot()} needs it, not when the engine opens. JavaCPP's load costs about
     * 0.15 s of CPU, most of it in its search for the files, and a classifier of few classes
     * called on enough rows ({@link SkinnyProducts}: L-BFGS's passes, Spark's blocks) never calls
     * OpenBLAS.
     */
    private static final class Loaded {
        static final String WHY_NOT;

        static {
            asked = true;
            String why = null;
            if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim())) {
                why = "turned off by -D" + PROPERTY + "=false";
            } else {
                try {
                    Loader.load(openblas_nolapack.class);
                    // One thread per call: the engine runs one call per core, each on its own rows
                    // (see CpuClassifier), rather than OpenBLAS's threads, which spin between calls.
                    openblas_nolapack.blas_set_num_threads(1);
                } catch (Throwable e) {  // whatever the load threw, the engine must still open on Java products
                    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    int newline = message.indexOf('\n');
                    why = "OpenBLAS did not load: " + (newline < 0 ? message : message.substring(0, newline));
                }
            }
            WHY_NOT = why;
        }
    }

    /** The bundled library's version, a constant of its bindings: known without loading it. */
    private static final String NAME = openblas_nolapack.OPENBLAS_VERSION.trim();

    private Blas() {
    }

    /** Null when OpenBLAS is loaded; otherwise why the products are computed in Java. Loads it first if need be. */
    static String whyNot() {
        return Loaded.WHY_NOT;
    }

    /** The bundled library, "OpenBLAS 0.3.30" (whether or not it is loaded, or loads). */
    static String name() {
        return NAME;
    }

    /** Whether a product or {@link #whyNot()} has begun loading the library (the load may have failed). */
    static boolean loadBegun() {
        return asked;
    }

    /**
     * Why OpenBLAS is not used, as far as is known without loading it: null while no product has
     * needed it (unless it is turned off), else {@link #whyNot()}.
     */
    static String knownWhyNot() {
        return loadBegun() || "false".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim()) ? whyNot() : null;
    }

    /**
     * At most 64 calls into OpenBLAS at once: the bundled build (MAX_THREADS=64) keeps a table of
     * 128 work buffers, and callers beyond it take a path its own messages call unsafe.
     */
    private static final java.util.concurrent.Semaphore CALLERS = new java.util.concurrent.Semaphore(64);

    /** An operand of a product: a Java array from an offset, or native memory. */
    static final class Ref {
        final float[] array;
        final long offset;
        final FloatPointer pointer;

        private Ref(float[] array, long offset, FloatPointer pointer) {
            this.array = array;
            this.offset = offset;
            this.pointer = pointer;
        }

        /** The array's elements from {@code offset} (a product reads or writes it in place). */
        static Ref of(float[] array, long offset) {
            return new Ref(java.util.Objects.requireNonNull(array, "array"), offset, null);
        }

        static Ref of(FloatPointer pointer) {
            return new Ref(null, 0, java.util.Objects.requireNonNull(pointer, "pointer"));
        }

        /**
         * The native code trusts its bounds: a matrix of {@code rows} rows of {@code cols} at stride
         * {@code ld}, all inside the array. Returns how many elements from the offset the matrix
         * spans (0 for a pointer, or an empty matrix).
         */
        long check(String name, int rows, int cols, int ld) {
            if (array == null || rows == 0 || cols == 0) {
                return 0;
            }
            long extent = (long) (rows - 1) * ld + cols;
            if (offset < 0 || cols > ld || offset + extent > array.length) {
                throw new IndexOutOfBoundsException(name + ": " + rows + " × " + cols + " at stride " + ld + " from "
                        + offset + " is outside its " + array.length + " elements");
            }
            return extent;
        }

        /** The native address of a pointer operand (its position counted), 0 for an array. */
        long address() {
            return pointer == null ? 0 : pointer.address() + pointer.position() * (long) Float.BYTES;
        }
    }

    /** Where products may take Java arrays in place (softxent's native library calls OpenBLAS). */
    private static final class InPlace {
        /** cblas_sgemm's address, or 0: array operands are refused. */
        static final long SGEMM = find();

        private static long find() {
            if (whyNot() != null || SkinnyProducts.whyNot() != null) {
                return 0;
            }
            // The OpenBLAS JavaCPP loaded (by its path: another BLAS in the process may export the
            // same name), asked for its symbol by softxent's library.
            for (java.util.Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
                if (e.getKey().startsWith("openblas_nolapack@") && e.getValue() != null) {
                    try {
                        return sgemmAddress0(e.getValue());
                    } catch (LinkageError | RuntimeException failed) { // the copies, as before
                        return 0;
                    }
                }
            }
            return 0;
        }
    }

    /** Turned off for the process when the JVM handed an array's copy instead of the array. */
    private static volatile boolean inPlaceOn = true;

    /**
     * The most multiply-adds of a product that holds arrays pinned: JDK 17's G1 waits for every
     * pinned array before it collects (its GC locker), and threads that allocate meanwhile wait,
     * or on a long wait fail to allocate; at this size a pin lasts well under a millisecond.
     */
    static final long MAX_PINNED_MULTIPLY_ADDS = 1L << 24;

    /**
     * Whether a product of {@code multiplyAdds} takes {@link Ref}s of Java arrays in place;
     * otherwise such operands are copied into native memory for the call and back.
     */
    static boolean inPlace(long multiplyAdds) {
        return InPlace.SGEMM != 0 && inPlaceOn && multiplyAdds <= MAX_PINNED_MULTIPLY_ADDS;
    }

    /** For tests: whether products may take arrays in place at all (copies otherwise). */
    static void allowInPlace(boolean on) {
        inPlaceOn = on;
    }

    /**
     * C[m, n] = A[m, k]·B[k, n] + beta·C, all row-major and dense (leading dimensions k, n, n);
     * with {@code transB}, B is given as [n, k].
     */
    static void gemm(int m, int n, int k, FloatPointer a, FloatPointer b, boolean transB, float beta, FloatPointer c) {
        gemm(m, n, k, Ref.of(a), Ref.of(b), transB, beta, Ref.of(c));
    }

    /** {@link #gemm(int, int, int, FloatPointer, FloatPointer, boolean, float, FloatPointer)} of any operands. */
    static void gemm(int m, int n, int k, Ref a, Ref b, boolean transB, float beta, Ref c) {
        long aSpan = a.check("A", m, k, k);
        long bSpan = transB ? b.check("B", n, k, k) : b.check("B", k, n, n);
        long cSpan = c.check("C", m, n, n);
        sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, a, k, aSpan, b, transB ? k : n, bSpan, beta, c, n, cSpan);
    }

    /**
     * cblas_sgemm with alpha 1: through JavaCPP when every operand is native; with Java arrays, in
     * place where {@link #inPlace(long)} allows it, else through native copies of the spans of the
     * arrays ({@code aSpan}... elements from each array operand's offset), C copied back.
     */
    private static void sgemm(int order, int transA, int transB, int m, int n, int k, Ref a, int lda, long aSpan,
                              Ref b, int ldb, long bSpan, float beta, Ref c, int ldc, long cSpan) {
        String why = whyNot(); // the library loaded, with its one thread per call, before its first product
        if (why != null) {
            throw new IllegalStateException(why);
        }
        boolean arrays = a.array != null || b.array != null || c.array != null;
        if (arrays && inPlace((long) m * n * k)) {
            int status;
            CALLERS.acquireUninterruptibly();
            try {
                status = sgemm0(InPlace.SGEMM, order, transA, transB, m, n, k, a.array, a.offset, a.address(), lda,
                        b.array, b.offset, b.address(), ldb, beta, c.array, c.offset, c.address(), ldc);
            } finally {
                CALLERS.release();
            }
            if (status == 0) {
                // The JVM could not pin an array: its OutOfMemoryError is pending, and is what the caller sees.
                throw new IllegalStateException("OpenBLAS could not reach an array in place");
            }
            if (status == 1) {
                return;
            }
            // The JVM handed a copy of an array (-Xcheck:jni, or a JVM that moves large arrays):
            // nothing was computed, and copies written back whole would undo other threads' rows of
            // C. The products copy their operands from now on.
            inPlaceOn = false;
        }
        if (!arrays) {
            CALLERS.acquireUninterruptibly();
            try {
                openblas_nolapack.cblas_sgemm(order, transA, transB, m, n, k, 1f, a.pointer, lda, b.pointer, ldb, beta,
                        c.pointer, ldc);
            } finally {
                CALLERS.release();
            }
            return;
        }
        FloatPointer ac = null;
        FloatPointer bc = null;
        FloatPointer cc = null;
        try {
            ac = nativeOf(a, aSpan);
            bc = nativeOf(b, bSpan);
            cc = nativeOf(c, cSpan);
            CALLERS.acquireUninterruptibly();
            try {
                openblas_nolapack.cblas_sgemm(order, transA, transB, m, n, k, 1f, ac, lda, bc, ldb, beta, cc, ldc);
            } finally {
                CALLERS.release();
            }
            if (c.array != null && cSpan > 0) {
                cc.get(c.array, Math.toIntExact(c.offset), Math.toIntExact(cSpan));
            }
        } finally {
            for (FloatPointer p : new FloatPointer[] {ac, bc, cc}) {
                if (p != null && p != a.pointer && p != b.pointer && p != c.pointer) {
                    NativeBuffers.give(p);
                }
            }
        }
    }

    /** An operand's native memory: its pointer, or a copy of its array's span. */
    private static FloatPointer nativeOf(Ref r, long span) {
        if (r.array == null) {
            return r.pointer;
        }
        FloatPointer p = NativeBuffers.take(Math.max(1, span));
        if (span > 0) {
            p.put(r.array, Math.toIntExact(r.offset), Math.toIntExact(span));
        }
        return p;
    }

    /** cblas_sgemm's address in the loaded library at {@code path} (not loaded again), or 0. */
    private static native long sgemmAddress0(String path);

    /**
     * cblas_sgemm(order, transA, transB, m, n, k, 1, A, lda, B, ldb, beta, C, ldc), each operand the
     * array from its offset where the array is not null, else the native address: the arrays pinned
     * for the call. 1: done; 0: an array could not be pinned (the JVM's OutOfMemoryError pending);
     * 2: the JVM handed a copy of an array instead of the array: nothing computed, nothing written.
     */
    private static native int sgemm0(long function, int order, int transA, int transB, int m, int n, int k,
                                         float[] a, long aOffset, long aAddress, int lda,
                                         float[] b, long bOffset, long bAddress, int ldb, float beta,
                                         float[] c, long cOffset, long cAddress, int ldc);

    /**
     * C[k, n] = Aᵀ·B + beta·C for A, m rows of k columns with row stride lda (a band of columns of
     * a wider matrix), and dense row-major B[m, n] and C[k, n]: the shape of dW[band] = X[:, band]ᵀ·dS.
     * Asked of OpenBLAS as the column-major product Cᵀ = Bᵀ·A, which it runs faster when m is long
     * and n short (a tall Xᵀ·dS with few classes).
     */
    static void gemmTransA(int m, int k, int n, FloatPointer a, int lda, FloatPointer b, float beta, FloatPointer c) {
        gemmTransA(m, k, n, Ref.of(a), lda, Ref.of(b), beta, Ref.of(c));
    }

    /** {@link #gemmTransA(int, int, int, FloatPointer, int, FloatPointer, float, FloatPointer)} of any operands. */
    static void gemmTransA(int m, int k, int n, Ref a, int lda, Ref b, float beta, Ref c) {
        long aSpan = a.check("A", m, k, lda);
        long bSpan = b.check("B", m, n, n);
        long cSpan = c.check("C", k, n, n);
        sgemm(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                n, k, m, b, n, bSpan, a, lda, aSpan, beta, c, n, cSpan);
    }
}
