package org.softxent.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Training rows packed once into a dense float block, row-major [rows, features], as softxent's
 * classifiers take them: the features already centred by the mean and scaled by 1/std (without an
 * intercept the centring is undone in the logits: {@link Setup#scaledMean}), the labels as class
 * indices (multinomial) or float targets (binomial), and each row's instance weight over the mean
 * weight (as a float, like the features), which the classifier applies in its fused pass: one call
 * per block whatever the weights.
 */
final class Block implements Serializable {
    private static final long serialVersionUID = 3L;

    final int rows;
    final float[] x;
    final int[] labels;
    final float[] targets;
    /** [rows] each row's weight, or null when every row's is 1 (the usual case: no weight column). */
    final float[] weights;

    private Block(int rows, float[] x, int[] labels, float[] targets, float[] weights) {
        this.rows = rows;
        this.x = x;
        this.labels = labels;
        this.targets = targets;
        this.weights = weights;
    }

    /**
     * Packs one partition's rows (label, weight, features) into blocks of at most
     * {@code setup.blockRows} rows, in their order (weight 0 dropped). For the binomial family the
     * class weights are folded into the row weight here.
     */
    static Iterator<Block> pack(Iterator<Row> rows, Setup setup) {
        List<Block> blocks = new ArrayList<>();
        Builder b = null;
        while (rows.hasNext()) {
            Row r = rows.next();
            double label = r.getDouble(0);
            double weight = r.getDouble(1);
            int y = (int) label;
            if (!setup.multinomial && setup.classWeights != null) {
                weight *= setup.classWeights[y];
            }
            if (weight == 0) {
                continue;
            }
            if (b == null) {
                b = new Builder(setup);
            }
            b.add((Vector) r.get(2), y, weight);
            if (b.rows == setup.blockRows) {
                blocks.add(b.build());
                b = null;
            }
        }
        if (b != null) {
            blocks.add(b.build());
        }
        return blocks.iterator();
    }

    private static final class Builder {
        final Setup setup;
        int rows;
        float[] x;
        int[] labels;
        /** Null while every row's weight is 1. */
        float[] weights;

        Builder(Setup setup) {
            this.setup = setup;
            // Start small and double: a partition may hold few rows.
            x = new float[setup.features];
            labels = new int[1];
        }

        void add(Vector v, int y, double weight) {
            int f = setup.features;
            if (rows == labels.length) {
                int capacity = (int) Math.min((long) setup.blockRows, Math.max(1L, 2L * rows));
                x = java.util.Arrays.copyOf(x, capacity * f);
                labels = java.util.Arrays.copyOf(labels, capacity);
                if (weights != null) {
                    weights = java.util.Arrays.copyOf(weights, capacity);
                }
            }
            double relative = weight / setup.weightScale;
            if (!(relative <= Float.MAX_VALUE)) {
                throw new IllegalArgumentException("a row's weight " + weight + (!setup.multinomial
                        && setup.classWeights != null ? " (its weightCol value times its class weight)" : "") + " is "
                        + relative + " times the mean weight, beyond float's range, which softxent's engines "
                        + "compute in");
            }
            weight = relative;
            if (weight != 1.0 && weights == null) {
                weights = new float[labels.length];
                java.util.Arrays.fill(weights, 0, rows, 1.0f);
            }
            int off = rows * f;
            double[] mean = setup.mean;
            double[] inverseStd = setup.inverseStd;
            for (int j = 0; j < f; j++) {
                double value = v.apply(j);
                float scaled = (float) ((value - mean[j]) * inverseStd[j]);
                if (!Float.isFinite(scaled)) {
                    // The driver checked every value finite; scaled, a double can still pass float's range.
                    throw new IllegalArgumentException("feature " + j + " = " + value + " scales to " + scaled
                            + " (beyond float's range, which softxent's engines compute in)");
                }
                x[off + j] = scaled;
            }
            labels[rows] = y;
            if (weights != null) {
                weights[rows] = (float) weight;
            }
            rows++;
        }

        Block build() {
            float[] xs = java.util.Arrays.copyOf(x, rows * setup.features);
            int[] ys = java.util.Arrays.copyOf(labels, rows);
            float[] ws = weights == null ? null : java.util.Arrays.copyOf(weights, rows);
            if (setup.multinomial) {
                return new Block(rows, xs, ys, null, ws);
            }
            float[] t = new float[rows];
            double eps = setup.labelSmoothing;
            for (int i = 0; i < rows; i++) {
                // Label smoothing with two classes: the target is y·(1 − ε) + ε/2.
                t[i] = (float) (ys[i] * (1 - eps) + eps / 2);
            }
            return new Block(rows, xs, null, t, ws);
        }
    }
}
