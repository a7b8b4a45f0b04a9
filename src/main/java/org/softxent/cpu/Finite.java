package org.softxent.cpu;

import java.util.Objects;

/**
 * Finds the first NaN or infinity of a range of floats: the checks every input of the engines and
 * every data file goes through. In native code where the CPU products' library loads
 * (src/main/c/scale_rows.c: blocks of values tested with vector instructions), else a Java loop,
 * which the JIT of Java 17 leaves scalar (a loop that may stop early) and which, run once per
 * command, is mostly not compiled yet: the test file's scan took 50-60 ms of a 60,000 × 784
 * {@code train}.
 */
public final class Finite {
    private Finite() {
    }

    /**
     * The index in v of the first value of v[off, off + n) that is NaN or ±infinity (−infinity
     * allowed when {@code minusInfinityAllowed}: a mask of logits), or −1 when there is none.
     *
     * @throws IndexOutOfBoundsException when the range is outside v
     */
    public static long first(float[] v, int off, int n, boolean minusInfinityAllowed) {
        Objects.checkFromIndexSize(off, n, v.length);
        if (n == 0) {
            return -1;
        }
        if (Native.USABLE) {
            int at = first0(v, off, n, minusInfinityAllowed);
            if (at >= -1) {
                return at < 0 ? -1 : off + at;
            }
        }
        for (int i = off; i < off + n; i++) {
            float x = v[i];
            if (!Float.isFinite(x) && !(minusInfinityAllowed && x == Float.NEGATIVE_INFINITY)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the library loaded (asked once, at the first call). */
    private static final class Native {
        static final boolean USABLE = SkinnyProducts.whyNot() == null;
    }

    private static native int first0(float[] v, int off, int n, boolean minusInfinityAllowed);
}
