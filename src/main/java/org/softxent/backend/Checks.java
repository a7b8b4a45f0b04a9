package org.softxent.backend;

import java.util.Objects;
import org.softxent.ShapeMismatchException;

/**
 * Argument checks shared by the public API and the backends, so that every path reports the same
 * problem with the same words: the argument's name, the shape expected and what was found.
 */
public final class Checks {
    private Checks() {
    }

    /** Throws a NullPointerException naming {@code name} when {@code value} is null. */
    public static <T> T requireNonNull(String name, T value) {
        return Objects.requireNonNull(value, () -> name + " must not be null");
    }

    /** Requires {@code value ≥ 1}: an empty batch or zero classes is an error, not a no-op. */
    public static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    /**
     * Requires {@code array.length == rows × cols}, and that product to fit a Java array.
     *
     * @throws ShapeMismatchException naming the array, the expected shape and the length found
     */
    public static void requireShape(String name, float[] array, int rows, int cols) {
        requireNonNull(name, array);
        long expected = (long) rows * cols;
        if (array.length != expected) {
            throw new ShapeMismatchException(name + " must hold rows × cols = " + rows + " × " + cols + " = "
                    + expected + " floats, but its length is " + array.length);
        }
    }

    /** Requires {@code array.length == length} for a vector argument. */
    public static void requireLength(String name, float[] array, int length, String what) {
        requireNonNull(name, array);
        if (array.length != length) {
            throw new ShapeMismatchException(name + " must have length " + what + " = " + length
                    + ", but its length is " + array.length);
        }
    }

    /** As {@link #requireLength(String, float[], int, String)} for integer labels. */
    public static void requireLength(String name, int[] array, int length, String what) {
        requireNonNull(name, array);
        if (array.length != length) {
            throw new ShapeMismatchException(name + " must have length " + what + " = " + length
                    + ", but its length is " + array.length);
        }
    }

    /**
     * Requires every label in [0, classes), except those equal to {@code ignoreIndex}.
     *
     * @throws IllegalArgumentException naming the first bad label, its row and the valid range
     */
    public static void requireLabels(String name, int[] labels, int classes, int ignoreIndex) {
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if ((y < 0 || y >= classes) && y != ignoreIndex) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + y + " is outside [0, " + classes
                        + ") and is not the ignore index (" + ignoreIndex + ")");
            }
        }
    }

    /**
     * Requires row weights, when given: one per row, each finite and ≥ 0, and for a mean some of
     * them above 0 (a mean over no weight is undefined).
     *
     * @throws org.softxent.ShapeMismatchException when their number is not rows
     * @throws IllegalArgumentException naming the first bad weight and its row, or the zero total
     */
    public static void requireRowWeights(String name, float[] weights, int rows, boolean mean) {
        requireRowWeights(name, weights, rows, mean, null, 0);
    }

    /**
     * {@link #requireRowWeights(String, float[], int, boolean)} for rows with labels, some perhaps
     * ignored (labels[i] == ignoreIndex): for a mean, some row not ignored must weigh above 0 (its
     * divisor sums the weights of those rows only), unless every row is ignored (then, as PyTorch's
     * mean over no row, the loss is NaN and the gradients 0).
     */
    public static void requireRowWeights(String name, float[] weights, int rows, boolean mean, int[] labels,
                                        int ignoreIndex) {
        if (weights == null) {
            return;
        }
        if (weights.length != rows) {
            throw new org.softxent.ShapeMismatchException(name + " must hold one weight per row, rows = " + rows
                    + ", got " + weights.length);
        }
        for (int i = 0; i < rows; i++) {
            float r = weights[i];
            if (!(r >= 0.0f && r < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + r + ": a row weight must be finite and >= 0");
            }
        }
        if (mean) {
            boolean any = false;
            boolean counted = false; // a row not ignored
            for (int i = 0; i < rows && !any; i++) {
                boolean ignored = labels != null && labels[i] == ignoreIndex;
                counted |= !ignored;
                any = !ignored && weights[i] > 0.0f;
            }
            if (!any && (labels == null || counted)) {
                throw new IllegalArgumentException(labels == null || !anyIgnored(labels, rows, ignoreIndex)
                        ? "every one of the " + rows + " " + name + " is 0: the mean over no weight is undefined "
                                + "(use reduction sum)"
                        : "every row not ignored (label != ignoreIndex " + ignoreIndex + ") has " + name + " 0: the "
                                + "mean over no weight is undefined (use reduction sum)");
            }
        }
    }

    private static boolean anyIgnored(int[] labels, int rows, int ignoreIndex) {
        for (int i = 0; i < rows; i++) {
            if (labels[i] == ignoreIndex) {
                return true;
            }
        }
        return false;
    }

    /** Requires every entry to be finite (no NaN, no ±infinity). */
    public static void requireFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + values[i] + ": it must be finite");
            }
        }
    }

    /**
     * The error for a non-finite entry found in a [rows, cols] array.
     *
     * @param maskAllowed whether −inf is allowed there (a masked class), which the message then says
     */
    public static IllegalArgumentException nonFinite(String name, long flatIndex, int cols, float value,
                                                     boolean maskAllowed) {
        long row = flatIndex / cols;
        long col = flatIndex % cols;
        String rule = maskAllowed ? "it must be finite, or -inf for a masked class" : "it must be finite";
        return new IllegalArgumentException(name + "[" + row + ", " + col + "] is " + value + ": " + rule);
    }

    /**
     * Requires distinct output arrays: an output may not also be an input or another output. The
     * first {@code inputs} of the arrays are inputs, which are only read, so two of them may be one
     * array (the backward pass of ½Σp² takes p as both probs and gradProbs).
     */
    public static void requireDistinct(String[] names, Object[] arrays, int inputs) {
        for (int i = 0; i < arrays.length; i++) {
            for (int j = Math.max(i + 1, inputs); j < arrays.length; j++) {
                if (arrays[i] != null && arrays[i] == arrays[j]) {
                    throw new IllegalArgumentException(names[i] + " and " + names[j]
                            + " are the same array: outputs must not share storage with inputs or other outputs");
                }
            }
        }
    }
}
