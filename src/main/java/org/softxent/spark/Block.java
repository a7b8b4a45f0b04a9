package org.softxent.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Training rows packed once into a dense float block, row-major [rows, features], as softxent's
 * classifiers take them: the features already scaled by 1/std (and centred by the mean when the
 * intercept is fitted), the labels as class indices (multinomial) or float targets (binomial).
 * Every row of a block has the same instance weight, so that one classifier call per block is exact:
 * the block's loss and gradients are scaled by its weight. Uniform weights give full blocks; many
 * distinct weights give many small blocks (one call each), exact but slower.
 */
final class Block implements Serializable {
    private static final long serialVersionUID = 1L;

    final double weight;
    final int rows;
    final float[] x;
    final int[] labels;
    final float[] targets;

    private Block(double weight, int rows, float[] x, int[] labels, float[] targets) {
        this.weight = weight;
        this.rows = rows;
        this.x = x;
        this.labels = labels;
        this.targets = targets;
    }

    /**
     * Packs one partition's rows (label, weight, features) into blocks of at most
     * {@code setup.blockRows} rows, grouping rows of equal weight (weight 0 dropped). For the binomial
     * family the class weights are folded into the row weight here.
     */
    static Iterator<Block> pack(Iterator<Row> rows, Setup setup) {
        TreeMap<Double, Builder> open = new TreeMap<>();
        List<Block> blocks = new ArrayList<>();
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
            Builder b = open.computeIfAbsent(weight, w -> new Builder(w, setup));
            b.add((Vector) r.get(2), y);
            if (b.rows == setup.blockRows) {
                blocks.add(b.build());
                open.remove(weight);
            }
        }
        for (Builder b : open.values()) {
            blocks.add(b.build());
        }
        return blocks.iterator();
    }

    private static final class Builder {
        final double weight;
        final Setup setup;
        int rows;
        float[] x;
        int[] labels;

        Builder(double weight, Setup setup) {
            this.weight = weight;
            this.setup = setup;
            // Start at one row and double: with many distinct weights there are many builders.
            x = new float[setup.features];
            labels = new int[1];
        }

        void add(Vector v, int y) {
            int f = setup.features;
            if (rows == labels.length) {
                int capacity = (int) Math.min((long) setup.blockRows, Math.max(1L, 2L * rows));
                x = java.util.Arrays.copyOf(x, capacity * f);
                labels = java.util.Arrays.copyOf(labels, capacity);
            }
            int off = rows * f;
            double[] mean = setup.mean;
            double[] inverseStd = setup.inverseStd;
            for (int j = 0; j < f; j++) {
                double value = v.apply(j);
                x[off + j] = (float) ((mean != null ? value - mean[j] : value) * inverseStd[j]);
            }
            labels[rows] = y;
            rows++;
        }

        Block build() {
            float[] xs = java.util.Arrays.copyOf(x, rows * setup.features);
            int[] ys = java.util.Arrays.copyOf(labels, rows);
            if (setup.multinomial) {
                return new Block(weight, rows, xs, ys, null);
            }
            float[] t = new float[rows];
            double eps = setup.labelSmoothing;
            for (int i = 0; i < rows; i++) {
                // Label smoothing with two classes: the target is y·(1 − ε) + ε/2.
                t[i] = (float) (ys[i] * (1 - eps) + eps / 2);
            }
            return new Block(weight, rows, xs, null, t);
        }
    }
}
