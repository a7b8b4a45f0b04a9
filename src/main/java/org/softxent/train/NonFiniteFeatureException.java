package org.softxent.train;

/**
 * A training or validation row holds a NaN or an infinity: training refuses it before its first
 * step, or stops where rows checked finite then turn out not to be while it reads them
 * ({@link #changedDuringTraining()}). {@link #row()} and {@link #column()} say where, counted in the
 * rows the estimator was given; {@link #where()} says it as the rows' source does ("line 12" of a
 * CSV, "row 11" of a .npy).
 */
public final class NonFiniteFeatureException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long row;
    private final int column;
    private final String where;
    private final boolean changed;

    NonFiniteFeatureException(String name, long row, int column, float value, String where) {
        this(name, row, column, value, where, null);
    }

    /**
     * A row that was finite when checked before training and is not now: {@code changed} says how
     * (after the usual words, from "; ..."); null for a row refused before the work.
     */
    NonFiniteFeatureException(String name, long row, int column, float value, String where, String changed) {
        super(name + "[" + row + ", " + column + "] = " + value + ": features must be finite (" + where + ")"
                + (changed == null ? "" : changed));
        this.changed = changed != null;
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

    /**
     * Whether the row was finite when the rows were checked before training and turned out not to
     * be while training read them (a file rewritten meanwhile, a source that reads differently each
     * time, an array changed by another thread); false for a row refused before the work.
     */
    public boolean changedDuringTraining() {
        return changed;
    }

    /** Where the row came from, as its source names it. */
    public String where() {
        return where;
    }
}
