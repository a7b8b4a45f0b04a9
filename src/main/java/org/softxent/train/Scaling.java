package org.softxent.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The feature scaling learnt from the training rows: x_q → (x_q − mean_q) / scale_q with the mean
 * and the population standard deviation (as scikit-learn's StandardScaler and Spark's, which keep
 * a constant feature's scale at 1), or the identity when standardisation is off. Refuses a
 * training set whose every feature is constant: there is nothing to learn from it.
 */
record Scaling(float[] mean, float[] scale, int[] constant) {
    static Scaling of(float[] x, int rows, int features, int[] kept, boolean standardize) {
        double[] sum = new double[features];
        for (int r : kept) {
            for (int q = 0; q < features; q++) {
                sum[q] += x[r * features + q];
            }
        }
        float[] mean = new float[features];
        float[] scale = new float[features];
        List<Integer> constant = new ArrayList<>();
        for (int q = 0; q < features; q++) {
            double m = sum[q] / kept.length;
            double squares = 0;
            float first = x[kept[0] * features + q];
            boolean same = true;
            for (int r : kept) {
                double v = x[r * features + q] - m;
                squares += v * v;
                same &= x[r * features + q] == first;
            }
            double sd = Math.sqrt(squares / kept.length);
            if (same) {
                constant.add(q);
            }
            mean[q] = standardize ? (float) m : 0f;
            scale[q] = standardize && !same && sd > 0 && Double.isFinite(sd) ? (float) sd : 1f;
        }
        if (constant.size() == features) {
            throw new IllegalArgumentException("every feature is constant over the " + kept.length
                    + " training rows: there is nothing to learn from");
        }
        return new Scaling(mean, scale, constant.stream().mapToInt(Integer::intValue).toArray());
    }

    /** (x − mean) / scale for x [rows, features], in a new array. */
    float[] apply(float[] x, int features) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int q = i % features;
            out[i] = (x[i] - mean[q]) / scale[q];
        }
        return out;
    }
}
