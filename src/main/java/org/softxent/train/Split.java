package org.softxent.train;

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
        // Each class's rows in ascending order, one class after another (a counting sort), in plain
        // int arrays: about 9 bytes a row (boxed lists took over 50, the most of a streamed
        // training's heap for millions of rows).
        int n = labels.length;
        int[] first = new int[classes + 1];
        for (int label : labels) {
            first[label + 1]++;
        }
        for (int c = 0; c < classes; c++) {
            first[c + 1] += first[c];
        }
        int[] byClass = new int[n];
        int[] next = java.util.Arrays.copyOf(first, classes);
        for (int r = 0; r < n; r++) {
            byClass[next[labels[r]]++] = r;
        }
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] held = new boolean[n];
        int heldCount = 0;
        for (int c = 0; c < classes; c++) {
            int from = first[c];
            int count = first[c + 1] - from;
            shuffle(byClass, from, count, random);
            int out = fraction == 0 ? 0 : (int) Math.round(fraction * count);
            if (fraction > 0 && count >= 2) {
                out = Math.max(1, Math.min(count - 1, out));
            }
            for (int i = 0; i < out; i++) {
                held[byClass[from + i]] = true;
            }
            heldCount += out;
        }
        int[] k = new int[n - heldCount];
        int[] h = new int[heldCount];
        for (int r = 0, ik = 0, ih = 0; r < n; r++) {
            if (held[r]) {
                h[ih++] = r;
            } else {
                k[ik++] = r;
            }
        }
        return new Split(k, h);
    }

    /** {@link #shuffle(int[], SplittableRandom)} of a[from, from + count), the same draws. */
    private static void shuffle(int[] a, int from, int count, SplittableRandom random) {
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[from + i];
            a[from + i] = a[from + j];
            a[from + j] = t;
        }
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
