package org.softxent.spark;

import java.io.Serializable;
import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;

/** What every executor needs to pack and compute blocks; broadcast once per fit. */
final class Setup implements Serializable {
    private static final long serialVersionUID = 2L;

    final int features;
    /** Classes (multinomial), or 1 output (binomial). */
    final int outputs;
    final boolean multinomial;
    final boolean fitIntercept;
    /** The feature means, subtracted when packing (with or without an intercept). */
    final double[] mean;
    /** 1/std, 0 for a constant feature. */
    final double[] inverseStd;
    /**
     * Without an intercept: the scaled means c = mean·inverseStd that the packed rows were centred
     * by, for {@link GradientSum} to add back (logits x̂·W + c·θ, dW = x̂ᵀ·dS + c ⊗ Σᵢ dSᵢ: MLlib's
     * uncentred problem, the rows in float losing no digits to a mean far from 0); null with one.
     */
    final double[] scaledMean;
    /**
     * What each row's weight is divided by before it is packed as a float: the mean weight, so
     * that weights of 1e-46 or 1e39 (beyond float's range, where MLlib's fit is the same for any
     * common factor) fit as weights near 1 do; the driver divides by the total over it too.
     */
    final double weightScale;
    /** Class weights [classes], or null. */
    final float[] classWeights;
    final double labelSmoothing;
    final String device;
    /** On CPU executors: exact (the reference) or float (the CPU engine). */
    final String precision;
    final int blockRows;

    private transient ClassifierOptions classifierOptions;
    private transient BinaryClassifierOptions binaryOptions;

    Setup(int features, int outputs, boolean multinomial, boolean fitIntercept, double[] mean, double[] inverseStd,
          float[] classWeights, double labelSmoothing, String device, String precision, int blockRows,
          double weightScale) {
        this.features = features;
        this.outputs = outputs;
        this.multinomial = multinomial;
        this.fitIntercept = fitIntercept;
        this.mean = mean;
        this.inverseStd = inverseStd;
        if (fitIntercept) {
            this.scaledMean = null;
        } else {
            this.scaledMean = new double[features];
            for (int j = 0; j < features; j++) {
                scaledMean[j] = mean[j] * inverseStd[j];
            }
        }
        this.weightScale = weightScale;
        this.classWeights = classWeights;
        this.labelSmoothing = labelSmoothing;
        this.device = device;
        this.precision = precision;
        this.blockRows = blockRows;
    }

    /** Sum reduction, no L2 term (the driver adds MLlib's), class weights and smoothing as asked. */
    ClassifierOptions classifierOptions() {
        if (classifierOptions == null) {
            CrossEntropyOptions ce = CrossEntropyOptions.defaults().withReduction(Reduction.SUM)
                    .withLabelSmoothing(labelSmoothing);
            if (classWeights != null) {
                ce = ce.withClassWeights(classWeights);
            }
            // The blocks are finite (checked on the driver, and as packed): no scan of x at every call.
            classifierOptions = ClassifierOptions.defaults().withReg(0).withCrossEntropy(ce).withTrustedX(true);
        }
        return classifierOptions;
    }

    BinaryClassifierOptions binaryOptions() {
        if (binaryOptions == null) {
            binaryOptions = BinaryClassifierOptions.defaults().withReg(0).withTrustedX(true)
                    .withBinaryCrossEntropy(BinaryCrossEntropyOptions.defaults().withReduction(Reduction.SUM));
        }
        return binaryOptions;
    }
}
