package org.softxent.train;

import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;

/**
 * The training rows as the engines see them: x [rows, features] standardised, and integer labels
 * (class indices; for logistic regression 0 and 1) with, for logistic regression, float targets
 * [rows] (the label, smoothed when asked), with the loss's options; and the validation rows the
 * same way, or none (validationRows 0).
 */
record Problem(float[] x, int[] labels, float[] targets, int rows, int features, int outputs, boolean logistic,
               ClassifierOptions options, BinaryClassifierOptions binaryOptions, float[] xv, int[] yv,
               int validationRows) {

    static Problem of(LinearModel.Kind kind, float[] x, int[] labels, int rows, int features, int classes,
                      TrainingOptions o, float[] xv, int[] yv) {
        int nv = yv == null ? 0 : yv.length;
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
            // The rows were checked once, before training: the engine need not scan them at every pass.
            return new Problem(x, labels, t, rows, features, 1, true, null,
                    BinaryClassifierOptions.defaults().withReg(o.l2()).withBinaryCrossEntropy(bce).withTrustedX(true),
                    xv, yv, nv);
        }
        CrossEntropyOptions ce = CrossEntropyOptions.defaults().withLabelSmoothing(o.labelSmoothing());
        if (o.classWeights() != null) {
            ce = ce.withClassWeights(o.classWeights());
        }
        return new Problem(x, labels, null, rows, features, classes, false,
                ClassifierOptions.defaults().withReg(o.l2()).withCrossEntropy(ce).withTrustedX(true), null, xv, yv, nv);
    }

    /** The validation rows' targets for the binary classifier: their labels, 0 or 1, unsmoothed. */
    float[] validationTargets() {
        float[] t = new float[validationRows];
        for (int r = 0; r < validationRows; r++) {
            t[r] = yv[r];
        }
        return t;
    }

    /** How many of the labels (or 0/1 targets) the predictions get right. */
    static long correct(int[] predicted, int[] labels, int offset, int count) {
        long right = 0;
        for (int i = 0; i < count; i++) {
            right += predicted[i] == labels[offset + i] ? 1 : 0;
        }
        return right;
    }
}
