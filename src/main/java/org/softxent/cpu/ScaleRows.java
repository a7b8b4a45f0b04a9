package org.softxent.cpu;

import java.util.Objects;

/**
 * The standardisation of rows, vectorised (src/main/c/scale_rows.c, in the CPU products' library):
 * out = (float) ((in − mean) / scale) per feature, in double, with the bits of the plain Java loop
 * (every step one IEEE rounding), and the statistics it is learnt from, likewise. For {@code
 * org.softxent.train.Scaling}, whose loops it replaces where the library loads (so {@code
 * -Dsoftxent.cpu.skinny=false}, which keeps it from loading, turns this off too): those loops mix
 * float and double lanes, which the JIT leaves scalar, and run once per command, mostly before the
 * JIT has compiled them.
 */
public final class ScaleRows {
    private ScaleRows() {
    }

    /**
     * out[outOff + i·d + q] = (float) (((double) in[inOff + i·d + q] − mean[q]) / scale[q]) for i in
     * [0, rows), q in [0, d); returns false, writing nothing, where the native library is not loaded
     * (the caller's own loop then computes it).
     *
     * @throws IndexOutOfBoundsException when a range is outside its array
     */
    public static boolean scale(float[] in, int inOff, float[] out, int outOff, int rows, int d, float[] mean,
                                float[] scale) {
        long n = checkScale(Objects.requireNonNull(in, "in").length, inOff, out, outOff, rows, d, mean, scale);
        if (!Native.USABLE || n == 0) {
            return n == 0;
        }
        return scale0(in, inOff, out, outOff, rows, d, mean, scale);
    }

    /**
     * {@link #scale} from uint8 values: out[outOff + i·d + q] = (float) (((double) (in[inOff + i·d +
     * q] &amp; 0xff) − mean[q]) / scale[q]), converted and scaled in one pass, the bits of the
     * Java loop on the values widened to floats; false, writing nothing, where the native library
     * is not loaded.
     *
     * @throws IndexOutOfBoundsException when a range is outside its array
     */
    public static boolean scaleBytes(byte[] in, int inOff, float[] out, int outOff, int rows, int d, float[] mean,
                                     float[] scale) {
        long n = checkScale(Objects.requireNonNull(in, "in").length, inOff, out, outOff, rows, d, mean, scale);
        if (!Native.USABLE || n == 0) {
            return n == 0;
        }
        return scaleBytes0(in, inOff, out, outOff, rows, d, mean, scale);
    }

    /** rows × d, after checking that the ranges of an input of inLength and of out lie in them. */
    private static long checkScale(int inLength, int inOff, float[] out, int outOff, int rows, int d, float[] mean,
                                   float[] scale) {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(scale, "scale");
        long n = (long) rows * d;
        if (rows < 0 || d < 0 || inOff < 0 || outOff < 0 || inOff + n > inLength || outOff + n > out.length
                || mean.length < d || scale.length < d) {
            throw new IndexOutOfBoundsException("rows " + rows + " × " + d + " from in[" + inOff + "] of " + inLength
                    + " into out[" + outOff + "] of " + out.length + ", mean " + mean.length + ", scale "
                    + scale.length);
        }
        return n;
    }

    private static native boolean scaleBytes0(byte[] in, int inOff, float[] out, int outOff, int rows, int d,
                                              float[] mean, float[] scale);

    /**
     * The statistics of rows [0, rows) of v [*, d] from vOff, with Java's loop's bits: the rows that
     * {@code keep[keepOff + i]} keeps (keep null: every row) give sum[q] ← their mean (their values'
     * sum in double, row after row, divided by their count) and squares[q] ← the sum of their squared
     * deviations from it, in double, both overwritten (both 0 when no row is kept); check[0] += the
     * values of the rows not kept, a sum whose only use is whether it is finite. Returns the kept
     * rows' count, or −1, writing nothing, where the native library is not loaded.
     *
     * @throws IndexOutOfBoundsException when a range is outside its array
     */
    public static int moments(float[] v, int vOff, int rows, int d, boolean[] keep, int keepOff, double[] sum,
                              double[] squares, double[] check) {
        Objects.requireNonNull(v, "v");
        Objects.requireNonNull(sum, "sum");
        Objects.requireNonNull(squares, "squares");
        Objects.requireNonNull(check, "check");
        long n = (long) rows * d;
        if (rows < 0 || d < 0 || vOff < 0 || vOff + n > v.length || sum.length < d || squares.length < d
                || check.length < 1 || keep != null && (keepOff < 0 || (long) keepOff + rows > keep.length)) {
            throw new IndexOutOfBoundsException("rows " + rows + " × " + d + " from v[" + vOff + "] of " + v.length
                    + (keep == null ? "" : ", keep[" + keepOff + "] of " + keep.length) + ", sum " + sum.length
                    + ", squares " + squares.length + ", check " + check.length);
        }
        if (!Native.USABLE) {
            return -1;
        }
        return moments0(v, vOff, rows, d, keep, keepOff, sum, squares, check);
    }

    /**
     * out[outOff + i] = in[inOff + i] as a number (unsigned: in[·] &amp; 0xff) for i in [0, n),
     * exactly; returns false, writing nothing, where the native library is not loaded (the caller's
     * own loop then converts them). For {@code org.softxent.io.NpyFile}'s uint8 and int8 data: Java
     * 17's JIT converts such a loop one value at a time.
     *
     * @throws IndexOutOfBoundsException when a range is outside its array
     */
    public static boolean widen(byte[] in, int inOff, float[] out, int outOff, int n, boolean unsigned) {
        Objects.checkFromIndexSize(inOff, n, in.length);
        Objects.checkFromIndexSize(outOff, n, out.length);
        if (!Native.USABLE || n == 0) {
            return n == 0;
        }
        return unsigned ? widenU8(in, inOff, out, outOff, n) : widenI8(in, inOff, out, outOff, n);
    }

    /**
     * {@link #widen(byte[], int, float[], int, int, boolean)} for uint16 and int16 data (unsigned:
     * in[·] &amp; 0xffff).
     */
    public static boolean widen(short[] in, int inOff, float[] out, int outOff, int n, boolean unsigned) {
        Objects.checkFromIndexSize(inOff, n, in.length);
        Objects.checkFromIndexSize(outOff, n, out.length);
        if (!Native.USABLE || n == 0) {
            return n == 0;
        }
        return unsigned ? widenU16(in, inOff, out, outOff, n) : widenI16(in, inOff, out, outOff, n);
    }

    private static native boolean widenU8(byte[] in, int inOff, float[] out, int outOff, int n);

    private static native boolean widenI8(byte[] in, int inOff, float[] out, int outOff, int n);

    private static native boolean widenU16(short[] in, int inOff, float[] out, int outOff, int n);

    private static native boolean widenI16(short[] in, int inOff, float[] out, int outOff, int n);

    /** Whether the library loaded (asked once, at the first call). */
    private static final class Native {
        static final boolean USABLE = SkinnyProducts.whyNot() == null;
    }

    private static native boolean scale0(float[] in, int inOff, float[] out, int outOff, int rows, int d,
                                         float[] mean, float[] scale);

    private static native int moments0(float[] v, int vOff, int rows, int d, boolean[] keep, int keepOff,
                                       double[] sum, double[] squares, double[] check);
}
