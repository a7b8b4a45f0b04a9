package org.softxent;

import java.util.Objects;

/**
 * The options of the linear softmax classifier: the L2 strength and the cross-entropy options of
 * its loss. Immutable.
 *
 * <p>The loss is {@code reduce(CE(X·W + b, labels)) + reg·ΣW²}, so the gradient with respect to W
 * carries {@code 2·reg·W} (PyTorch's {@code loss += reg * (W * W).sum()} convention; b is not
 * regularised).
 */
public final class ClassifierOptions {
    /** The largest L2 strength: half of float's largest value, so that 2·reg·w of a weight of 1 is finite. */
    public static final double MAX_REG = Float.MAX_VALUE / 2.0;

    private static final ClassifierOptions DEFAULTS = new ClassifierOptions(0.0, CrossEntropyOptions.defaults(), false, false);

    private final double reg;
    private final CrossEntropyOptions crossEntropy;
    private final boolean tf32;
    private final boolean trustedX;

    private ClassifierOptions(double reg, CrossEntropyOptions crossEntropy, boolean tf32,
                  boolean trustedX) {
        this.reg = reg;
        this.crossEntropy = crossEntropy;
        this.tf32 = tf32;
        this.trustedX = trustedX;
    }

    /** No regularisation; mean cross-entropy with PyTorch's defaults. */
    public static ClassifierOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param reg the L2 strength, ≥ 0 and at most {@link #MAX_REG} (the gradient's 2·reg·w is a float)
     * @throws IllegalArgumentException when negative, NaN or above {@link #MAX_REG}
     */
    public ClassifierOptions withReg(double reg) {
        if (!(reg >= 0.0 && reg <= MAX_REG)) {
            throw new IllegalArgumentException("reg must be >= 0 and at most " + MAX_REG + " (the gradient's 2·reg·w "
                    + "is a float: a larger reg makes it infinite, or NaN where w is 0), got " + reg);
        }
        return new ClassifierOptions(reg + 0.0, crossEntropy, tf32, trustedX); // −0 is 0
    }

    /**
     * Lets the GPU run the classifier's matrix products on TF32 tensor cores (cuBLAS's
     * CUBLAS_TF32_TENSOR_OP_MATH): several times faster on Ampere and newer, with inputs rounded to
     * a 10-bit mantissa inside the products (see the README for the accuracy). Off by default; the
     * CPU ignores it.
     */
    public ClassifierOptions withTf32(boolean tf32) {
        return new ClassifierOptions(reg, crossEntropy, tf32, trustedX);
    }

    /**
     * The options of the cross-entropy term (class weights, ignore index, label smoothing).
     *
     * @param crossEntropy with reduction mean or sum: the classifier's loss is a scalar
     * @throws IllegalArgumentException when its reduction is {@link Reduction#NONE}
     */
    public ClassifierOptions withCrossEntropy(CrossEntropyOptions crossEntropy) {
        Objects.requireNonNull(crossEntropy, "crossEntropy must not be null");
        if (crossEntropy.reduction() == Reduction.NONE) {
            throw new IllegalArgumentException("the classifier's loss is a scalar: reduction must be mean or sum, got none");
        }
        return new ClassifierOptions(reg, crossEntropy, tf32, trustedX);
    }

    /**
     * Promises that x holds no NaN or infinity, because the caller checked it once (a training
     * loop checks its rows before the first step and calls the classifier on them hundreds of
     * times): the engine then skips its own scan of x, one pass over the data per call. W and b
     * are still checked. With an x that does hold a NaN the loss and gradients become NaN rather
     * than the call throwing. Off by default.
     */
    public ClassifierOptions withTrustedX(boolean trustedX) {
        return new ClassifierOptions(reg, crossEntropy, tf32, trustedX);
    }

    /** Whether x is taken as checked (see {@link #withTrustedX}). */
    public boolean trustedX() {
        return trustedX;
    }

    public double reg() {
        return reg;
    }

    public CrossEntropyOptions crossEntropy() {
        return crossEntropy;
    }

    /** Whether the GPU may use TF32 tensor cores for the classifier's matrix products. */
    public boolean tf32() {
        return tf32;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassifierOptions other
                && Double.compare(reg, other.reg) == 0
                && crossEntropy.equals(other.crossEntropy)
                && tf32 == other.tf32
                && trustedX == other.trustedX;
    }

    @Override
    public int hashCode() {
        return Objects.hash(reg, crossEntropy, tf32, trustedX);
    }

    @Override
    public String toString() {
        return "ClassifierOptions[reg=" + reg + ", crossEntropy=" + crossEntropy + ", tf32=" + tf32
                + (trustedX ? ", trustedX" : "") + "]";
    }
}
