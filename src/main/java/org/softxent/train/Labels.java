package org.softxent.train;

import java.util.Objects;
import org.softxent.ShapeMismatchException;

/** Checks of integer class labels, shared by training and evaluation. */
final class Labels {
    private Labels() {
    }

    /** labels [rows], each in [0, classes). */
    static void check(int[] labels, int rows, int classes) {
        Objects.requireNonNull(labels, "labels must not be null");
        if (labels.length != rows) {
            throw new ShapeMismatchException("labels must hold rows = " + rows + " ints, got " + labels.length);
        }
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] >= classes) {
                throw new IllegalArgumentException("labels[" + r + "] = " + labels[r] + " is outside [0, " + classes
                        + "): the model has " + classes + " classes");
            }
        }
    }

    /**
     * The number of classes of training labels: 1 + the largest, after checking each is ≥ 0 and
     * that at least two classes occur.
     */
    static int classes(int[] labels) {
        int max = -1;
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0) {
                throw new IllegalArgumentException("labels[" + r + "] = " + labels[r]
                        + ": class labels must be integers 0, 1, 2, ...");
            }
            max = Math.max(max, labels[r]);
        }
        for (int label : labels) {
            if (label != labels[0]) {
                return max + 1;
            }
        }
        throw new IllegalArgumentException("every one of the " + labels.length + " training rows has label "
                + labels[0] + ": a classifier needs at least two classes");
    }

    /** How many rows each class has. */
    static int[] counts(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int y : labels) {
            counts[y]++;
        }
        return counts;
    }
}
