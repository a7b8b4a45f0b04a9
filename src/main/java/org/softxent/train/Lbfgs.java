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
    /** After the halvings, a step is cut by this while its objective stays above, at most MAX_SHRINKS times. */
    private static final double SHRINK = 1.0 / 64;
    private static final int MAX_SHRINKS = 30;
    /**
     * "Above": by more than this share of the objective's magnitude (at least 1), well past the
     * rounding of an objective summed in double from float terms (about 1e-7 of it).
     */
    private static final double ABOVE = 1e-5;
    /**
     * Converged: the objective fell by at most WINDOW·tolerance·max(|f|, FLOOR·|f₀|) over the last
     * WINDOW iterations together (f₀ the starting objective): tolerance·max(...) an iteration on
     * average.
     * <ul>
     * <li>Two iterations, not one: an ill-conditioned problem has iterations of little progress
     *     between ones of much, and stopping at the first of them had left a fit "converged" far
     *     above its optimum. Not five: on a well-conditioned problem the iterations past the first
     *     small fall take steps the objective's float rounding (about 1e-7 of it) steers, and an
     *     engine's model and the reference's from the same seed wandered 2e-3 apart in their
     *     probabilities there.</li>
     * <li>Relative to |f|, not to max(1, |f|): an objective of 1e-3, mostly the L2 term after a first
     *     step that overshot, had been judged by an absolute 1e-6 and stopped at twice its optimum.</li>
     * <li>An objective below FLOOR of where it started is judged as that share of the start:
     *     without an L2 term, on rows the classes tell apart, the loss falls towards 0 by a constant
     *     share an iteration, and the weights would grow until it underflowed.</li>
     * </ul>
     * With fewer iterations than WINDOW allowed, the rule never applies.
     */
    static final int WINDOW = 2;
    static final double FLOOR = 1e-4;

    /** How a search that found no lower point along its direction ends (the stop reason's start). */
    static final String NO_STEP = "converged: no step along the search direction lowers the objective";

    private Lbfgs() {
    }

    /**
     * The objective or its gradient is NaN or infinite where the search stands (the start, or an
     * accepted iterate), or the objective is NaN at a trial point: never a convergence. With
     * finite rows and weights an engine gives neither (a logit past float's range is its own
     * refusal, which the caller turns into +∞); the caller looks for the cause.
     */
    static final class NotFinite extends ArithmeticException {
        private static final long serialVersionUID = 1L;
        final int iteration;

        NotFinite(String what, int iteration) {
            this(what, iteration, "iteration");
        }

        /** {@code unit}: what the count counts ("iteration", "epoch"). */
        NotFinite(String what, int iteration, String unit) {
            super(what + (iteration == 0 ? " at the start" : " at " + unit + " " + iteration));
            this.iteration = iteration;
        }
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
        requireFinite(fx, g, 0);
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        double[] sNew = new double[n];
        double[] yNew = new double[n];
        double[] xLow = new double[n];
        double[] recent = new double[WINDOW + 1]; // the objective at the last WINDOW + 1 iterates
        recent[0] = fx;
        double floor = FLOOR * Math.abs(fx);
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
                System.arraycopy(g, 0, d, 0, n);
                scale(-1, d);
                slope = dot(g, d);
                if (!(slope < 0)) {
                    return "converged: the gradient is zero";
                }
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
            double fNew = Double.NaN;
            int halvings = 0;
            // The lowest trial that lowered the objective past its rounding without meeting the
            // Armijo condition, kept in case none meets it: where the objective is far from linear
            // (unscaled features of 1e20 and a gradient of 1e40, whose slope promises a fall no loss
            // can make) every short step may lower it and yet fall short of what the slope promises.
            double lowest = fx - ABOVE * Math.max(1, Math.abs(fx));
            double lowestStep = 0;
            while (true) {
                along(x, step, d, xNew);
                fNew = f.value(xNew, gNew);
                if (Double.isNaN(fNew)) {
                    throw new NotFinite("the objective is NaN at a trial point", k);
                }
                if (fNew <= fx + ARMIJO * step * slope) {
                    break;
                }
                if (fNew < lowest) {
                    lowest = fNew;
                    lowestStep = step;
                    System.arraycopy(xNew, 0, xLow, 0, n);
                }
                // Past the halvings, a step whose objective is still above fx by more than rounding
                // (or infinite) is orders of magnitude too long, not lost in rounding: features of
                // 1e15 or more left unscaled need steps of 1e-30 and less. Shrink it faster until it
                // lands; one that lands on fx within rounding ends the search as before.
                boolean above = !(fNew <= fx + ABOVE * Math.max(1, Math.abs(fx)));
                if (++halvings > MAX_HALVINGS && (!above || halvings > MAX_HALVINGS + MAX_SHRINKS)) {
                    if (lowestStep > 0) { // the lowest trial, though short of the Armijo condition
                        // Evaluated again, so that the last evaluation is the accepted point's, as
                        // after an Armijo step (the caller may keep what it computed there).
                        step = lowestStep;
                        System.arraycopy(xLow, 0, xNew, 0, n);
                        fNew = f.value(xNew, gNew);
                        break;
                    }
                    return NO_STEP
                            + (k == 1 ? " from the start" : "");
                }
                step *= halvings > MAX_HALVINGS ? SHRINK : 0.5;
            }
            requireFinite(fNew, gNew, k);
            // The pair is formed aside: a rejected one must not overwrite the oldest pair still in use.
            double sy = pair(x, xNew, g, gNew, sNew, yNew);
            if (sy > 1e-12 * Math.sqrt(dot(sNew, sNew) * dot(yNew, yNew))) {
                int slot = (newest + 1) % MEMORY;
                System.arraycopy(sNew, 0, s[slot], 0, n);
                System.arraycopy(yNew, 0, y[slot], 0, n);
                rho[slot] = 1 / sy;
                newest = slot;
                stored = Math.min(stored + 1, MEMORY);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            recent[k % (WINDOW + 1)] = fx;
            if (!monitor.iteration(k, fx, step, x)) {
                return null;
            }
            double fall = k >= WINDOW ? recent[(k - WINDOW) % (WINDOW + 1)] - fx : Double.POSITIVE_INFINITY;
            double scale = Math.max(Math.abs(fx), floor);
            if (fall <= WINDOW * tolerance * scale) {
                return "converged: the objective fell by " + String.format(java.util.Locale.ROOT, "%.3g", fall)
                        + (scale > 0 ? " (" + String.format(java.util.Locale.ROOT, "%.2g", fall / scale) + " of "
                        + (scale > Math.abs(fx) ? FLOOR + " of its start" : "it") + ")" : "") + " over "
                        + WINDOW + " iterations, within the tolerance";
            }
        }
        return "reached the most iterations (" + maxIterations + ")";
    }

    // The loops over the n coefficients live in these small methods, not in minimize's body: a loop
    // of minimize's own (7,850 coefficients a trial) would have the JIT compile all of minimize, a
    // large method run once, on-stack (measured: 0.35 s of C2's time, twice over, in a 100-iteration
    // train of 60,000 × 784 × 10, on a 2-core machine whose other core was computing).

    /** Throws {@link NotFinite} unless f and every element of g are finite. */
    private static void requireFinite(double f, double[] g, int k) {
        if (!Double.isFinite(f)) {
            throw new NotFinite("the objective is " + f, k);
        }
        for (double v : g) {
            if (!Double.isFinite(v)) {
                throw new NotFinite("the objective's gradient holds " + v, k);
            }
        }
    }

    /** xNew = x + step·d. */
    private static void along(double[] x, double step, double[] d, double[] xNew) {
        for (int i = 0; i < x.length; i++) {
            xNew[i] = x[i] + step * d[i];
        }
    }

    /** s = xNew − x, y = gNew − g; returns s·y, summed in index order. */
    private static double pair(double[] x, double[] xNew, double[] g, double[] gNew, double[] s, double[] y) {
        double sy = 0;
        for (int i = 0; i < x.length; i++) {
            s[i] = xNew[i] - x[i];
            y[i] = gNew[i] - g[i];
            sy += s[i] * y[i];
        }
        return sy;
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
