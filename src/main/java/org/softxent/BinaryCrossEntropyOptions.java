package org.softxent;

import java.util.Arrays;
import java.util.Objects;
import org.softxent.backend.Checks;

/**
 * The options of sigmoid binary cross-entropy from logits, with PyTorch's meaning and defaults
 * ({@code torch.nn.functional.binary_cross_entropy_with_logits}). Immutable.
 */
public final class BinaryCrossEntropyOptions {
    private static final BinaryCrossEntropyOptions DEFAULTS = new BinaryCrossEntropyOptions(Reduction.MEAN, null);

    private final Reduction reduction;
    private final float[] posWeight;

    private BinaryCrossEntropyOptions(Reduction reduction, float[] posWeight) {
        this.reduction = reduction;
        this.posWeight = posWeight;
    }

    /** Mean over all N·K elements, no positive weight. */
    public static BinaryCrossEntropyOptions defaults() {
        return DEFAULTS;
    }

    /** @param reduction mean (over all N·K elements), sum or none ([N, K]) */
    public BinaryCrossEntropyOptions withReduction(Reduction reduction) {
        Objects.requireNonNull(reduction, "reduction must not be null");
        return new BinaryCrossEntropyOptions(reduction, posWeight);
    }

    /**
     * The weight of positive examples per output column, as PyTorch's {@code pos_weight}: the loss
     * of element (n, k) becomes −[pos_weight[k]·t·log σ(x) + (1 − t)·log(1 − σ(x))].
     *
     * @param posWeight [K] finite values, copied; {@code null} removes it
     */
    public BinaryCrossEntropyOptions withPosWeight(float[] posWeight) {
        float[] copy = null;
        if (posWeight != null) {
            copy = posWeight.clone();
            Checks.requireFinite("posWeight", copy);
            for (int i = 0; i < copy.length; i++) {
                copy[i] += 0f; // −0 is 0
            }
        }
        return new BinaryCrossEntropyOptions(reduction, copy);
    }

    public Reduction reduction() {
        return reduction;
    }

    /** A copy of the positive weights [K], or {@code null}. */
    public float[] posWeight() {
        return posWeight == null ? null : posWeight.clone();
    }

    float[] posWeightView() {
        return posWeight;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryCrossEntropyOptions other
                && reduction == other.reduction
                && Arrays.equals(posWeight, other.posWeight);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reduction, Arrays.hashCode(posWeight));
    }

    @Override
    public String toString() {
        return "BinaryCrossEntropyOptions[reduction=" + reduction
                + ", posWeight=" + org.softxent.util.Abbreviated.floats(posWeight) + "]";
    }
}
