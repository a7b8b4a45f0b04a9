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
 * <p>Operands live in native memory ({@link FloatPointer}): JavaCPP's overloads on {@code float[]}
 * copy each array in and out at every call, which costs more than the product for thin matrices.
 */
final class Blas {
    /** Set to {@code false} to compute the CPU engine's products in Java. */
    static final String PROPERTY = "softxent.cpu.blas";

    private static final String WHY_NOT;
    private static final String NAME;

    static {
        String why = null;
        String name = null;
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim())) {
            why = "turned off by -D" + PROPERTY + "=false";
        } else {
            try {
                Loader.load(openblas_nolapack.class);
                // One thread per call: the engine runs one call per core, each on its own rows
                // (see CpuClassifier), rather than OpenBLAS's threads, which spin between calls.
                openblas_nolapack.blas_set_num_threads(1);
                name = openblas_nolapack.OPENBLAS_VERSION.trim();
            } catch (Throwable e) {  // whatever the load threw, the engine must still open on Java products
                String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                int newline = message.indexOf('\n');
                why = "OpenBLAS did not load: " + (newline < 0 ? message : message.substring(0, newline));
            }
        }
        WHY_NOT = why;
        NAME = name;
    }

    private Blas() {
    }

    /** Null when OpenBLAS is loaded; otherwise why the products are computed in Java. */
    static String whyNot() {
        return WHY_NOT;
    }

    /** "OpenBLAS 0.3.30", or null when not loaded. */
    static String name() {
        return NAME;
    }

    /**
     * At most 64 calls into OpenBLAS at once: the bundled build (MAX_THREADS=64) keeps a table of
     * 128 work buffers, and callers beyond it take a path its own messages call unsafe.
     */
    private static final java.util.concurrent.Semaphore CALLERS = new java.util.concurrent.Semaphore(64);

    /**
     * C[m, n] = A[m, k]·B[k, n] + beta·C, all row-major and dense (leading dimensions k, n, n);
     * with {@code transB}, B is given as [n, k].
     */
    static void gemm(int m, int n, int k, FloatPointer a, FloatPointer b, boolean transB, float beta, FloatPointer c) {
        CALLERS.acquireUninterruptibly();
        try {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                    transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    m, n, k, 1f, a, k, b, transB ? k : n, beta, c, n);
        } finally {
            CALLERS.release();
        }
    }

    /**
     * C[k, n] = Aᵀ·B + beta·C for A, m rows of k columns with row stride lda (a band of columns of
     * a wider matrix), and dense row-major B[m, n] and C[k, n]: the shape of dW[band] = X[:, band]ᵀ·dS.
     * Asked of OpenBLAS as the column-major product Cᵀ = Bᵀ·A, which it runs faster when m is long
     * and n short (a tall Xᵀ·dS with few classes).
     */
    static void gemmTransA(int m, int k, int n, FloatPointer a, int lda, FloatPointer b, float beta, FloatPointer c) {
        CALLERS.acquireUninterruptibly();
        try {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasColMajor, openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasTrans, n, k, m, 1f, b, n, a, lda, beta, c, n);
        } finally {
            CALLERS.release();
        }
    }
}
