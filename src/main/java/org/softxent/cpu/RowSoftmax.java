package org.softxent.cpu;

/**
 * The softmax of one row, in double precision: the reference every other path is checked against.
 * An instance serves one thread for a range of rows: {@link #of} computes a row, then
 * {@link #negLogProb} and {@link #logProb} give that row's log-probabilities.
 *
 * <p>Every log-probability is formed as (z − max) − log Σ, never as z − (max + log Σ): at
 * |max| = 1e12 the rounding of max + log Σ is already 1e-4, and from about 1e17 on it loses log Σ
 * entirely, so that a row of C equal logits would lose log C. The CUDA kernels use the same form.
 */
final class RowSoftmax {
    /**
     * The fewest logits in a row for the vectorised exponential one row at a time ({@link #of}
     * without {@link #prepare}, which takes a block of rows of any length in one call): below it a
     * row's JNI call costs more than Java's scalar loop saves. Measured on this project's 2-core AVX-512 machine, a
     * cross-entropy of 65,536 rows: 8 and 10 classes 3.7–4.7 ms in Java, 3.9–5.4 vectorised; 12
     * about even; 16 classes 7.0–7.8 ms against 5.3; 32 classes 10.5 against 5.0; 16,384 × 1,000
     * 49–73 ms against 16–23.
     */
    static final int VECTOR_MIN_COLS = 16;

    private final double[] p;
    private final boolean vector;
    /** Whether {@link #prepare} computes blocks of rows natively (the fast engine, any row length). */
    private final boolean blocks;
    private double max;
    private double logSum;
    /** The rows {@link #prepare} computed: z, its offset, rows and length, their softmaxes; null z: none. */
    private double[] preparedZ;
    private int preparedOff;
    private int preparedRows;
    private int preparedCols;
    private double[] prepared;
    /** Whether the row {@link #of} last gave came from the prepared block (for tests). */
    private boolean lastPrepared;

    /** A row softmax for rows of up to {@code cols} logits, on the calling thread's scratch buffer. */
    RowSoftmax(int cols) {
        this(cols, false);
    }

    /**
     * As {@link #RowSoftmax(int)}; with {@code vector} (the fast engine, never the reference) rows
     * of at least {@value #VECTOR_MIN_COLS} logits take the native vectorised exponential
     * (src/main/c/row_softmax.c) where the CPU products' library is loaded (so
     * {@code -Dsoftxent.cpu.skinny=false}, which keeps that library from loading, turns it off too):
     * within a few ulp of Java's {@link Math#exp}, not its bits.
     */
    RowSoftmax(int cols, boolean vector) {
        this.vector = vector && cols >= VECTOR_MIN_COLS && Vector.USABLE;
        this.blocks = vector && Vector.USABLE;
        this.p = Scratch.doubles(Scratch.PROBS, this.vector ? cols + 2 : cols);
    }

    /**
     * With the fast engine's native exponential, computes the softmax of {@code rows} rows of z from
     * {@code off}, each {@code cols} long, in one native call, for the calls of {@link #of} on those
     * rows that follow (each then costs a copy of its row instead of a JNI call or Java's scalar
     * exponentials: rows of few logits gain most). The results are the bits of the per-row native
     * path. Elsewhere (the reference, no native library) it does nothing and {@link #of} computes
     * each row. z's rows must not change until their {@link #of}; the next prepare replaces these.
     */
    void prepare(double[] z, int off, int rows, int cols) {
        preparedZ = null;
        if (!blocks || rows < 1 || cols < 1 || rows == 1 && vector && cols >= VECTOR_MIN_COLS) {
            return; // (one long row: of's own native call computes it in place, without the copy)
        }
        long cells = (long) rows * (cols + 2);
        if (off < 0 || off + (long) rows * cols > z.length || cells > Integer.MAX_VALUE - 8) {
            throw new IndexOutOfBoundsException("z[" + off + ", " + off + " + " + rows + " × " + cols + ") of "
                    + z.length);
        }
        double[] out = Scratch.doubles(Scratch.SOFTMAX_ROWS, (int) cells);
        if (vectorRows0(z, off, rows, cols, out)) {
            preparedZ = z;
            preparedOff = off;
            preparedRows = rows;
            preparedCols = cols;
            prepared = out;
        }
    }

    /** Whether the native row softmax loaded (asked once, when a fast engine's row first wants it). */
    private static final class Vector {
        static final boolean USABLE = SkinnyProducts.whyNot() == null;
    }

