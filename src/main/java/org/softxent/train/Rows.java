package org.softxent.train;

import java.util.Objects;
import org.softxent.ShapeMismatchException;
import org.softxent.io.RowSource;

/**
 * Labelled rows for training or evaluation: features [rows, features] and labels [rows], the class
 * values (any integers; the classes are the distinct values). The features come from a
 * {@link RowSource}: an array in memory, or a file read in pieces (a .npy of any dtype through
 * memory maps, a CSV's parsed blocks), so that a data set need not be copied whole before its
 * first use. Arrays are held, not copied, and not modified (unless a
 * training's {@link TrainingOptions#withInPlace inPlace} allows it).
 */
public final class Rows {
    private final RowSource x;
    private final int[] labels;

    /** Rows in memory: x [rows, features], row-major. */
    public Rows(float[] x, int[] labels, int rows, int features) {
        this(source(x, rows, features), labels);
    }

    /**
     * Rows read from {@code x}, one label per row.
     *
     * @throws ShapeMismatchException when the labels do not number the rows
     */
    public Rows(RowSource x, int[] labels) {
        this.x = Objects.requireNonNull(x, "x must not be null");
        this.labels = Objects.requireNonNull(labels, "labels must not be null");
        if (x.rows() < 1 || x.features() < 1) {
            throw new IllegalArgumentException("rows and features must be at least 1, got rows " + x.rows()
                    + ", features " + x.features());
        }
        if (x.rows() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(x.rows() + " rows: more than one labels array numbers");
        }
        if (labels.length != x.rows()) {
            throw new ShapeMismatchException("labels must hold rows = " + x.rows() + " ints, got " + labels.length);
        }
    }

    private static RowSource source(float[] x, int rows, int features) {
        Objects.requireNonNull(x, "x must not be null");
        if (rows < 1 || features < 1) {
            throw new IllegalArgumentException("rows and features must be at least 1, got rows " + rows
                    + ", features " + features);
        }
        if ((long) rows * features != x.length) {
            throw new ShapeMismatchException("x must hold rows × features = " + rows + " × " + features + " = "
                    + (long) rows * features + " floats, got " + x.length);
        }
        return RowSource.of(x, rows, features);
    }

    /** The features. */
    public RowSource source() {
        return x;
    }

    /** The labels, the class values (the array itself). */
    public int[] labels() {
        return labels;
    }

    public int rows() {
        return labels.length;
    }

    public int features() {
        return x.features();
    }
}
