package org.softxent.train;

import org.softxent.Softxent;

/**
 * Multinomial logistic regression: W [features, classes] and b [classes] that minimise the mean
 * softmax cross-entropy (with the options' class weights and label smoothing) plus l2·ΣW², trained
 * on whichever engine is given: the CPU, or the GPU with the data and the weights on the device.
 *
 * <pre>{@code
 * try (Softxent sx = Softxent.open()) {
 *     TrainingResult r = new SoftmaxRegression(TrainingOptions.defaults()).fit(sx, x, labels, rows, features);
 *     LinearModel model = r.model();
 *     int[] predicted = model.predict(xTest, testRows);
 * }
 * }</pre>
 */
public final class SoftmaxRegression {
    private final TrainingOptions options;

    public SoftmaxRegression(TrainingOptions options) {
        this.options = java.util.Objects.requireNonNull(options, "options must not be null");
    }

    public TrainingOptions options() {
        return options;
    }

    /** As {@link #fit(Softxent, float[], int[], int, int, TrainingListener)} with no listener. */
    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features) {
        return fit(sx, x, labels, rows, features, null);
    }

    /**
     * Trains on x [rows, features] (finite; not modified, unless the options' {@link
     * TrainingOptions#withInPlace inPlace} lets the training standardise it in place) and labels
     * [rows]: any integers, the
     * classes being their distinct values, ascending (at least two must occur; the model's
     * {@link LinearModel#labels()} keeps them and its predictions answer in them). The same options
     * and seed give the same model, bit for bit, on the same CPU engine.
     *
     * @param listener told of each epoch, or null
     * @throws NonFiniteFeatureException for a NaN or an infinity in x, naming the first
     * @throws IllegalArgumentException for a single class, so many classes
     *                                  that they cannot be class labels, every feature constant,
     *                                  class weights of the wrong length, or an option that cannot
     *                                  apply (SGD's under L-BFGS, positiveWeight: see
     *                                  {@link TrainingOptions#checkApplies})
     * @throws IllegalArgumentException also when training diverges (a learning rate too high), saying so
     */
    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features,
                              TrainingListener listener) {
        return new Trainer(LinearModel.Kind.SOFTMAX, options).fit(sx, x, labels, rows, features, listener);
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
        return new Trainer(LinearModel.Kind.SOFTMAX, options).fit(sx, train, validation, listener);
    }
}
