package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/** The change of variables for rows left unstandardised, and its chain rule. */
class PreconditioningTest {
    @Test
    void theGradientInZIsTheChainRuleOfTheParameters() {
        Rng rng = Rng.fresh();
        int rows = 200;
        int features = 6;
        double[] spread = {1e-2, 1, 10, 100, 1e3, 0};
        float[] x = rng.normal(rows * features, 1);
        for (int i = 0; i < x.length; i++) {
            int q = i % features;
            x[i] = (float) (x[i] * spread[q] + 50 + q); // feature 5 is constant: 55
        }
        int[] kept = new int[rows];
        java.util.Arrays.setAll(kept, i -> i);
        Scaling scaling = Scaling.of(x, rows, features, kept, false);
        assertEquals(1, scaling.constant().length, rng.toString());
        assertNull(Preconditioning.of(scaling, true, 1e-3, 3), "standardised rows need none");
        for (int outputs : new int[] {1, 3}) {
            Preconditioning p = Preconditioning.of(scaling, false, 1e-3, outputs);
            int size = features * outputs + outputs;
            double[] z = new double[size];
            double[] c = new double[size]; // f(θ) = c·θ, whose gradient in θ is c
            for (int i = 0; i < size; i++) {
                z[i] = rng.nextGaussian();
                c[i] = rng.nextGaussian();
            }
            double[] theta = new double[size];
            p.parameters(z, theta);
            for (int k = 0; k < outputs; k++) {
                assertEquals(0, theta[5 * outputs + k], 0.0, "the constant feature's weight stays 0, " + rng);
                double b = z[features * outputs + k];
                for (int q = 0; q < features; q++) {
                    b -= scaling.rowMean()[q] * theta[q * outputs + k];
                }
                assertEquals(b, theta[features * outputs + k], 1e-9 * Math.abs(b) + 1e-12, "b, " + rng);
            }
            double[] gz = new double[size];
            p.gradient(c, gz);
            double f0 = dot(c, theta);
            for (int i = 0; i < size; i++) {
                double[] moved = z.clone();
                moved[i] += 1;
                double[] at = new double[size];
                p.parameters(moved, at);
                double change = dot(c, at) - f0; // exact for a linear f: the derivative along z_i
                assertEquals(change, gz[i], 1e-9 * (Math.abs(change) + Math.abs(f0)) + 1e-9,
                        "∂f/∂z[" + i + "], outputs " + outputs + ", " + rng);
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
