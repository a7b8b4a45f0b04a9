package org.softxent.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Comparisons under the golden README's rule: ‖out − ref‖₂ ≤ tol·‖ref‖₂ per array, and where the
 * reference is NaN or ±inf the output must be the same.
 */
public final class Close {
    /** The golden tolerance of the logits operations. */
    public static final double LOGITS = 1e-5;
    /** The golden tolerance of the classifier. */
    public static final double CLASSIFIER = 1e-4;

    private Close() {
    }

    public static void assertClose(double[] ref, float[] out, double tol, String what) {
        double[] errAndNorm = errorAndNorm(ref, out, what);
        double err = errAndNorm[0];
        double norm = errAndNorm[1];
        // An all-zero reference, or one that is rounding residue (C = 1 gives gradients of 1e-16),
        // cannot be matched relatively.
        if (!(err <= tol * norm || (norm == 0 && err <= 1e-6) || (norm < 1e-12 && err < 1e-12))) {
            fail(what + ": relative error " + (err / norm) + " > " + tol + " (|ref| = " + norm + ")");
        }
    }

    /**
     * As {@link #assertClose(double[], float[], double, String)}, for an array whose elements are
     * sums that may cancel: the error is measured against ‖ref‖₂ or {@code scale}, the size of
     * the terms summed, whichever is larger (a classifier's db is a mean of p − y in [−1, 1] per
     * row: it can come out near zero while float rounding stays relative to 1).
     */
    public static void assertClose(double[] ref, float[] out, double tol, double scale, String what) {
        double[] errAndNorm = errorAndNorm(ref, out, what);
        double err = errAndNorm[0];
        double norm = Math.max(errAndNorm[1], scale);
        if (!(err <= tol * norm)) {
            fail(what + ": error " + err + " > " + tol + " × " + norm + " (|ref| = " + errAndNorm[1]
                    + ", the terms' scale " + scale + ")");
        }
    }

    /** ‖out − ref‖₂ and ‖ref‖₂ over the finite elements; a NaN or ±inf must be the same in both. */
    private static double[] errorAndNorm(double[] ref, float[] out, String what) {
        assertEquals(ref.length, out.length, what + ": length");
        double diff2 = 0;
        double ref2 = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Double.isFinite(ref[i]) || !Float.isFinite(out[i])) {
                if (Double.compare(ref[i], (double) out[i]) != 0) {
                    fail(what + ": element " + i + " is " + out[i] + ", expected " + ref[i]);
                }
                continue;
            }
            double d = out[i] - ref[i];
            diff2 += d * d;
            ref2 += ref[i] * ref[i];
        }
        return new double[] {Math.sqrt(diff2), Math.sqrt(ref2)};
    }

    public static void assertClose(float[] ref, float[] out, double tol, String what) {
        assertClose(toDoubles(ref), out, tol, what);
    }

    /** Scalars: relative error at most tol, or absolute 1e-6 near zero; NaN and ±inf must match. */
    public static void assertClose(double ref, double out, double tol, String what) {
        if (!Double.isFinite(ref) || !Double.isFinite(out)) {
            if (Double.compare(ref, out) != 0) {
                fail(what + ": " + out + ", expected " + ref);
            }
            return;
        }
        double err = Math.abs(out - ref);
        if (!(err <= tol * Math.abs(ref) || err <= 1e-6)) {
            fail(what + ": " + out + ", expected " + ref + " (relative error " + err / Math.abs(ref) + ")");
        }
    }

    public static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** An output buffer full of NaN, so that any entry an operation forgets to write shows. */
    public static float[] poisoned(int size) {
        float[] a = new float[size];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }
}
