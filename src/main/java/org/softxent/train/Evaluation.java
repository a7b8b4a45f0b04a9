package org.softxent.train;

import java.util.Arrays;

/**
 * A model's quality on labelled rows: the share predicted right, the mean log loss (the mean of
 * −log p of the true class, computed from the logits in double, as scikit-learn's {@code log_loss}
 * without its clipping), and the confusion matrix {@code confusion[true][predicted]} over the
 * classes' indices, class j being the value {@code labels[j]}.
 *
 * <p>The matrix is held by its non-zero cells (at most one per row evaluated), so that a model of
 * tens of thousands of classes is evaluated in the memory its rows take, not in classes² ints;
 * {@link #confusion()} builds the dense matrix only when asked. Immutable.
 */
public final class Evaluation {
    /** The widest confusion matrix {@link #confusionTable} prints: wider ones go to a file. */
    public static final int READABLE_CLASSES = 20;

    /**
     * The most classes whose matrix {@link #confusionCsv} writes whole (a million cells, about 2 MB);
     * past it, the non-zero cells, one per line.
     */
    public static final int DENSE_CSV_CLASSES = 1000;

    /**
     * Up to this many cells (4 MiB of ints), or twice the rows (the sort's keys' memory), a matrix is
     * counted densely; past it by sorting the rows' cells.
     */
    private static final long DENSE_COUNT_CELLS = 1L << 20;

    private final int rows;
    private final double accuracy;
    private final double logLoss;
    private final int[] labels;
    /** The non-zero cells, ascending by true · classes + predicted, and their counts. */
    private final long[] cells;
    private final int[] counts;

    /**
     * An evaluation from a dense confusion matrix [classes][classes] (rows the true class, columns the
     * predicted one), classes = labels.length. Both arrays are copied.
     */
    public Evaluation(int rows, double accuracy, double logLoss, int[][] confusion, int[] labels) {
        this.rows = rows;
        this.accuracy = accuracy;
        this.logLoss = logLoss;
        this.labels = labels.clone();
        int classes = labels.length;
        if (confusion.length != classes) {
            throw new IllegalArgumentException("labels must name the " + confusion.length + " classes, got "
                    + classes);
        }
        int nonZero = 0;
        for (int[] row : confusion) {
            if (row.length != classes) {
                throw new IllegalArgumentException("confusion must be [" + classes + "][" + classes + "], a row has "
                        + row.length);
            }
            for (int v : row) {
                nonZero += v != 0 ? 1 : 0;
            }
        }
        cells = new long[nonZero];
        counts = new int[nonZero];
        int k = 0;
        for (int i = 0; i < classes; i++) {
            for (int j = 0; j < classes; j++) {
                if (confusion[i][j] != 0) {
                    cells[k] = (long) i * classes + j;
                    counts[k++] = confusion[i][j];
                }
            }
        }
    }

    private Evaluation(int rows, double accuracy, double logLoss, int[] labels, long[] cells, int[] counts) {
        this.rows = rows;
        this.accuracy = accuracy;
        this.logLoss = logLoss;
        this.labels = labels.clone();
        this.cells = cells;
        this.counts = counts;
    }

    /**
     * From each row's true and predicted class indices (the first {@code rows} of each): the accuracy,
     * the matrix; the log loss as given.
     */
    static Evaluation of(int rows, double logLoss, int[] truth, int[] predicted, int[] labels) {
        int classes = labels.length;
        long right = 0;
        for (int r = 0; r < rows; r++) {
            right += truth[r] == predicted[r] ? 1 : 0;
        }
        long[] cells;
        int[] counts;
        if ((long) classes * classes <= Math.max(DENSE_COUNT_CELLS, 2L * rows)) { // no more memory than the sort's keys
            int[] dense = new int[classes * classes];
            for (int r = 0; r < rows; r++) {
                dense[truth[r] * classes + predicted[r]]++;
            }
            int nonZero = 0;
            for (int v : dense) {
                nonZero += v != 0 ? 1 : 0;
            }
            cells = new long[nonZero];
            counts = new int[nonZero];
            int k = 0;
            for (int c = 0; c < dense.length; c++) {
                if (dense[c] != 0) {
                    cells[k] = c;
                    counts[k++] = dense[c];
                }
            }
        } else {
            long[] keys = new long[rows];
            for (int r = 0; r < rows; r++) {
                keys[r] = (long) truth[r] * classes + predicted[r];
            }
            Arrays.sort(keys);
            int distinct = 0;
            for (int r = 0; r < rows; r++) {
                distinct += r == 0 || keys[r] != keys[r - 1] ? 1 : 0;
            }
            cells = new long[distinct];
            counts = new int[distinct];
            int k = -1;
            for (int r = 0; r < rows; r++) {
                if (r == 0 || keys[r] != keys[r - 1]) {
                    cells[++k] = keys[r];
                }
                counts[k]++;
            }
        }
        return new Evaluation(rows, (double) right / rows, logLoss, labels, cells, counts);
    }

