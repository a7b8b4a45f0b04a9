package org.softxent.train;

/**
 * A training or validation row holds a NaN or an infinity: training refuses it before its first
 * step. {@link #row()} and {@link #column()} say where, counted in the rows the estimator was
 * given; {@link #where()} says it as the rows' source does ("line 12" of a CSV, "row 11" of a .npy).
 */
public final class NonFiniteFeatureException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long row;
    private final int column;
    private final String where;

    NonFiniteFeatureException(String name, long row, int column, float value, String where) {
        super(name + "[" + row + ", " + column + "] = " + value + ": features must be finite (" + where + ")");
        this.row = row;
        this.column = column;
        this.where = where;
    }

    /** The row, from 0, of the rows given. */
    public long row() {
        return row;
    }

    /** The feature, from 0. */
    public int column() {
        return column;
    }

    /** Where the row came from, as its source names it. */
    public String where() {
        return where;
    }
}
