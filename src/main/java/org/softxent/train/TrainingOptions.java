package org.softxent.train;

import java.util.Arrays;
import java.util.Objects;

/**
 * How {@link SoftmaxRegression} and {@link LogisticRegression} train. Immutable: each {@code with}
 * returns a copy. The defaults reach scikit-learn's accuracy on its digits set (see the README).
 *
 * <p>The objective is the mean loss over the training rows plus {@code l2·ΣW²} (b is not
 * regularised): with n rows, scikit-learn's {@code C} corresponds to {@code l2 = 1 / (2·C·n)}.
 */
public final class TrainingOptions {
    /** How the weights are found. */
    public enum Optimizer {
        /** Full-batch L-BFGS with a backtracking line search: the default for this convex problem. */
        LBFGS,
        /** Minibatch SGD with momentum (PyTorch's) and a learning-rate schedule. */
        SGD
    }

    /** The learning rate over SGD's steps. */
    public enum Schedule {
        /** The learning rate throughout. */
        CONSTANT,
        /** From the learning rate down to 0 along half a cosine over all the epochs' steps. */
        COSINE
    }

    private static final TrainingOptions DEFAULTS = new TrainingOptions(Optimizer.LBFGS, 100, 64, 0.1, 0.9,
            Schedule.COSINE, 1e-3, null, 0.0, 0.0, true, 0.1, 10, 1e-6, 0L, 50, false);

    private final Optimizer optimizer;
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double momentum;
    private final Schedule schedule;
    private final double l2;
    private final float[] classWeights;
    private final double labelSmoothing;
    private final double positiveWeight;
    private final boolean standardize;
    private final double validationFraction;
    private final int patience;
    private final double tolerance;
    private final long seed;
    private final int lossEvery;
    private final boolean stream;

    private TrainingOptions(Optimizer optimizer, int epochs, int batchSize, double learningRate, double momentum,
                            Schedule schedule, double l2, float[] classWeights, double labelSmoothing,
                            double positiveWeight, boolean standardize, double validationFraction, int patience,
                            double tolerance, long seed, int lossEvery, boolean stream) {
        this.optimizer = optimizer;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.schedule = schedule;
        this.l2 = l2;
        this.classWeights = classWeights;
        this.labelSmoothing = labelSmoothing;
        this.positiveWeight = positiveWeight;
        this.standardize = standardize;
        this.validationFraction = validationFraction;
        this.patience = patience;
        this.tolerance = tolerance;
        this.seed = seed;
        this.lossEvery = lossEvery;
        this.stream = stream;
    }

    /**
     * L-BFGS for at most 100 iterations, l2 1e-3, features standardised, 10 % of the rows held out
     * for validation with early stopping after 10 iterations without improvement, tolerance 1e-6,
     * seed 0. For SGD: batches of 64, learning rate 0.1, momentum 0.9, a cosine schedule.
     */
    public static TrainingOptions defaults() {
        return DEFAULTS;
    }