    /** The rows evaluated. */
    public int rows() {
        return rows;
    }

    /** The share of the rows predicted right. */
    public double accuracy() {
        return accuracy;
    }

    /** The mean log loss. */
    public double logLoss() {
        return logLoss;
    }

    /**
     * A new dense matrix [classes][classes], rows the true class, columns the predicted one: classes²
     * ints (for many classes, {@link #count} or {@link #confusionCsv} need far less).
     */
    public int[][] confusion() {
        int classes = labels.length;
        int[][] m = new int[classes][classes];
        for (int k = 0; k < cells.length; k++) {
            m[(int) (cells[k] / classes)][(int) (cells[k] % classes)] = counts[k];
        }
        return m;
    }

    /** The rows of true class index {@code trueClass} predicted as class index {@code predictedClass}. */
    public int count(int trueClass, int predictedClass) {
        int classes = labels.length;
        if (trueClass < 0 || trueClass >= classes || predictedClass < 0 || predictedClass >= classes) {
            throw new IndexOutOfBoundsException("class indices (" + trueClass + ", " + predictedClass + ") of "
                    + classes + " classes");
        }
        int k = Arrays.binarySearch(cells, (long) trueClass * classes + predictedClass);
        return k >= 0 ? counts[k] : 0;
    }

    /** The rows of each true class [classes], by class index. */
    public int[] classCounts() {
        int classes = labels.length;
        int[] n = new int[classes];
        for (int k = 0; k < cells.length; k++) {
            n[(int) (cells[k] / classes)] += counts[k];
        }
        return n;
    }

    /** A copy of the class values. */
    public int[] labels() {
        return labels.clone();
    }

    /** Whether {@link #confusionTable} fits a terminal: at most {@link #READABLE_CLASSES} classes. */
    public boolean readable() {
        return labels.length <= READABLE_CLASSES;
    }

    /** The confusion matrix as aligned text: a header of predicted classes, a row per true class. */
    public String confusionTable() {
        int width = Math.max(4, String.valueOf(rows).length() + 1);
        for (int label : labels) {
            width = Math.max(width, String.valueOf(label).length() + 1);
        }
        int[][] confusion = confusion();
        StringBuilder b = new StringBuilder(String.format("%-" + (width + 6) + "s", "true\\pred"));
        for (int label : labels) {
            b.append(String.format("%" + width + "d", label));
        }
        b.append('\n');
        for (int i = 0; i < confusion.length; i++) {
            b.append(String.format("%-" + (width + 6) + "d", labels[i]));
            for (int j = 0; j < confusion.length; j++) {
                b.append(String.format("%" + width + "d", confusion[i][j]));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * The confusion matrix as CSV. Up to {@link #DENSE_CSV_CLASSES} classes the whole matrix: a header
     * "true\pred" and the class values, then a row per true class. With more, its non-zero cells: a
     * header "true,predicted,count", then a line per cell (ascending by true class, then by predicted
     * class), which for C classes is at most one line per row evaluated where the whole
     * matrix would be C² numbers.
     */
    public String confusionCsv() {
        int classes = labels.length;
        StringBuilder b = new StringBuilder();
        if (classes > DENSE_CSV_CLASSES) {
            b.append("true,predicted,count\n");
            for (int k = 0; k < cells.length; k++) {
                b.append(labels[(int) (cells[k] / classes)]).append(',').append(labels[(int) (cells[k] % classes)])
                        .append(',').append(counts[k]).append('\n');
            }
            return b.toString();
        }
        b.append("true\\pred");
        for (int label : labels) {
            b.append(',').append(label);
        }
        b.append('\n');
        int k = 0;
        for (int i = 0; i < classes; i++) {
            b.append(labels[i]);
            for (int j = 0; j < classes; j++) {
                boolean here = k < cells.length && cells[k] == (long) i * classes + j;
                b.append(',').append(here ? counts[k++] : 0);
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation e && rows == e.rows && Double.compare(accuracy, e.accuracy) == 0
                && Double.compare(logLoss, e.logLoss) == 0 && Arrays.equals(labels, e.labels)
                && Arrays.equals(cells, e.cells) && Arrays.equals(counts, e.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[] {rows, accuracy, logLoss}) * 31 + Arrays.hashCode(cells);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Evaluation[%d rows, accuracy %.4f, log loss %s]", rows, accuracy,
                format(logLoss));
    }

    /**
     * A log loss for people to read: five decimals, or five significant digits with an exponent
     * from 1e6 up (a model of huge weights can score 7.35e+20, which as decimals is a line of digits).
     */
    public static String format(double logLoss) {
        return String.format(java.util.Locale.ROOT, Math.abs(logLoss) < 1e6 ? "%.5f" : "%.4e", logLoss);
    }
}
