package org.softxent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

class GradientCheckTest {
    /**
     * A NaN in the analytic gradient is the worst error, named at its own coordinate, and leaves the
     * other coordinates' errors as they are; a NaN or +∞ in the point is refused (only −∞ masks).
     */
    @Test
    void aNaNIsNamedWhereItIsAndANaNPointIsRefused() {
        Rng rng = Rng.fresh();
        float[] point = rng.normal(5, 1);
        ToDoubleFunction<float[]> squares = v -> {
            double sum = 0;
            for (float f : v) {
                sum += (double) f * f;
            }
            return sum;
        };
        float[] gradient = new float[5];
        for (int i = 0; i < 5; i++) {
            gradient[i] = 2 * point[i];
        }
        int bad = rng.nextInt(0, 4);
        gradient[bad] = Float.NaN;
        GradientCheck.Result r = GradientCheck.of(squares, point, gradient, GradientCheck.Options.all());
        assertEquals(bad, r.worstCoordinate(), r + " " + rng);
        assertTrue(Double.isNaN(r.worstRelativeError()), r + " " + rng);
        assertTrue(r.relativeErrors()[4] < 1e-6, "the others as they are: " + r + " " + rng);
        for (float masked : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] at = point.clone();
            at[2] = masked;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientCheck.of(squares, at, new float[5], GradientCheck.Options.all()));
            assertTrue(e.getMessage().contains("point[2]"), e.getMessage());
        }
    }

    /**
     * Near float's largest value the step shrinks so that x ± h stays finite (the objective here,
     * a linear function that refuses an infinity as the library's operations do, would otherwise
     * be handed one), and the check still holds; a coordinate at Float.MAX_VALUE itself has no
     * room and is refused, naming it.
     */
    @Test
    void pointsNearFloatsLargestValueAreCheckedWithinFloatsRange() {
        Rng rng = Rng.fresh();
        int n = 6;
        float[] a = rng.uniform(n, -1, 1);
        ToDoubleFunction<float[]> linear = v -> {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException("v[" + i + "] is " + v[i]);
                }
                sum += (double) a[i] * v[i];
            }
            return sum;
        };
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            // From a few float steps (at least 4) to a few thousand below ±Float.MAX_VALUE.
            int steps = 4 + rng.nextInt(0, 4000);
            float top = Float.MAX_VALUE;
            for (int k = 0; k < steps; k++) {
                top = Math.nextDown(top);
            }
            z[i] = i % 2 == 0 ? top : -top;
        }
        GradientCheck.Result check = GradientCheck.of(linear, z, a, GradientCheck.Options.all());
        assertEquals(n, check.coordinates().length, check + " " + rng);
        assertTrue(check.worstRelativeError() < 1e-6, check + " " + rng);

        float[] at = z.clone();
        at[3] = -Float.MAX_VALUE;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientCheck.of(linear, at, a, GradientCheck.Options.all()));
        assertTrue(e.getMessage().contains("point[3]") && e.getMessage().contains("Float.MAX_VALUE"),
                e.getMessage());
    }

    /** f(x) = Σ sin(x_i)·x_i², whose gradient is known in closed form. */
    private static final ToDoubleFunction<float[]> F = x -> {
        double s = 0;
        for (float v : x) {
            s += Math.sin(v) * v * v;
        }
        return s;
    };

    private static float[] gradientOfF(float[] x) {
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            g[i] = (float) (Math.cos(x[i]) * x[i] * x[i] + 2 * Math.sin(x[i]) * x[i]);
        }
        return g;
    }

    @Test
    void acceptsTheRightGradient() {
        Rng rng = Rng.fresh();
        float[] x = rng.uniform(50, -3, 3);
        GradientCheck.Result r = GradientCheck.of(F, x, gradientOfF(x), GradientCheck.Options.all());
        assertEquals(50, r.coordinates().length);
        assertTrue(r.worstRelativeError() < 1e-5, r + " " + rng);
    }

    @Test
    void findsAWrongCoordinate() {
        Rng rng = Rng.fresh();
        float[] x = rng.uniform(20, 1, 3);
        float[] g = gradientOfF(x);
        g[7] *= 1.01f;
        GradientCheck.Result r = GradientCheck.of(F, x, g, GradientCheck.Options.all());
        assertEquals(7, r.worstCoordinate(), rng.toString());
        assertTrue(r.worstRelativeError() > 5e-3, r.toString());
    }

    @Test
    void samplesDistinctFiniteCoordinatesAndLeavesThePointAlone() {
        Rng rng = Rng.fresh();
        float[] x = rng.uniform(1000, -2, 2);
        x[3] = Float.NEGATIVE_INFINITY;
        float[] copy = x.clone();
        GradientCheck.Result r = GradientCheck.of(v -> 0.0, x, new float[1000], GradientCheck.Options.sampled(999, 7));
        int[] coords = r.coordinates();
        assertEquals(999, coords.length);
        for (int i = 1; i < coords.length; i++) {
            assertTrue(coords[i] > coords[i - 1], "sorted and distinct");
        }
        for (int c : coords) {
            assertTrue(c != 3, "the -inf coordinate is skipped");
        }
        assertArrayEquals(copy, x);
        assertEquals(0.0, r.worstRelativeError());
    }

    @Test
    void aPointWithNothingToCheckSaysSoAndPassesNoTolerance() {
        float[] masked = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        GradientCheck.Result allMasked = GradientCheck.of(F, masked, new float[3], GradientCheck.Options.all());
        assertFalse(allMasked.checkedAny());
        assertEquals(0, allMasked.coordinates().length);
        assertFalse(allMasked.worstRelativeError() < 1e-4, "a check of nothing must not pass");
        assertEquals(-1, allMasked.worstCoordinate());
        assertEquals("nothing checked: none of the point's 3 coordinates is finite", allMasked.toString());

        GradientCheck.Result empty = GradientCheck.of(F, new float[0], new float[0], GradientCheck.Options.sampled(5, 1));
        assertFalse(empty.worstRelativeError() <= 1.0, "a check of nothing must not pass");
        assertEquals("nothing checked: the point is empty", empty.toString());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(ShapeMismatchException.class,
                () -> GradientCheck.of(F, new float[3], new float[2], GradientCheck.Options.all()));
        assertThrows(IllegalArgumentException.class, () -> GradientCheck.Options.sampled(0, 1));
        assertThrows(IllegalArgumentException.class, () -> GradientCheck.Options.all().withStep(0));
        assertThrows(IllegalArgumentException.class, () -> GradientCheck.Options.all().withFloor(-1));
    }
}
