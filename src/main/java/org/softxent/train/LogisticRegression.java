package org.softxent.train;

import org.softxent.Softxent;

/**
 * Binary logistic regression: w [features, 1] and b [1] that minimise the mean sigmoid binary
 * cross-entropy (the positive class weighted by the options' positiveWeight, PyTorch's pos_weight;
 * label smoothing moves the targets to ε/2 and 1 − ε/2) plus l2·Σw². Labels are 0 and 1; the model
 * gives the probabilities of both. Trained on the engine given, as {@link SoftmaxRegression}.
 */
public final class LogisticRegression {
    private final TrainingOptions options;

    public LogisticRegression(TrainingOptions options) {
        this.options = java.util.Objects.requireNonNull(options, "options must not be null");
    }

    public TrainingOptions options() {
        return options;
    }

    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features) {
        return fit(sx, x, labels, rows, features, null);
    }

    /**
     * Trains on x [rows, features] and labels [rows] in {0, 1}, both classes present.
     *
     * @throws IllegalArgumentException as {@link SoftmaxRegression#fit}, and for a label other than
     *                                  0 or 1, or class weights (use positiveWeight)
     */
    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features,
                              TrainingListener listener) {
        return new Trainer(LinearModel.Kind.LOGISTIC, options).fit(sx, x, labels, rows, features, listener);
    }
}
