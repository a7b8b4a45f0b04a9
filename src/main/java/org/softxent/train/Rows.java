package org.softxent.train;

import java.util.Objects;
import org.softxent.ShapeMismatchException;

/**
 * Labelled rows for training or evaluation: features x [rows, features], row-major, and labels
 * [rows], the class values (any integers; the classes are the distinct values). The arrays are
 * held, not copied, and never modified.
 */
public record Rows(float[] x, int[] labels, int rows, int features) {
    /**
     * @throws ShapeMismatchException when the arrays' lengths disagree with rows and features
     * @throws IllegalArgumentException when rows or features is below 1
     */
    public Rows {
        Objects.requireNonNull(x, "x must not be null");
        Objects.requireNonNull(labels, "labels must not be null");
        if (rows < 1 || features < 1) {
            throw new IllegalArgumentException("rows and features must be at least 1, got rows " + rows
                    + ", features " + features);
        }
        if ((long) rows * features != x.length) {
            throw new ShapeMismatchException("x must hold rows × features = " + rows + " × " + features + " = "
                    + (long) rows * features + " floats, got " + x.length);
        }
        if (labels.length != rows) {
            throw new ShapeMismatchException("labels must hold rows = " + rows + " ints, got " + labels.length);
        }
    }
}
