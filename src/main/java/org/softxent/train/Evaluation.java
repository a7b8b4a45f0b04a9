package org.softxent.train;

/**
 * A model's quality on labelled rows: the share predicted right, the mean log loss (the mean of
 * −log p of the true class, computed from the logits in double, as scikit-learn's {@code log_loss}
 * without its clipping), and the confusion matrix {@code confusion[true][predicted]}.
 */
public record Evaluation(int rows, double accuracy, double logLoss, int[][] confusion) {
    public Evaluation {
        confusion = deepCopy(confusion);
    }

    /** A copy: [classes][classes], rows the true class, columns the predicted one. */
    @Override
    public int[][] confusion() {
        return deepCopy(confusion);
    }

    private static int[][] deepCopy(int[][] m) {
        int[][] out = new int[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    /** The confusion matrix as aligned text: a header of predicted classes, a row per true class. */
    public String confusionTable() {
        int width = Math.max(4, String.valueOf(rows).length() + 1);
        StringBuilder b = new StringBuilder(String.format("%-" + (width + 6) + "s", "true\\pred"));
        for (int j = 0; j < confusion.length; j++) {
            b.append(String.format("%" + width + "d", j));
        }
        b.append('\n');
        for (int i = 0; i < confusion.length; i++) {
            b.append(String.format("%-" + (width + 6) + "d", i));
            for (int j = 0; j < confusion.length; j++) {
                b.append(String.format("%" + width + "d", confusion[i][j]));
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return String.format("Evaluation[%d rows, accuracy %.4f, log loss %.5f]", rows, accuracy, logLoss);
    }
}
