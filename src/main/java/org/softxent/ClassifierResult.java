package org.softxent;

/**
 * The loss of the linear softmax classifier and the gradients that were asked for. The arrays are
 * the caller's, returned as they are.
 */
public final class ClassifierResult {
    private final double loss;
    private final float[] gradW;
    private final float[] gradB;
    private final float[] gradX;
    private final int[] predicted;

    ClassifierResult(double loss, float[] gradW, float[] gradB, float[] gradX, int[] predicted) {
        this.loss = loss;
        this.gradW = gradW;
        this.gradB = gradB;
        this.gradX = gradX;
        this.predicted = predicted;
    }

    /** reduce(CE(X·W + b, labels)) + reg·ΣW². */
    public double loss() {
        return loss;
    }

    /** dW = Xᵀ·dS + 2·reg·W [D, C], or {@code null} when not asked for. */
    public float[] gradW() {
        return gradW;
    }

    /** db = column sums of dS [C], or {@code null} when not asked for (or there is no bias). */
    public float[] gradB() {
        return gradB;
    }

    /** dX = dS·Wᵀ [N, D], or {@code null} when not asked for. */
    public float[] gradX() {
        return gradX;
    }

    /**
     * The predictions [N] (each row's argmax; the binary classifier's [N, K]: 1 where the logit is
     * &gt; 0), or {@code null} when not asked for.
     */
    public int[] predicted() {
        return predicted;
    }
}
