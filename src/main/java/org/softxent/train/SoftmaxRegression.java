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
     * Trains on x [rows, features] (finite; not modified) and labels [rows], the classes being 0 to
     * the largest label (at least two must occur). The same options and seed give the same model,
     * bit for bit, on the same CPU engine.
     *
     * @param listener told of each epoch, or null
     * @throws IllegalArgumentException for a non-finite feature, a negative label, a single class,
     *                                  every feature constant, or class weights of the wrong length
     * @throws IllegalArgumentException also when training diverges (a learning rate too high), saying so
     */
    public TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features,
                              TrainingListener listener) {
        return new Trainer(LinearModel.Kind.SOFTMAX, options).fit(sx, x, labels, rows, features, listener);
    }
}
