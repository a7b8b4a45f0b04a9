package org.softxent.train;

/**
 * Limited-memory BFGS (Nocedal and Wright, algorithm 7.4 with the two-loop recursion) with a
 * backtracking line search on the Armijo condition, for a smooth objective such as the regularised
 * log loss. Pairs whose curvature s·y is not positive are skipped, so the implied Hessian stays
 * positive definite. The objective is evaluated in float by the engine; the iterates are kept in
 * double.
 */
final class Lbfgs {
    /** An objective: returns f(x) and writes ∇f(x) into grad. */
    interface Objective {
        double value(double[] x, double[] grad);
    }

    /** Told after each iteration; returns false to stop. */
    interface Monitor {
        boolean iteration(int k, double f, double step, double[] x);
    }

    private static final int MEMORY = 10;
    private static final double ARMIJO = 1e-4;
    private static final int MAX_HALVINGS = 40;

    private Lbfgs() {
    }

    /**
     * Minimises from x (modified: it ends at the last accepted iterate).
     *
     * @return why it stopped
     */
    static String minimize(Objective f, double[] x, int maxIterations, double tolerance, Monitor monitor) {
        int n = x.length;
        double[][] s = new double[MEMORY][n];
        double[][] y = new double[MEMORY][n];
        double[] rho = new double[MEMORY];
        double[] alpha = new double[MEMORY];
        int stored = 0;
        int newest = -1;
        double[] g = new double[n];
        double fx = f.value(x, g);
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        double[] sNew = new double[n];
        double[] yNew = new double[n];
        for (int k = 1; k <= maxIterations; k++) {
            // d = −H·g by the two-loop recursion, H0 = γ·I with γ = s·y / y·y of the newest pair
            System.arraycopy(g, 0, d, 0, n);
            for (int i = 0; i < stored; i++) {
                int j = Math.floorMod(newest - i, MEMORY);
                alpha[j] = rho[j] * dot(s[j], d);
                axpy(-alpha[j], y[j], d);
            }
            if (stored > 0) {
                scale(dot(s[newest], y[newest]) / dot(y[newest], y[newest]), d);
            }
            for (int i = stored - 1; i >= 0; i--) {
                int j = Math.floorMod(newest - i, MEMORY);
                double beta = rho[j] * dot(y[j], d);
                axpy(alpha[j] - beta, s[j], d);
            }
            scale(-1, d);
            double slope = dot(g, d);
            if (!(slope < 0)) { // not a descent direction (rounding): start again from the gradient
                stored = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i];
                }
                slope = dot(g, d);
                if (!(slope < 0)) {
                    return "converged: the gradient is zero";
                }
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
            double fNew = Double.NaN;
            int halvings = 0;
            while (true) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * d[i];
                }
                fNew = f.value(xNew, gNew);
                if (fNew <= fx + ARMIJO * step * slope) {
                    break;
                }
                if (++halvings > MAX_HALVINGS) {
                    return "converged: no step along the search direction lowers the objective";
                }
                step *= 0.5;
            }
            // The pair is formed aside: a rejected one must not overwrite the oldest pair still in use.
            double sy = 0;
            for (int i = 0; i < n; i++) {
                sNew[i] = xNew[i] - x[i];
                yNew[i] = gNew[i] - g[i];
                sy += sNew[i] * yNew[i];
            }
            if (sy > 1e-12 * Math.sqrt(dot(sNew, sNew) * dot(yNew, yNew))) {
                int slot = (newest + 1) % MEMORY;
                System.arraycopy(sNew, 0, s[slot], 0, n);
                System.arraycopy(yNew, 0, y[slot], 0, n);
                rho[slot] = 1 / sy;
                newest = slot;
                stored = Math.min(stored + 1, MEMORY);
            }
            double decrease = fx - fNew;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            if (!monitor.iteration(k, fx, step, x)) {
                return null;
            }
            if (decrease <= tolerance * Math.max(1, Math.abs(fx))) {
                return "converged: the objective fell by " + String.format("%.3g", decrease)
                        + " in an iteration, within the tolerance";
            }
        }
        return "reached the most iterations (" + maxIterations + ")";
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double a, double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }
}
