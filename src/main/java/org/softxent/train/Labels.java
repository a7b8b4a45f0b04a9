package org.softxent.train;

import java.util.Arrays;
import java.util.Objects;
import org.softxent.ShapeMismatchException;

/**
 * Class labels: the values a data set holds, and the class index of each row. The classes are the
 * distinct values, ascending (as scikit-learn's {@code classes_}); a model keeps them and answers
 * in them.
 */
public final class Labels {
    private Labels() {
    }

    /** The distinct values of labels, ascending, and each row's index among them. */
    public record Classes(int[] values, int[] index) {
        /** How many classes. */
        public int count() {
            return values.length;
        }

        /** The index of class value {@code label}, or −1 when it is not one of these. */
        public int indexOf(int label) {
            int i = java.util.Arrays.binarySearch(values, label);
            return i >= 0 ? i : -1;
        }
    }

    /**
     * The classes of training labels [rows].
     *
     * @throws IllegalArgumentException when fewer than two classes occur, or so many that most
     *                                  classes would have a row or two (not class labels at all)
     */
    public static Classes of(int[] labels) {
        Objects.requireNonNull(labels, "labels must not be null");
        int[] sorted = labels.clone();
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        int[] values = Arrays.copyOf(sorted, distinct);
        if (distinct < 2) {
            throw new IllegalArgumentException("every one of the " + labels.length + " training rows has label "
                    + (labels.length == 0 ? "(none)" : labels[0]) + ": a classifier needs at least two classes");
        }
        if (distinct > 2 && distinct > labels.length / 2) {
            throw new IllegalArgumentException("the " + labels.length + " training rows hold " + distinct
                    + " distinct labels " + LinearModel.describeLabels(values) + ": a class needs several rows to be "
                    + "learnt; are these class labels (the right label column)?");
        }
        int[] index = new int[labels.length];
        for (int r = 0; r < labels.length; r++) {
            index[r] = Arrays.binarySearch(values, labels[r]);
        }
        return new Classes(values, index);
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

    /** How many rows each class has, for class indices labels [rows] in [0, classes). */
    public static int[] counts(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int y : labels) {
            counts[y]++;
        }
        return counts;
    }
}
