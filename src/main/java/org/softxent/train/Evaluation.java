package org.softxent.train;

/**
 * A model's quality on labelled rows: the share predicted right, the mean log loss (the mean of
 * −log p of the true class, computed from the logits in double, as scikit-learn's {@code log_loss}
 * without its clipping), and the confusion matrix {@code confusion[true][predicted]} over the
 * classes' indices, class j being the value {@code labels[j]}.
 */
public record Evaluation(int rows, double accuracy, double logLoss, int[][] confusion, int[] labels) {
    /** The widest confusion matrix {@link #confusionTable} prints: wider ones go to a file. */
    public static final int READABLE_CLASSES = 20;

    public Evaluation {
        confusion = deepCopy(confusion);
        labels = labels.clone();
        if (labels.length != confusion.length) {
            throw new IllegalArgumentException("labels must name the " + confusion.length + " classes, got "
                    + labels.length);
        }
    }

    /** A copy: [classes][classes], rows the true class, columns the predicted one. */
    @Override
    public int[][] confusion() {
        return deepCopy(confusion);
    }

    /** A copy of the class values. */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    private static int[][] deepCopy(int[][] m) {
        int[][] out = new int[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
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

    /** The confusion matrix as CSV: a header "true\pred" and the class values, then a row per true class. */
    public String confusionCsv() {
        StringBuilder b = new StringBuilder("true\\pred");
        for (int label : labels) {
            b.append(',').append(label);
        }
        b.append('\n');
        for (int i = 0; i < confusion.length; i++) {
            b.append(labels[i]);
            for (int j = 0; j < confusion.length; j++) {
                b.append(',').append(confusion[i][j]);
            }
            b.append('\n');
        }
        return b.toString();
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
