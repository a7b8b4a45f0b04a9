package org.softxent;

import java.util.Arrays;
import java.util.Objects;
import org.softxent.backend.Checks;

/**
 * The options of cross-entropy from logits, with PyTorch's meaning and defaults
 * ({@code torch.nn.functional.cross_entropy}). Immutable: each {@code with...} method returns a new
 * instance. Values are checked here; lengths that depend on the batch (the class weights must have
 * C entries) are checked when the options are used.
 *
 * <pre>{@code
 * CrossEntropyOptions opts = CrossEntropyOptions.defaults()
 *         .withReduction(Reduction.SUM)
 *         .withLabelSmoothing(0.1)
 *         .withIgnoreIndex(-1);
 * }</pre>
 */
public final class CrossEntropyOptions {
    /** PyTorch's default {@code ignore_index}. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private static final CrossEntropyOptions DEFAULTS =
            new CrossEntropyOptions(Reduction.MEAN, null, DEFAULT_IGNORE_INDEX, 0.0);

    private final Reduction reduction;
    private final float[] classWeights;
    private final int ignoreIndex;
    private final double labelSmoothing;

    private CrossEntropyOptions(Reduction reduction, float[] classWeights, int ignoreIndex, double labelSmoothing) {
        this.reduction = reduction;
        this.classWeights = classWeights;
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    /** Mean reduction, no class weights, ignore index -100, no label smoothing. */
    public static CrossEntropyOptions defaults() {
        return DEFAULTS;
    }

    /** @param reduction mean, sum or none (not null) */
    public CrossEntropyOptions withReduction(Reduction reduction) {
        Objects.requireNonNull(reduction, "reduction must not be null");
        return new CrossEntropyOptions(reduction, classWeights, ignoreIndex, labelSmoothing);
    }

    /**
     * Per-class weights, as PyTorch's {@code weight}: a rescaling of each class's loss.
     *
     * @param classWeights [C] finite values, copied; {@code null} removes the weights
     * @throws IllegalArgumentException naming the first entry that is NaN or infinite
     */
    public CrossEntropyOptions withClassWeights(float[] classWeights) {
        float[] copy = null;
        if (classWeights != null) {
            copy = classWeights.clone();
            Checks.requireFinite("classWeights", copy);
            for (int i = 0; i < copy.length; i++) {
                copy[i] += 0f; // −0 is 0
            }
        }
        return new CrossEntropyOptions(reduction, copy, ignoreIndex, labelSmoothing);
    }

    /**
     * The label that marks a row to ignore: it contributes nothing to the loss or the divisor of
     * the mean, and its gradient is 0 (NaN where its softmax is NaN, a row of logits all −inf, as
     * PyTorch gives it). Applies to integer labels only. It may lie inside [0, C), in which case
     * that class is never a target.
     */
    public CrossEntropyOptions withIgnoreIndex(int ignoreIndex) {
        return new CrossEntropyOptions(reduction, classWeights, ignoreIndex, labelSmoothing);
    }

    /**
     * Label smoothing ε: the target becomes (1 − ε)·target + ε/C, with class weights applied as
     * PyTorch applies them.
     *
     * @param labelSmoothing in [0, 1]
     * @throws IllegalArgumentException when outside [0, 1] or NaN
     */
    public CrossEntropyOptions withLabelSmoothing(double labelSmoothing) {
        if (!(labelSmoothing >= 0.0 && labelSmoothing <= 1.0)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        // −0 is 0 (equal to the default, printed as it): the same smoothing.
        return new CrossEntropyOptions(reduction, classWeights, ignoreIndex, labelSmoothing + 0.0);
    }

    public Reduction reduction() {
        return reduction;
    }

    /** A copy of the class weights [C], or {@code null} when there are none. */
    public float[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    /** Whether class weights are set. */
    public boolean hasClassWeights() {
        return classWeights != null;
    }

    public int ignoreIndex() {
        return ignoreIndex;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    /** The weights without a copy, for the engine's own use. */
    float[] classWeightsView() {
        return classWeights;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrossEntropyOptions other
                && reduction == other.reduction
                && Arrays.equals(classWeights, other.classWeights)
                && ignoreIndex == other.ignoreIndex
                && Double.compare(labelSmoothing, other.labelSmoothing) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(reduction, Arrays.hashCode(classWeights), ignoreIndex, labelSmoothing);
    }

    @Override
    public String toString() {
        return "CrossEntropyOptions[reduction=" + reduction
                + ", classWeights=" + org.softxent.util.Abbreviated.floats(classWeights)
                + ", ignoreIndex=" + ignoreIndex
                + ", labelSmoothing=" + labelSmoothing + "]";
    }
}
