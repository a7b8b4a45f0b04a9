package org.softxent;

/**
 * What a loss call returns: the loss, and the arrays it wrote. The arrays are the caller's (those
 * passed in, or new ones): they are returned as they are, not copied.
 */
public final class LossResult {
    private final Reduction reduction;
    private final double loss;
    private final float[] losses;
    private final float[] gradLogits;
    private final float[] probs;

    LossResult(Reduction reduction, double loss, float[] losses, float[] gradLogits, float[] probs) {
        this.reduction = reduction;
        this.loss = loss;
        this.losses = losses;
        this.gradLogits = gradLogits;
        this.probs = probs;
    }

    /** The reduction the loss was computed with. */
    public Reduction reduction() {
        return reduction;
    }

    /**
     * The reduced loss (mean or sum), computed with double accumulation on the CPU.
     *
     * @throws IllegalStateException for reduction none: use {@link #losses()}
     */
    public double loss() {
        if (reduction == Reduction.NONE) {
            throw new IllegalStateException("reduction is none: the loss is per sample, see losses()");
        }
        return loss;
    }

    /**
     * The unreduced losses: [N] for cross-entropy (0 for ignored rows), [N, K] for binary
     * cross-entropy.
     *
     * @throws IllegalStateException unless the reduction is none
     */
    public float[] losses() {
        if (reduction != Reduction.NONE) {
            throw new IllegalStateException("reduction is " + reduction + ": the loss is a scalar, see loss()");
        }
        return losses;
    }

    /**
     * The gradient of the loss with respect to the logits, with the logits' shape; for reduction
     * none, the gradient of the sum of the losses. {@code null} when it was not asked for.
     */
    public float[] gradLogits() {
        return gradLogits;
    }

    /**
     * The probabilities (row softmax for cross-entropy, sigmoid for binary cross-entropy), or
     * {@code null} when they were not asked for.
     */
    public float[] probs() {
        return probs;
    }
}
