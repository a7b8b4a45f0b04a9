package org.softxent.train;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.softxent.io.RowSource;

/**
 * The feature scaling learnt from the training rows: x_q → (x_q − mean_q) / scale_q with the mean
 * and the population standard deviation (as scikit-learn's StandardScaler and Spark's, which keep
 * a constant feature's scale at 1), or the identity when standardisation is off. Refuses a
 * training set whose every feature is constant: there is nothing to learn from it.
 *
 * <p>Two passes over the rows, row by row (the rows are contiguous), in blocks on the fork/join
 * pool whose sums are added in block order: the same bits whatever the thread count.
 */
record Scaling(float[] mean, float[] scale, int[] constant) {
    /** Rows per block of the passes. */
    static final int BLOCK_ROWS = 2048;

    /** The statistics of the rows {@code kept} of x [rows, features]. */
    static Scaling of(float[] x, int rows, int features, int[] kept, boolean standardize) {
        return of(RowSource.of(x, rows, features), kept, standardize);
    }

    /**
     * The statistics of the rows {@code kept} (ascending) of x, read block by block: a mapped file
     * is read twice and never copied whole.
     */
    static Scaling of(RowSource x, int[] kept, boolean standardize) {
        int features = x.features();
        int blocks = (kept.length + BLOCK_ROWS - 1) / BLOCK_ROWS;
        // Pass 1: sums, minima and maxima (a feature is constant when its minimum is its maximum).
        List<double[]> first = IntStream.range(0, blocks).parallel().mapToObj(k -> {
            double[] part = new double[3 * features]; // sum, min, max
            for (int q = 0; q < features; q++) {
                part[features + q] = Double.POSITIVE_INFINITY;
                part[2 * features + q] = Double.NEGATIVE_INFINITY;
            }
            int from = k * BLOCK_ROWS;
            int end = Math.min(kept.length, from + BLOCK_ROWS);
            float[] rows = block(x, kept, from, end);
            for (int i = 0; i < end - from; i++) {
                int base = i * features;
                for (int q = 0; q < features; q++) {
                    float v = rows[base + q];
                    part[q] += v;
                    part[features + q] = Math.min(part[features + q], v);
                    part[2 * features + q] = Math.max(part[2 * features + q], v);
                }
            }
            return part;
        }).toList();
        double[] sum = new double[features];
        double[] min = new double[features];
        double[] max = new double[features];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (double[] part : first) {
            for (int q = 0; q < features; q++) {
                sum[q] += part[q];
                min[q] = Math.min(min[q], part[features + q]);
                max[q] = Math.max(max[q], part[2 * features + q]);
            }
        }
        double[] m = new double[features];
        for (int q = 0; q < features; q++) {
            m[q] = sum[q] / kept.length;
        }
        // Pass 2: the squared deviations from the mean (not Σx² − n·m²: no cancellation).
        double[] squares = new double[features];
        if (standardize) {
            List<double[]> second = IntStream.range(0, blocks).parallel().mapToObj(k -> {
                double[] part = new double[features];
                int from = k * BLOCK_ROWS;
                int end = Math.min(kept.length, from + BLOCK_ROWS);
                float[] rows = block(x, kept, from, end);
                for (int i = 0; i < end - from; i++) {
                    int base = i * features;
                    for (int q = 0; q < features; q++) {
                        double d = rows[base + q] - m[q];
                        part[q] += d * d;
                    }
                }
                return part;
            }).toList();
            for (double[] part : second) {
                for (int q = 0; q < features; q++) {
                    squares[q] += part[q];
                }
            }
        }
        float[] mean = new float[features];
        float[] scale = new float[features];
        List<Integer> constant = new ArrayList<>();
        for (int q = 0; q < features; q++) {
            boolean same = min[q] == max[q];
            if (same) {
                constant.add(q);
            }
            double sd = Math.sqrt(squares[q] / kept.length);
            mean[q] = standardize ? (float) m[q] : 0f;
            scale[q] = standardize && !same && sd > 0 && Double.isFinite(sd) ? (float) sd : 1f;
        }
        if (constant.size() == features) {
            throw new IllegalArgumentException("every feature is constant over the " + kept.length
                    + " training rows: there is nothing to learn from");
        }
        return new Scaling(mean, scale, constant.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Rows kept[from, to) of x, this thread's buffer. */
    private static float[] block(RowSource x, int[] kept, int from, int to) {
        float[] rows = BLOCK.get();
        int need = (to - from) * x.features();
        if (rows.length < need) {
            rows = new float[need];
            BLOCK.set(rows);
        }
        x.gather(kept, from, to, rows);
        return rows;
    }

    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[0]);

    /** (x − mean) / scale for x [rows, features], in a new array. */
    float[] apply(float[] x, int features) {
        int rows = x.length / features;
        int[] all = new int[rows];
        java.util.Arrays.setAll(all, i -> i);
        return apply(RowSource.of(x, rows, features), all);
    }

    /** (x − mean) / scale of the rows {@code indices} of x [*, features], in a new array [indices, features]. */
    float[] apply(float[] x, int features, int[] indices) {
        return apply(RowSource.of(x, x.length / features, features), indices);
    }

    /**
     * (x − mean) / scale of the rows {@code indices} (ascending) of x, in a new array [indices,
     * features]: each block read straight into its place and scaled there, one pass.
     */
    float[] apply(RowSource x, int[] indices) {
        int features = x.features();
        float[] out = new float[Math.multiplyExact(indices.length, features)];
        int blocks = (indices.length + BLOCK_ROWS - 1) / BLOCK_ROWS;
        IntStream.range(0, blocks).parallel().forEach(k -> {
            int from = k * BLOCK_ROWS;
            int end = Math.min(indices.length, from + BLOCK_ROWS);
            float[] rows = block(x, indices, from, end);
            for (int i = 0; i < end - from; i++) {
                int to = (from + i) * features;
                for (int q = 0; q < features; q++) {
                    out[to + q] = (rows[i * features + q] - mean[q]) / scale[q];
                }
            }
        });
        return out;
    }

    /** The first NaN or infinity of x as "name[row, column] = value: ...", or null; in parallel. */
    static String firstNonFinite(String name, RowSource x) {
        if (x.knownFinite()) {
            return null;
        }
        int features = x.features();
        int rows = (int) x.rows();
        int blocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        long bad = IntStream.range(0, blocks).parallel().mapToLong(k -> {
            int from = k * BLOCK_ROWS;
            int end = Math.min(rows, from + BLOCK_ROWS);
            float[] buffer = BLOCK.get();
            if (buffer.length < (end - from) * features) {
                buffer = new float[(end - from) * features];
                BLOCK.set(buffer);
            }
            x.read(from, end - from, buffer, 0);
            for (int i = 0; i < (end - from) * features; i++) {
                if (!Float.isFinite(buffer[i])) {
                    return (long) from * features + i;
                }
            }
            return Long.MAX_VALUE;
        }).min().orElse(Long.MAX_VALUE);
        if (bad == Long.MAX_VALUE) {
            return null;
        }
        int row = (int) (bad / features);
        int column = (int) (bad % features);
        float[] one = new float[features];
        x.read(row, 1, one, 0);
        return name + "[" + row + ", " + column + "] = " + one[column] + ": features must be finite";
    }
}
