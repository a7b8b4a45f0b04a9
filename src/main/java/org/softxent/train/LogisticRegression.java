package org.softxent.train;

import org.softxent.Softxent;

/**
 * Binary logistic regression: w [features, 1] and b [1] that minimise the mean sigmoid binary
 * cross-entropy (the positive class weighted by the options' positiveWeight, PyTorch's pos_weight;
 * label smoothing moves the targets to ε/2 and 1 − ε/2) plus l2·Σw². The labels hold two values, any
 * integers (0 and 1, or 3 and 7); the larger is the positive class, as scikit-learn's
 * {@code classes_[1]}. The model gives the probabilities of both. Trained on the engine given, as
 * {@link SoftmaxRegression}.
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
     * Trains on x [rows, features] (finite; not modified, unless the options' {@link
     * TrainingOptions#withInPlace inPlace} allows it) and labels [rows] of two distinct values, both
     * present.
     *
     * @throws IllegalArgumentException as {@link SoftmaxRegression#fit}, and for labels of more than
     *                                  two values, or class weights (use positiveWeight)
     */
    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features,
                              TrainingListener listener) {
        return new Trainer(LinearModel.Kind.LOGISTIC, options).fit(sx, x, labels, rows, features, listener);
    }

    /**
     * Trains on {@code train}; early stopping watches {@code validation} (rows of the same
     * features, labels among the training rows' classes) instead of a share of the training rows,
     * or nothing when it is null and the validation fraction is 0. Their arrays are not modified,
     * unless the options' {@link TrainingOptions#withInPlace inPlace} allows it.
     *
     * @param validation the rows to watch, or null
     * @param listener   told of each epoch, or null
     * @throws IllegalArgumentException as the other fit, and for validation labels the training rows
     *                                  do not have, or a validation fraction set besides
     */
    public TrainingResult fit(Softxent sx, Rows train, Rows validation, TrainingListener listener) {
        return new Trainer(LinearModel.Kind.LOGISTIC, options).fit(sx, train, validation, listener);
    }
}