    /**
     * Computes the softmax of {@code z[off, off + cols)} and returns it in {@code [0, cols)} of a
     * buffer this instance owns (valid until the next call). Shifting by the row maximum keeps exp
     * from overflowing for any finite logits; −inf logits give exactly 0. A row that is all −inf
     * gives NaN, as in PyTorch.
     */
    double[] of(double[] z, int off, int cols) {
        lastPrepared = false;
        if (z == preparedZ && cols == preparedCols && off >= preparedOff) {
            int rel = off - preparedOff;
            int r = rel / cols;
            if (r < preparedRows && r * cols == rel) {
                int base = r * (cols + 2);
                double m = prepared[base + cols];
                if (!Double.isNaN(m)) { // else a row the native path refused: Java's loop below
                    System.arraycopy(prepared, base, p, 0, cols);
                    max = m;
                    logSum = Math.log(prepared[base + cols + 1]);
                    lastPrepared = true;
                    return p;
                }
            }
        }
        if (vector && cols >= VECTOR_MIN_COLS) {
            if (off < 0 || cols + 2 > p.length || off + (long) cols > z.length) {
                throw new IndexOutOfBoundsException("z[" + off + ", " + off + " + " + cols + ") of " + z.length
                        + ", p of " + p.length);
            }
            if (vectorRow0(z, off, cols, p)) {
                max = p[cols];
                logSum = Math.log(p[cols + 1]);
                return p;
            }
        }
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            m = Math.max(m, z[off + j]);
        }
        double sum = 0.0;
        for (int j = 0; j < cols; j++) {
            double e = Math.exp(z[off + j] - m);
            p[j] = e;
            sum += e;
        }
        for (int j = 0; j < cols; j++) {
            p[j] /= sum;
        }
        max = m;
        logSum = Math.log(sum);
        return p;
    }

    /** Whether the row {@link #of} last gave was looked up in the block {@link #prepare} computed. */
    boolean lastPrepared() {
        return lastPrepared;
    }

    /** −log p of the logit {@code z} of the row last computed: (max − z) + log Σ; +inf for −inf. */
    double negLogProb(double z) {
        return (max - z) + logSum;
    }

    /** log p of the logit {@code z} of the row last computed: (z − max) − log Σ; −inf for −inf. */
    double logProb(double z) {
        return (z - max) - logSum;
    }

    /**
     * The fast engine's softmax backward of {@code rows} rows of p and g from {@code off}, each
     * {@code cols} long, into out from {@code off}: per row dot = Σ g·p in double (in vector lanes,
     * its order fixed by cols alone), then out = (float) (p·(g − dot)) in double, as the Java loop
     * writes it. p and g are finite (the caller checked). False (nothing written) where the native
     * library or a vector set is missing, or the rows would hold the arrays pinned too long (more
     * than {@value #MAX_PINNED} values: a row of tens of millions): the Java loop computes them.
     */
    static boolean backwardRows(float[] p, float[] g, float[] out, int off, int rows, int cols) {
        long end = off + (long) rows * cols;
        if (off < 0 || rows < 0 || cols < 1 || end > p.length || end > g.length || end > out.length) {
            throw new IndexOutOfBoundsException("rows [" + off + ", " + end + ") of p (" + p.length + "), g ("
                    + g.length + ") and out (" + out.length + ")");
        }
        if (!Vector.USABLE || rows == 0 || (long) rows * cols > MAX_PINNED) {
            return false;
        }
        return backwardRows0(p, g, out, off, rows, cols);
    }

    /**
     * The most values one native backward call holds pinned (three arrays, two passes): about a
     * millisecond; JDK 17's G1 waits for every pinned array before it collects (see {@link Blas}).
     */
    static final int MAX_PINNED = 1 << 22;

    private static native boolean backwardRows0(float[] p, float[] g, float[] out, int off, int rows, int cols);

    /**
     * p[0, cols) = the softmax of z[off, off + cols), p[cols] its max, p[cols + 1] = Σ exp(z − max);
     * false (p untouched but for [0, cols)) when the max is not finite, the CPU has no vector set,
     * or an array could not be reached: the Java loop then computes the row.
     */
    static native boolean vectorRow0(double[] z, int off, int cols, double[] p);

    /**
     * Row r of the {@code rows} rows of z from off into p[r·(cols + 2), ...) as {@link #vectorRow0}
     * gives it, with NaN in its max's place where vectorRow0 would return false; false when the CPU
     * has no vector set or an array could not be reached (then p is not to be read).
     */
    static native boolean vectorRows0(double[] z, int off, int rows, int cols, double[] p);
}