    private TrainingOptions copy(Optimizer optimizer, int epochs, int batchSize, double learningRate, double momentum,
                                 Schedule schedule, double l2, float[] classWeights, double labelSmoothing,
                                 double positiveWeight, boolean standardize, double validationFraction, int patience,
                                 double tolerance, long seed, int lossEvery, boolean stream) {
        return new TrainingOptions(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights,
                labelSmoothing, positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    public TrainingOptions withOptimizer(Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer must not be null");
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** The most passes: SGD epochs, or L-BFGS iterations (each one pass over the data or a few). */
    public TrainingOptions withEpochs(int epochs) {
        positive("epochs", epochs);
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** SGD's rows per step. */
    public TrainingOptions withBatchSize(int batchSize) {
        positive("batchSize", batchSize);
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** SGD's (initial) learning rate, > 0. */
    public TrainingOptions withLearningRate(double learningRate) {
        if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** SGD's momentum, in [0, 1). */
    public TrainingOptions withMomentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    public TrainingOptions withSchedule(Schedule schedule) {
        Objects.requireNonNull(schedule, "schedule must not be null");
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** The L2 strength on W (the objective gains l2·ΣW²), finite and ≥ 0. */
    public TrainingOptions withL2(double l2) {
        if (!(l2 >= 0 && l2 < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("l2 must be finite and >= 0, got " + l2);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** Per-class weights of the softmax loss [classes] (copied), or null for none; finite and ≥ 0. */
    public TrainingOptions withClassWeights(float[] classWeights) {
        float[] copy = null;
        if (classWeights != null) {
            copy = classWeights.clone();
            for (int i = 0; i < copy.length; i++) {
                if (!(copy[i] >= 0 && copy[i] < Float.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("classWeights[" + i + "] must be finite and >= 0, got " + copy[i]);
                }
            }
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, copy, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** The softmax loss's label smoothing, in [0, 1]. */
    public TrainingOptions withLabelSmoothing(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1], got " + labelSmoothing);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /**
     * Logistic regression's weight of the positive class's loss (PyTorch's pos_weight), > 0; 0, the
     * default, means 1. A weight of negatives / positives balances a skewed data set.
     */
    public TrainingOptions withPositiveWeight(double positiveWeight) {
        if (!(positiveWeight >= 0 && positiveWeight < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("positiveWeight must be finite and > 0, got " + positiveWeight);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** Whether features are centred and scaled to unit variance (by the training rows' statistics). */
    public TrainingOptions withStandardize(boolean standardize) {
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /**
     * The share of the rows held out (stratified, drawn from the seed) to watch for early stopping
     * and to draw the validation curves, in [0, 0.5]; 0 trains on every row and stops only by
     * tolerance or epochs.
     */
    public TrainingOptions withValidationFraction(double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction <= 0.5)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 0.5], got " + validationFraction);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** Epochs (iterations) without a better validation loss before training stops, keeping the best. */
    public TrainingOptions withPatience(int patience) {
        positive("patience", patience);
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /**
     * Convergence: L-BFGS stops when the objective falls by less than tolerance·max(1, |f|) in an
     * iteration; a validation loss counts as better only when lower by more than this, relatively.
     */
    public TrainingOptions withTolerance(double tolerance) {
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        }
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** The seed of the validation split, the initial weights and SGD's shuffles. */
    public TrainingOptions withSeed(long seed) {
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /** On the GPU, SGD's losses stay on the device and are read back every this many steps. */
    public TrainingOptions withLossEvery(int lossEvery) {
        positive("lossEvery", lossEvery);
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    /**
     * On the GPU, whether the training set is streamed through the device in chunks even when the
     * device could hold it, leaving its memory to other work (W, b, the optimizer's state and two
     * chunks of rows stay there). By default (false) the set is uploaded once, and streamed only
     * when the device cannot hold it. Ignored on the CPU.
     */
    public TrainingOptions withStream(boolean stream) {
        return copy(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2, classWeights, labelSmoothing,
                positiveWeight, standardize, validationFraction, patience, tolerance, seed, lossEvery, stream);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    public Schedule schedule() {
        return schedule;
    }

    public double l2() {
        return l2;
    }

    /** A copy, or null. */
    public float[] classWeights() {
        return classWeights == null ? null : classWeights.clone();
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    public double positiveWeight() {
        return positiveWeight;
    }

    public boolean standardize() {
        return standardize;
    }

    public double validationFraction() {
        return validationFraction;
    }

    public int patience() {
        return patience;
    }

    public double tolerance() {
        return tolerance;
    }

    public long seed() {
        return seed;
    }

    public int lossEvery() {
        return lossEvery;
    }

    public boolean stream() {
        return stream;
    }

    /** The learning rate of step {@code step} of {@code steps}. */
    double learningRate(long step, long steps) {
        if (schedule == Schedule.CONSTANT || steps <= 1) {
            return learningRate;
        }
        return learningRate * 0.5 * (1 + Math.cos(Math.PI * step / steps));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingOptions t && optimizer == t.optimizer && epochs == t.epochs
                && batchSize == t.batchSize && Double.compare(learningRate, t.learningRate) == 0
                && Double.compare(momentum, t.momentum) == 0 && schedule == t.schedule
                && Double.compare(l2, t.l2) == 0 && Arrays.equals(classWeights, t.classWeights)
                && Double.compare(labelSmoothing, t.labelSmoothing) == 0
                && Double.compare(positiveWeight, t.positiveWeight) == 0 && standardize == t.standardize
                && Double.compare(validationFraction, t.validationFraction) == 0 && patience == t.patience
                && Double.compare(tolerance, t.tolerance) == 0 && seed == t.seed && lossEvery == t.lossEvery
                && stream == t.stream;
    }

    @Override
    public int hashCode() {
        return Objects.hash(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2,
                Arrays.hashCode(classWeights), labelSmoothing, positiveWeight, standardize, validationFraction,
                patience, tolerance, seed, lossEvery, stream);
    }

    @Override
    public String toString() {
        String common = "l2=" + l2 + ", standardize=" + standardize + ", validationFraction=" + validationFraction
                + ", patience=" + patience + ", tolerance=" + tolerance + ", seed=" + seed
                + (classWeights != null ? ", classWeights=" + Arrays.toString(classWeights) : "")
                + (labelSmoothing > 0 ? ", labelSmoothing=" + labelSmoothing : "")
                + (positiveWeight > 0 ? ", positiveWeight=" + positiveWeight : "")
                + (stream ? ", stream=true" : "");
        return optimizer == Optimizer.LBFGS
                ? "TrainingOptions[L-BFGS, iterations=" + epochs + ", " + common + "]"
                : "TrainingOptions[SGD, epochs=" + epochs + ", batchSize=" + batchSize + ", learningRate=" + learningRate
                        + ", momentum=" + momentum + ", schedule=" + schedule + ", " + common + "]";
    }
}
