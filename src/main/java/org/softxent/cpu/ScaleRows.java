package org.softxent.cpu;

import java.util.Objects;

/**
 * The standardisation of rows, vectorised (src/main/c/scale_rows.c, in the CPU products' library):
 * out = (float) ((in − mean) / scale) per feature, in double, with the bits of the plain Java loop
 * (every step one IEEE rounding). For {@code org.softxent.train.Scaling}, whose loop it replaces
 * where the library loads (so {@code -Dsoftxent.cpu.skinny=false}, which keeps it from loading,
 * turns this off too): that loop mixes float and double lanes, which the JIT leaves scalar.
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
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(scale, "scale");
        long n = (long) rows * d;
        if (rows < 0 || d < 0 || inOff < 0 || outOff < 0 || inOff + n > in.length || outOff + n > out.length
                || mean.length < d || scale.length < d) {
            throw new IndexOutOfBoundsException("rows " + rows + " × " + d + " from in[" + inOff + "] of " + in.length
                    + " into out[" + outOff + "] of " + out.length + ", mean " + mean.length + ", scale "
                    + scale.length);
        }
        if (!Native.USABLE || n == 0) {
            return n == 0;
        }
        return scale0(in, inOff, out, outOff, rows, d, mean, scale);
    }

    /** Whether the library loaded (asked once, at the first call). */
    private static final class Native {
        static final boolean USABLE = SkinnyProducts.whyNot() == null;
    }

    private static native boolean scale0(float[] in, int inOff, float[] out, int outOff, int rows, int d,
                                         float[] mean, float[] scale);
}
