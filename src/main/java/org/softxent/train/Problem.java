package org.softxent.train;

import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;

/**
 * The training rows as the engines see them: x [rows, features] standardised, and integer labels
 * (softmax) or float targets [rows] (logistic: the label, smoothed when asked), with the loss's
 * options.
 */
record Problem(float[] x, int[] labels, float[] targets, int rows, int features, int outputs, boolean logistic,
               ClassifierOptions options, BinaryClassifierOptions binaryOptions) {

    static Problem of(LinearModel.Kind kind, float[] x, int[] labels, int rows, int features, int classes,
                      TrainingOptions o) {
        if (kind == LinearModel.Kind.LOGISTIC) {
            float[] t = new float[rows];
            double eps = o.labelSmoothing();
            for (int r = 0; r < rows; r++) {
                t[r] = (float) ((1 - eps) * labels[r] + eps / 2);
            }
            BinaryCrossEntropyOptions bce = BinaryCrossEntropyOptions.defaults();
            if (o.positiveWeight() > 0) {
                bce = bce.withPosWeight(new float[] {(float) o.positiveWeight()});
            }
            return new Problem(x, null, t, rows, features, 1, true, null,
                    BinaryClassifierOptions.defaults().withReg(o.l2()).withBinaryCrossEntropy(bce));
        }
        CrossEntropyOptions ce = CrossEntropyOptions.defaults().withLabelSmoothing(o.labelSmoothing());
        if (o.classWeights() != null) {
            ce = ce.withClassWeights(o.classWeights());
        }
        return new Problem(x, labels, null, rows, features, classes, false,
                ClassifierOptions.defaults().withReg(o.l2()).withCrossEntropy(ce), null);
    }
}
