package org.softxent.spark;

/**
 * MLlib's binomial {@code threshold} t as Spark's {@code thresholds} [1 − t, t]: Spark predicts the
 * class of the largest p_k / t_k, and p₁ / t > p₀ / (1 − t) is p₁ > t, so both predict alike.
 */
final class Thresholds {
    private Thresholds() {
    }

    static double[] of(double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        return new double[] {1 - threshold, threshold};
    }

    /**
     * t from thresholds [t₀, t₁] (MLlib's 1 / (1 + t₀ / t₁)); 0.5 for none. Thresholds that
     * {@link #of} made give back t exactly: (1 − t) + t is 1.0 in double for every t in [0, 1]
     * (1 − t rounds by at most half an ulp below 1, and the sum rounds back), so t₁ is returned as
     * it is where t₀ + t₁ == 1.
     */
    static double threshold(double[] thresholds) {
        if (thresholds == null) {
            return 0.5;
        }
        if (thresholds.length != 2) {
            throw new IllegalArgumentException("threshold applies to two classes, but thresholds has length "
                    + thresholds.length + ": " + java.util.Arrays.toString(thresholds));
        }
        return thresholds[0] + thresholds[1] == 1.0 ? thresholds[1] : 1.0 / (1.0 + thresholds[0] / thresholds[1]);
    }
}
