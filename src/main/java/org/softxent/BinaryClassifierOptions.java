package org.softxent;

import java.util.Objects;

/**
 * The options of the linear sigmoid classifier (logistic regression with K independent outputs):
 * the L2 strength and the binary cross-entropy options of its loss. Immutable.
 *
 * <p>The loss is {@code reduce(BCE(X·W + b, targets)) + reg·ΣW²}, the mean taken over all N·K
 * elements as PyTorch's {@code binary_cross_entropy_with_logits}, so the gradient with respect to W
 * carries {@code 2·reg·W}; b is not regularised.
 */
public final class BinaryClassifierOptions {
    /** The largest L2 strength: half of float's largest value, so that 2·reg·w of a weight of 1 is finite. */
    public static final double MAX_REG = Float.MAX_VALUE / 2.0;

    private static final BinaryClassifierOptions DEFAULTS =
            new BinaryClassifierOptions(0.0, BinaryCrossEntropyOptions.defaults(), false, false);

    private final double reg;
    private final BinaryCrossEntropyOptions binaryCrossEntropy;
    private final boolean tf32;
    private final boolean trustedX;

    private BinaryClassifierOptions(double reg, BinaryCrossEntropyOptions binaryCrossEntropy, boolean tf32,
                  boolean trustedX) {
        this.reg = reg;
        this.binaryCrossEntropy = binaryCrossEntropy;
        this.tf32 = tf32;
        this.trustedX = trustedX;
    }

    /** No regularisation; the mean binary cross-entropy, no positive weight. */
    public static BinaryClassifierOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param reg the L2 strength, ≥ 0 and at most {@link #MAX_REG} (the gradient's 2·reg·w is a float)
     * @throws IllegalArgumentException when negative, NaN or above {@link #MAX_REG}
     */
    public BinaryClassifierOptions withReg(double reg) {
        if (!(reg >= 0.0 && reg <= MAX_REG)) {
            throw new IllegalArgumentException("reg must be >= 0 and at most " + MAX_REG + " (the gradient's 2·reg·w "
                    + "is a float: a larger reg makes it infinite, or NaN where w is 0), got " + reg);
        }
        return new BinaryClassifierOptions(reg + 0.0, binaryCrossEntropy, tf32, trustedX);
    }

    /**
     * The options of the loss term (its reduction and pos_weight [K]).
     *
     * @param binaryCrossEntropy with reduction mean or sum: the classifier's loss is a scalar
     * @throws IllegalArgumentException when its reduction is {@link Reduction#NONE}
     */
    public BinaryClassifierOptions withBinaryCrossEntropy(BinaryCrossEntropyOptions binaryCrossEntropy) {
        Objects.requireNonNull(binaryCrossEntropy, "binaryCrossEntropy must not be null");
        if (binaryCrossEntropy.reduction() == Reduction.NONE) {
            throw new IllegalArgumentException("the classifier's loss is a scalar: reduction must be mean or sum, got none");
        }
        return new BinaryClassifierOptions(reg, binaryCrossEntropy, tf32, trustedX);
    }

    /** As {@link ClassifierOptions#withTf32}: TF32 tensor cores for the GPU's products; the CPU ignores it. */
    public BinaryClassifierOptions withTf32(boolean tf32) {
        return new BinaryClassifierOptions(reg, binaryCrossEntropy, tf32, trustedX);
    }

    /**
     * Promises that x holds no NaN or infinity, because the caller checked it once (a training
     * loop checks its rows before the first step and calls the classifier on them hundreds of
     * times): the engine then skips its own scan of x, one pass over the data per call. W and b
     * are still checked. With an x that does hold a NaN the loss and gradients become NaN rather
     * than the call throwing. Off by default.
     */
    public BinaryClassifierOptions withTrustedX(boolean trustedX) {
        return new BinaryClassifierOptions(reg, binaryCrossEntropy, tf32, trustedX);
    }

    /** Whether x is taken as checked (see {@link #withTrustedX}). */
    public boolean trustedX() {
        return trustedX;
    }

    public double reg() {
        return reg;
    }

    public BinaryCrossEntropyOptions binaryCrossEntropy() {
        return binaryCrossEntropy;
    }

    public boolean tf32() {
        return tf32;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryClassifierOptions other
                && Double.compare(reg, other.reg) == 0
                && binaryCrossEntropy.equals(other.binaryCrossEntropy)
                && tf32 == other.tf32
                && trustedX == other.trustedX;
    }

    @Override
    public int hashCode() {
        return Objects.hash(reg, binaryCrossEntropy, tf32, trustedX);
    }

    @Override
    public String toString() {
        return "BinaryClassifierOptions[reg=" + reg + ", binaryCrossEntropy=" + binaryCrossEntropy + ", tf32=" + tf32
                + (trustedX ? ", trustedX" : "") + "]";
    }
}
