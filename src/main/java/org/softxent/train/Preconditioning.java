package org.softxent.train;

/**
 * The variables L-BFGS moves when the rows are left unstandardised (or are standardised but the L2
 * term is strong: {@link #of}): z, with the weights
 * W[q][c] = s_q·z[q][c] and the intercepts b[c] = z_b[c] − Σ_q m_q·W[q][c], where m_q is feature q's
 * mean over the training rows and s_q = 1 / √(v_q + 8·l2) from its variance v_q (0 for a constant
 * feature: its weight stays 0). In z the problem
 * is shaped as if the rows were centred and scaled, without a copy of them and without changing the
 * objective: the engine still computes it on the rows as given, at the (W, b) of each z, and the L2
 * term stays on W, the model's own weights.
 *
 * <p>Why: a feature far from 0 (a mean of 50, a spread of 0.015) is nearly the intercept's own
 * column, and features of spreads 1e-2 to 1e3 side by side give curvatures 1e10 apart; on such
 * rows L-BFGS crawled, and stopped 31 % above the optimum of a 3-class fit of 5 features. In z
 * both are undone: m_q·W moves into the intercept, and s_q brings each feature's curvature (about
 * v_q/4 of a logistic loss, plus 2·l2) near the intercept's (1/4). A linear change of variables
 * is the same as starting L-BFGS's inverse Hessian at a matrix other than the identity: the
 * minimum, and the model at it, are those of the documented objective.
 *
 * <p>Parameters are [W (features × outputs, row-major), b (outputs)], as the trainer's.
 */
final class Preconditioning {
    private final int features;
    private final int outputs;
    private final double[] mean;
    private final double[] spread;

    private Preconditioning(int features, int outputs, double[] mean, double[] spread) {
        this.features = features;
        this.outputs = outputs;
        this.mean = mean;
        this.spread = spread;
    }

    /**
     * Standardised rows need no change of variables while 8·l2 is at most this: the weights'
     * curvature (at most about 1/4 + 2·l2) then stays within twice the intercepts' (1/4), which
     * L-BFGS takes in its stride, and the usual fits (l2 of 1e-3 and less) keep their iterates.
     */
    static final double STRONG_L2 = 1.0;

    /**
     * For rows left as they are: from the kept rows' mean and variance. For standardised rows
     * (mean 0, variance 1), only under a strong L2 term (8·l2 above {@value #STRONG_L2}): each
     * weight's curvature is then about 1/4 + 2·l2 against the intercepts' 1/4, and s = 1/√(1 + 8·l2)
     * brings them together (at l2 = 1e5 they were 1e6 apart, and L-BFGS stopped with the intercepts
     * near 0, far from the classes' log shares the optimum holds). Null where nothing is to change.
     */
    static Preconditioning of(Scaling scaling, boolean standardize, double l2, int outputs) {
        if (standardize) {
            if (!(8 * l2 > STRONG_L2)) {
                return null; // centred and scaled already, the weights' curvature near the intercepts'
            }
            int features = scaling.rowMean().length;
            double[] spread = new double[features];
            java.util.Arrays.fill(spread, 1 / Math.sqrt(1 + 8 * l2));
            for (int q : scaling.constant()) {
                spread[q] = 0; // standardised to 0 everywhere: its weight moves nothing
            }
            return new Preconditioning(features, outputs, new double[features], spread);
        }
        int features = scaling.rowMean().length;
        double[] spread = new double[features];
        for (int q = 0; q < features; q++) {
            // At most 1e15: a feature of subnormal values without an L2 term would take 1e161.
            spread[q] = 1 / Math.sqrt(Math.max(scaling.rowVariance()[q] + 8 * l2, 1e-30));
        }
        for (int q : scaling.constant()) {
            // A constant feature is the intercept's own column: its weight moves nothing but b, which
            // the L2 term keeps at 0 (and without one, no prediction). Held at 0, so that float noise
            // in its gradient (exactly 0 otherwise) is no step, and mean·W no overflow.
            spread[q] = 0;
        }
        return new Preconditioning(features, outputs, scaling.rowMean().clone(), spread);
    }

    /** theta ← the parameters [W, b] at z. */
    void parameters(double[] z, double[] theta) {
        int size = features * outputs;
        for (int c = 0; c < outputs; c++) {
            theta[size + c] = z[size + c];
        }
        for (int q = 0; q < features; q++) {
            for (int c = 0; c < outputs; c++) {
                int i = q * outputs + c;
                theta[i] = spread[q] * z[i];
                theta[size + c] -= mean[q] * theta[i];
            }
        }
    }

    /** gz ← the gradient in z of a function whose gradient in [W, b] is g (the chain rule). */
    void gradient(double[] g, double[] gz) {
        int size = features * outputs;
        for (int q = 0; q < features; q++) {
            for (int c = 0; c < outputs; c++) {
                int i = q * outputs + c;
                gz[i] = spread[q] * (g[i] - mean[q] * g[size + c]);
            }
        }
        System.arraycopy(g, size, gz, size, outputs);
    }
}
