package org.softxent.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stratified split of rows into two parts, drawn from a seed: each class's rows are shuffled and
 * round(fraction · count) of them (at least one where the class has two or more rows) go to the
 * held-out part, so both parts keep the classes' proportions, as scikit-learn's stratified splits.
 */
public record Split(int[] kept, int[] heldOut) {
    /**
     * @param labels   [rows] in [0, classes)
     * @param fraction the held-out share, in [0, 1)
     */
    public static Split stratified(int[] labels, int classes, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("the held-out fraction must be in [0, 1), got " + fraction);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int r = 0; r < labels.length; r++) {
            byClass.get(labels[r]).add(r);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> kept = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (List<Integer> rows : byClass) {
            int[] order = rows.stream().mapToInt(Integer::intValue).toArray();
            shuffle(order, random);
            int out = fraction == 0 ? 0 : (int) Math.round(fraction * order.length);
            if (fraction > 0 && order.length >= 2) {
                out = Math.max(1, Math.min(order.length - 1, out));
            }
            for (int i = 0; i < order.length; i++) {
                (i < out ? held : kept).add(order[i]);
            }
        }
        int[] k = kept.stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] h = held.stream().mapToInt(Integer::intValue).sorted().toArray();
        return new Split(k, h);
    }

    static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The rows of x [*, cols] at the given indices. */
    public static float[] rows(float[] x, int cols, int[] indices) {
        float[] out = new float[indices.length * cols];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(x, indices[i] * cols, out, i * cols, cols);
        }
        return out;
    }

    /** The entries of labels at the given indices. */
    public static int[] rows(int[] labels, int[] indices) {
        int[] out = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            out[i] = labels[indices[i]];
        }
        return out;
    }
}
