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

    /** The options a caller can set, for the checks of what applies to which optimizer and model. */
    enum Field {
        OPTIMIZER, EPOCHS, BATCH_SIZE, LEARNING_RATE, MOMENTUM, SCHEDULE, L2, CLASS_WEIGHTS, LABEL_SMOOTHING,
        POSITIVE_WEIGHT, STANDARDIZE, VALIDATION_FRACTION, PATIENCE, TOLERANCE, SEED, LOSS_EVERY, STREAM,
        CHUNK_MEMORY, IN_PLACE;

        /** The option's name in the API (its wither without "with"): learningRate, batchSize, ... */
        String apiName() {
            String[] parts = name().toLowerCase(java.util.Locale.ROOT).split("_");
            StringBuilder b = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                b.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            }
            return b.toString();
        }
    }

    /** Bytes of one chunk of scaled rows read from their source, by default: 64 MiB. */
    static final long DEFAULT_CHUNK_MEMORY = 64L << 20;

    /** The smallest chunk budget taken: 1 MiB. */
    static final long MIN_CHUNK_MEMORY = 1L << 20;

    private static final TrainingOptions DEFAULTS = new TrainingOptions(new Values());

    /** The mutable copy a wither changes; the options themselves never change. */
    private static final class Values implements Cloneable {
        Optimizer optimizer = Optimizer.LBFGS;
        int epochs = 100;
        int batchSize = 64;
        double learningRate = 0.1;
        double momentum = 0.9;
        Schedule schedule = Schedule.COSINE;
        double l2 = 1e-3;
        float[] classWeights;
        double labelSmoothing;
        double positiveWeight;
        boolean standardize = true;
        double validationFraction = 0.1;
        int patience = 10;
        double tolerance = 1e-6;
        long seed;
        int lossEvery = 50;
        boolean stream;
        long chunkMemory = DEFAULT_CHUNK_MEMORY;
        boolean inPlace;
        /** The fields a caller set, by {@link Field} ordinal. */
        long set;

        @Override
        protected Values clone() {
            try {
                return (Values) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

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
    private final long chunkMemory;
    private final boolean inPlace;
    private final long set;

    private TrainingOptions(Values v) {
        this.optimizer = v.optimizer;
        this.epochs = v.epochs;
        this.batchSize = v.batchSize;
        this.learningRate = v.learningRate;
        this.momentum = v.momentum;
        this.schedule = v.schedule;
        this.l2 = v.l2;
        this.classWeights = v.classWeights;
        this.labelSmoothing = v.labelSmoothing;
        this.positiveWeight = v.positiveWeight;
        this.standardize = v.standardize;
        this.validationFraction = v.validationFraction;
        this.patience = v.patience;
        this.tolerance = v.tolerance;
        this.seed = v.seed;
        this.lossEvery = v.lossEvery;
        this.stream = v.stream;
        this.chunkMemory = v.chunkMemory;
        this.inPlace = v.inPlace;
        this.set = v.set;
    }

    private Values values() {
        Values v = new Values();
        v.optimizer = optimizer;
        v.epochs = epochs;
        v.batchSize = batchSize;
        v.learningRate = learningRate;
        v.momentum = momentum;
        v.schedule = schedule;
        v.l2 = l2;
        v.classWeights = classWeights;
        v.labelSmoothing = labelSmoothing;
        v.positiveWeight = positiveWeight;
        v.standardize = standardize;
        v.validationFraction = validationFraction;
        v.patience = patience;
        v.tolerance = tolerance;
        v.seed = seed;
        v.lossEvery = lossEvery;
        v.stream = stream;
        v.chunkMemory = chunkMemory;
        v.inPlace = inPlace;
        v.set = set;
        return v;
    }

    /**
     * The options a fit refuses, or treats apart, for having been set at all, whatever the value
     * (positiveWeight with softmax regression, patience and tolerance without validation rows,
     * chunkMemory with the rows in memory, validationFraction beside validation rows given apart;
     * and under L-BFGS, SGD's, {@link #SGD_ONLY}): two options of equal values differ if one set
     * such an option.
     */
    private static final long BEHAVES = mask(Field.POSITIVE_WEIGHT, Field.PATIENCE, Field.TOLERANCE,
            Field.CHUNK_MEMORY, Field.VALIDATION_FRACTION);
    /** SGD's options: refused under L-BFGS, whatever their value. */
    private static final long SGD_ONLY = mask(Field.BATCH_SIZE, Field.LEARNING_RATE, Field.MOMENTUM, Field.SCHEDULE,
            Field.LOSS_EVERY);

    /** Which of the options set count for equality ({@link #BEHAVES}). */
    private long setThatBehaves() {
        return set & (optimizer == Optimizer.LBFGS ? BEHAVES | SGD_ONLY : BEHAVES);
    }

    private static long mask(Field... fields) {
        long m = 0;
        for (Field f : fields) {
            m |= 1L << f.ordinal();
        }
        return m;
    }

    /** A copy with {@code field} changed by {@code change} and marked as set by the caller. */
    private TrainingOptions with(Field field, java.util.function.Consumer<Values> change) {
        Values v = values();
        change.accept(v);
        v.set |= 1L << field.ordinal();
        return new TrainingOptions(v);
    }

    /**
     * Whether the caller set {@code field} (to any value, the default's too): what
     * {@link #checkApplies} looks at. Equality is by value and, for the options whose setting
     * alone changes what a fit does ({@link #BEHAVES}: refused where they cannot apply), by whether
     * they were set.
     */
    boolean isSet(Field field) {
        return (set & (1L << field.ordinal())) != 0;
    }

    /**
     * L-BFGS for at most 100 iterations, l2 1e-3, features standardised, 10 % of the rows held out
     * for validation with early stopping after 10 iterations without improvement, tolerance 1e-6,
     * seed 0. For SGD: batches of 64, learning rate 0.1, momentum 0.9, a cosine schedule.
     */
    public static TrainingOptions defaults() {
        return DEFAULTS;
    }

    public TrainingOptions withOptimizer(Optimizer optimizer) {
        Objects.requireNonNull(optimizer, "optimizer must not be null");
        return with(Field.OPTIMIZER, v -> v.optimizer = optimizer);
    }

    /** The most passes: SGD epochs, or L-BFGS iterations (each one pass over the data or a few). */
    public TrainingOptions withEpochs(int epochs) {
        positive("epochs", epochs);
        return with(Field.EPOCHS, v -> v.epochs = epochs);
    }

    /** SGD's rows per step (SGD only: L-BFGS refuses it). */
    public TrainingOptions withBatchSize(int batchSize) {
        positive("batchSize", batchSize);
        return with(Field.BATCH_SIZE, v -> v.batchSize = batchSize);
    }

    /** SGD's (initial) learning rate, > 0 (SGD only). */
    public TrainingOptions withLearningRate(double learningRate) {
        if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        return with(Field.LEARNING_RATE, v -> v.learningRate = learningRate);
    }

    /** SGD's momentum, in [0, 1) (SGD only). */
    public TrainingOptions withMomentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        return with(Field.MOMENTUM, v -> v.momentum = momentum + 0.0);
    }

    /** SGD's learning-rate schedule (SGD only). */
    public TrainingOptions withSchedule(Schedule schedule) {
        Objects.requireNonNull(schedule, "schedule must not be null");
        return with(Field.SCHEDULE, v -> v.schedule = schedule);
    }

    /**
     * The L2 strength on W (the objective gains l2·ΣW²), ≥ 0 and at most
     * {@link org.softxent.ClassifierOptions#MAX_REG} (the engines' 2·l2·W is a float).
     */
    public TrainingOptions withL2(double l2) {
        if (!(l2 >= 0 && l2 <= org.softxent.ClassifierOptions.MAX_REG)) {
            throw new IllegalArgumentException("l2 must be >= 0 and at most " + org.softxent.ClassifierOptions.MAX_REG
                    + " (the gradient's 2·l2·W is a float), got " + l2);
        }
        double positive = l2 + 0.0; // -0 is 0 (printed and saved as 0.0)
        return with(Field.L2, v -> v.l2 = positive);
    }

    /**
     * Per-class weights of the softmax loss [classes], in the order of the class values (copied),
     * or null for none; finite and ≥ 0, at least one > 0. Softmax regression only.
     */
    public TrainingOptions withClassWeights(float[] classWeights) {
        float[] copy = null;
        if (classWeights != null) {
            copy = classWeights.clone();
            for (int i = 0; i < copy.length; i++) {
                copy[i] += 0f; // −0 is 0 (NaN stays NaN, refused below)
            }
            if (copy.length == 0) {
                throw new IllegalArgumentException("classWeights is empty: give one weight per class, or null for none");
            }
            boolean any = false;
            for (int i = 0; i < copy.length; i++) {
                if (!(copy[i] >= 0 && copy[i] < Float.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("classWeights[" + i + "] must be finite and >= 0, got " + copy[i]);
                }
                any |= copy[i] > 0;
            }
            if (!any) {
                throw new IllegalArgumentException("classWeights are all 0: every row would weigh nothing, and "
                        + "there would be nothing to learn");
            }
        }
        float[] weights = copy;
        return with(Field.CLASS_WEIGHTS, v -> v.classWeights = weights);
    }

    /**
     * The loss's label smoothing, in [0, 1): at 1 every target is uniform whatever the label, and
     * there is nothing left to learn.
     */
    public TrainingOptions withLabelSmoothing(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing
                    + (labelSmoothing == 1 ? ": at 1 every target is uniform, whatever the label, and nothing is "
                    + "learnt" : ""));
        }
        return with(Field.LABEL_SMOOTHING, v -> v.labelSmoothing = labelSmoothing + 0.0);
    }

    /**
     * Logistic regression's weight of the positive class's loss (PyTorch's pos_weight; the positive
     * class is the larger label value), > 0. A weight of negatives / positives balances a skewed
     * data set. Logistic regression only.
     */
    public TrainingOptions withPositiveWeight(double positiveWeight) {
        float asFloat = (float) positiveWeight; // the engines weigh the loss by it as a float
        if (!(positiveWeight > 0 && asFloat > 0 && asFloat < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("positiveWeight must be > 0 and a float (from 1.4e-45 to 3.4e38), got "
                    + positiveWeight);
        }
        return with(Field.POSITIVE_WEIGHT, v -> v.positiveWeight = positiveWeight);
    }

    /** Whether features are centred and scaled to unit variance (by the training rows' statistics). */
    public TrainingOptions withStandardize(boolean standardize) {
        return with(Field.STANDARDIZE, v -> v.standardize = standardize);
    }

    /**
     * The share of the rows held out (stratified, drawn from the seed) to watch for early stopping
     * and to draw the validation curves, in [0, 0.5]; 0 trains on every row and stops only by
     * tolerance or epochs. Stratified per class, rounded: each class of at least two rows gives at
     * least one to the validation and keeps at least one, so a set of few rows per class holds out
     * more than the share asked (10 classes of 2 rows: half); {@link TrainingResult#validationRows}
     * says how many were held out, and the train command prints the share when it differs.
     */
    public TrainingOptions withValidationFraction(double validationFraction) {
        if (!(validationFraction >= 0 && validationFraction <= 0.5)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 0.5], got " + validationFraction);
        }
        return with(Field.VALIDATION_FRACTION, v -> v.validationFraction = validationFraction + 0.0);
    }

    /**
     * Epochs (iterations) without a better validation loss before training stops, keeping the best
     * (with validation rows only: without them there is no early stopping).
     */
    public TrainingOptions withPatience(int patience) {
        positive("patience", patience);
        return with(Field.PATIENCE, v -> v.patience = patience);
    }

    /**
     * Convergence: L-BFGS stops when the objective falls by at most 2·tolerance·max(|f|, 1e-4·|f₀|)
     * over its last 2 iterations together, tolerance·max(...) an iteration on average (f₀ the
     * starting objective; with 1 epoch, never by this rule); a validation loss counts as better only
     * when lower by more than tolerance, relatively.
     */
    public TrainingOptions withTolerance(double tolerance) {
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
        }
        return with(Field.TOLERANCE, v -> v.tolerance = tolerance + 0.0);
    }

    /** The seed of the validation split, the initial weights and SGD's shuffles. */
    public TrainingOptions withSeed(long seed) {
        return with(Field.SEED, v -> v.seed = seed);
    }

    /** On the GPU, SGD's losses stay on the device and are read back every this many steps (SGD only). */
    public TrainingOptions withLossEvery(int lossEvery) {
        positive("lossEvery", lossEvery);
        return with(Field.LOSS_EVERY, v -> v.lossEvery = lossEvery);
    }

    /**
     * Whether the training rows are streamed even when they would fit: on the GPU through the device
     * in chunks, leaving its memory to other work (W, b, the optimizer's state and two chunks of
     * rows stay there), a file's rows read from the file chunk by chunk, never copied whole on the
     * host; on the CPU read from their source (a file) and scaled as they are used, rather than
     * copied whole, scaled, into the heap. By default (false) each streams
     * only when the set does not fit: the device's memory, or (on any engine) half the heap's
     * maximum, or one Java array, for the scaled copy.
     */
    public TrainingOptions withStream(boolean stream) {
        return with(Field.STREAM, v -> v.stream = stream);
    }

    /**
     * The memory, in bytes, that one chunk of scaled training rows may take when the rows are read
     * from their source chunk by chunk ({@link #withStream} on the CPU or, on a GPU, for rows that
     * are no array; or on any engine a set whose scaled copy would pass half the heap's maximum or
     * one Java array): two chunks are held at once at most (the training rows' and the validation
     * rows'). On the fast CPU engine it sizes SGD's chunks only, and is refused with L-BFGS, whose
     * passes read blocks of rows through the engine; on a GPU the device's chunks take at most this
     * and 8 MiB. Default 64 MiB;
     * at least 1 MiB; a chunk holds at least one minibatch (SGD) or one row whatever the budget.
     * Refused by the training when its rows are held whole instead, or are arrays streamed through
     * a GPU's own buffers.
     */
    public TrainingOptions withChunkMemory(long bytes) {
        if (bytes < MIN_CHUNK_MEMORY) {
            throw new IllegalArgumentException("chunkMemory must be at least " + MIN_CHUNK_MEMORY + " bytes (1 MiB), got "
                    + bytes);
        }
        return with(Field.CHUNK_MEMORY, v -> v.chunkMemory = bytes);
    }

    /**
     * Whether the training standardises the caller's arrays in place instead of in copies: half
     * the memory, and no time spent on fresh pages for the copy (default false: the arrays are never
     * modified). For training rows that are one whole array in memory, every row of it trained on
     * (validation rows given apart, or validationFraction 0), not read chunk by chunk from it on
     * the CPU ({@link #withStream} there; on a GPU the array, standardised, is what the device's
     * chunks are uploaded from); refused by the training elsewhere, where standardisation is on. Validation rows given apart in an array of their own are standardised
     * in place too (by the training rows' statistics). The arrays then hold the standardised rows,
     * (x − mean) / scale per feature, when {@code fit} returns or throws after its checks (a fit that
     * diverges says so: train again from the original rows). The model is the copy's, bit for bit
     * on the CPU, wherever the copy would be held whole too (at most half the heap's maximum).
     * Without standardisation (standardize false) there is nothing to write: such rows, one whole
     * array of which every row is trained on, are trained on as they are, without a copy, whether
     * or not this is set.
     */
    public TrainingOptions withInPlace(boolean inPlace) {
        return with(Field.IN_PLACE, v -> v.inPlace = inPlace);
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

    /** The positive class's weight; 0 when none was set (a weight of 1). */
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

    /** Bytes of one chunk of rows read from their source (see {@link #withChunkMemory}). */
    public long chunkMemory() {
        return chunkMemory;
    }

    /** Whether the training may standardise the caller's arrays in place (see {@link #withInPlace}). */
    public boolean inPlace() {
        return inPlace;
    }

    /**
     * Refuses options that cannot apply to this training, so that none is silently ignored: SGD's
     * options (batchSize, learningRate, momentum, schedule, lossEvery) under L-BFGS, positiveWeight
     * with softmax regression, classWeights with logistic regression, and patience (and, with SGD,
     * tolerance) without validation rows.
     *
     * @param validation whether there are validation rows to watch (the validation fraction, or
     *                   rows given apart)
     * @throws IllegalArgumentException whose message starts with the option's API name and says why
     */
    public void checkApplies(LinearModel.Kind kind, boolean validation) {
        if (optimizer == Optimizer.LBFGS) {
            for (Field f : new Field[] {Field.BATCH_SIZE, Field.LEARNING_RATE, Field.MOMENTUM, Field.SCHEDULE,
                Field.LOSS_EVERY}) {
                if (isSet(f)) {
                    throw new IllegalArgumentException(f.apiName() + " applies to SGD (optimizer SGD); the optimizer is "
                            + "L-BFGS, which takes full-batch steps of its own");
                }
            }
        }
        if (kind == LinearModel.Kind.SOFTMAX && isSet(Field.POSITIVE_WEIGHT)) {
            throw new IllegalArgumentException("positiveWeight applies to logistic regression; softmax regression "
                    + "weighs classes by classWeights");
        }
        if (kind == LinearModel.Kind.LOGISTIC && classWeights != null) {
            throw new IllegalArgumentException("classWeights apply to softmax regression; logistic regression weighs "
                    + "its positive class by positiveWeight");
        }
        if (!validation && isSet(Field.PATIENCE)) {
            throw new IllegalArgumentException("patience applies to early stopping, which watches validation rows; "
                    + "there are none (validationFraction is 0)");
        }
        if (!validation && optimizer == Optimizer.SGD && isSet(Field.TOLERANCE)) {
            throw new IllegalArgumentException("tolerance with SGD is the least improvement early stopping counts, "
                    + "and early stopping watches validation rows; there are none (validationFraction is 0)");
        }
    }

    /** The most steps {@link #sgdDiverges} follows one by one; past them, the constant-rate bound decides. */
    private static final long MOST_STEPS_FOLLOWED = 10_000_000L;

    /**
     * Why SGD over {@code steps} steps would diverge on its L2 term alone, whatever the data, or
     * null. The L2 term is in the gradient (2·l2·W), so on each weight it runs the heavy-ball
     * recurrence v ← μ·v + 2·l2·w, w ← w − lr_t·v, stable at a rate only while lr·2·l2 < 2·(1 + μ).
     * A learning rate below that bound passes (every rate of the schedule is at most it; a stable
     * rate's overshoot before it settles is short: at most about 20 times at μ = 0.9). Above it, the
     * recurrence is followed from w = 1 over this schedule's rates, and refused where it would end
     * with the weights larger than it started or carry them past 1e30 on the way (a cosine schedule
     * that starts a little above the bound and comes back under it soon enough passes). Past
     * {@value #MOST_STEPS_FOLLOWED} steps above the bound it is refused unfollowed.
     */
    String sgdDiverges(long steps) {
        if (optimizer != Optimizer.SGD || !(l2 > 0) || steps < 1) {
            return null;
        }
        double bound = (1 + momentum) / l2; // the largest stable rate
        if (learningRate < bound) {
            return null;
        }
        String growth;
        if (steps > MOST_STEPS_FOLLOWED) {
            growth = "grow the weights at every step its rate is past the bound";
        } else {
            double w = 1;
            double v = 0;
            double most = 1;
            for (long t = 0; t < steps && most < 1e30; t++) {
                v = momentum * v + 2 * l2 * w;
                w -= learningRate(t, steps) * v;
                most = Math.max(most, Math.abs(w));
            }
            if (most < 1e30 && !(Math.abs(w) > 1)) {
                return null;
            }
            growth = "scale the weights by " + (most < 1e30 ? String.format(java.util.Locale.ROOT, "%.3g",
                    Math.abs(w)) : "more than 1e30");
        }
        return String.format(java.util.Locale.ROOT, "learningRate (--learning-rate) %s with l2 (--l2) %s: over "
                + "this fit's %d SGD steps (%s schedule) the L2 term alone would %s, whatever the data, and the fit "
                + "would diverge: give a learning rate below %.3g (where learningRate·2·l2 < 2·(1 + momentum %s)), "
                + "or a smaller l2", learningRate, l2, steps, schedule.name().toLowerCase(java.util.Locale.ROOT),
                growth, bound, momentum);
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
                && stream == t.stream && chunkMemory == t.chunkMemory && inPlace == t.inPlace
                && setThatBehaves() == t.setThatBehaves();
    }

    @Override
    public int hashCode() {
        return Objects.hash(optimizer, epochs, batchSize, learningRate, momentum, schedule, l2,
                Arrays.hashCode(classWeights), labelSmoothing, positiveWeight, standardize, validationFraction,
                patience, tolerance, seed, lossEvery, stream, chunkMemory, inPlace, setThatBehaves());
    }

    @Override
    public String toString() {
        String common = "l2=" + l2 + ", standardize=" + standardize + ", validationFraction=" + validationFraction
                + ", patience=" + patience + ", tolerance=" + tolerance + ", seed=" + seed
                + (classWeights != null ? ", classWeights=" + org.softxent.util.Abbreviated.floats(classWeights) : "")
                + (labelSmoothing > 0 ? ", labelSmoothing=" + labelSmoothing : "")
                + (positiveWeight > 0 ? ", positiveWeight=" + positiveWeight : "")
                + (stream ? ", stream=true" : "")
                + (isSet(Field.CHUNK_MEMORY) ? ", chunkMemory=" + chunkMemory : "")
                + (inPlace ? ", inPlace=true" : "");
        // SGD's options given to L-BFGS (refused by checkApplies, and part of equals): said.
        String sgdGiven = (isSet(Field.BATCH_SIZE) ? ", batchSize=" + batchSize : "")
                + (isSet(Field.LEARNING_RATE) ? ", learningRate=" + learningRate : "")
                + (isSet(Field.MOMENTUM) ? ", momentum=" + momentum : "")
                + (isSet(Field.SCHEDULE) ? ", schedule=" + schedule : "")
                + (isSet(Field.LOSS_EVERY) ? ", lossEvery=" + lossEvery : "");
        return optimizer == Optimizer.LBFGS
                ? "TrainingOptions[L-BFGS, iterations=" + epochs + ", " + common + sgdGiven + "]"
                : "TrainingOptions[SGD, epochs=" + epochs + ", batchSize=" + batchSize + ", learningRate=" + learningRate
                        + ", momentum=" + momentum + ", schedule=" + schedule + ", " + common + "]";
    }
}
