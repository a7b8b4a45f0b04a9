package org.softxent.train;

import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;

/**
 * The training rows as the engines see them: x [rows, features] standardised, and integer labels
 * (class indices; for logistic regression 0 and 1) with, for logistic regression, float targets
 * [rows] (the label, smoothed when asked), with the loss's options; and the validation rows the
 * same way, or none (validationRows 0), with, for logistic regression, their targets smoothed as the
 * training rows' (else null), and what the validation loss's sum is divided by (see below).
 */
record Problem(float[] x, int[] labels, float[] targets, int rows, int features, int outputs, boolean logistic,
               ClassifierOptions options, BinaryClassifierOptions binaryOptions, float[] xv, int[] yv,
               int validationRows, float[] validationTargets, double validationDivisor) {

    static Problem of(LinearModel.Kind kind, float[] x, int[] labels, int rows, int features, int classes,
                      TrainingOptions o, float[] xv, int[] yv) {
        int nv = yv == null ? 0 : yv.length;
        if (kind == LinearModel.Kind.LOGISTIC) {
            BinaryCrossEntropyOptions bce = BinaryCrossEntropyOptions.defaults();
            if (o.positiveWeight() > 0) {
                bce = bce.withPosWeight(new float[] {(float) o.positiveWeight()});
            }
            // The rows were checked once, before training: the engine need not scan them at every pass.
            // (Logistic regression's positive weight is no divisor: PyTorch's BCE mean divides by the rows.)
            return new Problem(x, labels, targets(labels, rows, o.labelSmoothing()), rows, features, 1, true, null,
                    BinaryClassifierOptions.defaults().withReg(o.l2()).withBinaryCrossEntropy(bce).withTrustedX(true),
                    xv, yv, nv, nv > 0 ? targets(yv, nv, o.labelSmoothing()) : null, nv);
        }
        CrossEntropyOptions ce = CrossEntropyOptions.defaults().withLabelSmoothing(o.labelSmoothing());
        if (o.classWeights() != null) {
            ce = ce.withClassWeights(o.classWeights());
        }
        return new Problem(x, labels, null, rows, features, classes, false,
                ClassifierOptions.defaults().withReg(o.l2()).withCrossEntropy(ce).withTrustedX(true), null, xv, yv, nv,
                null, weightSum(o.classWeights(), yv, nv)); // PyTorch's weighted mean: Σ w_y
    }

    /*
     * The validation loss is the training loss's data term on the validation rows: the same class
     * weights, positive weight and label smoothing, no L2 term. Early stopping watches it, so that it
     * keeps the weights best by the loss the user asked to minimise (a plain log loss would prefer
     * the early, unweighted-looking iterates that a class weight is there to move away from), and
     * the curves draw it beside the training rows' loss, the same quantity. Its sum is formed by the
     * engine (Reduction.SUM, chunk by chunk where the rows come in chunks) and divided once by
     * validationDivisor, as the mean the engine forms for the training rows: the validation rows'
     * class weights summed, else their count.
     */

    /** Logistic regression's targets [count] for labels 0 and 1: smoothed, (1 − ε)·y + ε/2. */
    private static float[] targets(int[] labels, int count, double eps) {
        float[] t = new float[count];
        for (int r = 0; r < count; r++) {
            t[r] = (float) ((1 - eps) * labels[r] + eps / 2);
        }
        return t;
    }

    /**
     * The loss's options for a sum over some of the rows (chunks of the training rows, or the
     * validation rows): the training loss's, without L2, reduced by SUM; the caller divides by
     * {@link #divisor()} or validationDivisor.
     */
    ClassifierOptions sumOptions() {
        return options.withReg(0).withCrossEntropy(options.crossEntropy().withReduction(Reduction.SUM));
    }

    /** As {@link #sumOptions()}, for logistic regression. */
    BinaryClassifierOptions binarySumOptions() {
        return binaryOptions.withReg(0).withBinaryCrossEntropy(
                binaryOptions.binaryCrossEntropy().withReduction(Reduction.SUM));
    }

    /**
     * What the training rows' loss sum is divided by to make the engine's mean: their class weights
     * summed (PyTorch's weighted mean), else the elements (rows × outputs).
     */
    double divisor() {
        return logistic ? (double) rows * outputs : weightSum(options.crossEntropy().classWeights(), labels, rows);
    }

    /** Σ weights[labels[r]] over the first {@code count} labels, or {@code count} without weights. */
    static double weightSum(float[] weights, int[] labels, int count) {
        if (weights == null) {
            return count;
        }
        double sum = 0;
        for (int r = 0; r < count; r++) {
            sum += weights[labels[r]];
        }
        return sum;
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
