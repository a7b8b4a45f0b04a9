package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/** The first NaN or infinity of a range, native where the library loads, as the plain loop finds it. */
class FiniteTest {
    private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffffffff)};

    @Test
    void findsTheFirstNonFiniteValueAsTheLoopDoes() {
        Rng rng = Rng.fresh();
        for (int n : new int[] {0, 1, 5, 1023, 1024, 1025, 3000, 70_000}) {
            for (int trial = 0; trial < 12; trial++) {
                int off = rng.nextInt(0, 7);
                float[] v = rng.normal(off + n + 3, 1e30);
                if (off > 0) {
                    v[rng.nextInt(0, off)] = Float.NaN; // before the range: not looked at
                }
                v[off + n + rng.nextInt(0, 3)] = Float.NaN; // after it
                int bads = trial % 4; // 0 to 3 bad values in the range, at random places (block edges too)
                for (int k = 0; k < bads && n > 0; k++) {
                    int at = trial % 3 == 0 ? Math.min(n - 1, 1023 + k) : rng.nextInt(0, n);
                    v[off + at] = BAD[rng.nextInt(0, BAD.length)];
                }
                for (boolean mask : new boolean[] {false, true}) {
                    assertEquals(loop(v, off, n, mask), Finite.first(v, off, n, mask),
                            "n " + n + " offset " + off + " mask " + mask + " " + rng);
                }
            }
        }
        float[] extremes = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f, 0f};
        assertEquals(-1, Finite.first(extremes, 0, extremes.length, false), "the largest and smallest are finite");
        assertThrows(IndexOutOfBoundsException.class, () -> Finite.first(new float[4], 2, 3, false));
    }

    private static long loop(float[] v, int off, int n, boolean mask) {
        for (int i = off; i < off + n; i++) {
            if (!Float.isFinite(v[i]) && !(mask && v[i] == Float.NEGATIVE_INFINITY)) {
                return i;
            }
        }
        return -1;
    }
}
