package org.softxent.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.softxent.Device;
import org.softxent.DeviceOutOfMemoryException;
import org.softxent.ShapeMismatchException;
import org.softxent.Softxent;
import org.softxent.backend.BackendAccess;
import org.softxent.io.RowSource;

/**
 * The training both regressions share: the checks of the data, the validation split, the feature
 * scaling, the optimizer's loop with its history and early stopping, on the engine given.
 */
final class Trainer {
    private final LinearModel.Kind kind;
    private final TrainingOptions o;

    Trainer(LinearModel.Kind kind, TrainingOptions o) {
        this.kind = kind;
        this.o = Objects.requireNonNull(o, "options must not be null");
    }

    TrainingResult fit(Softxent sx, float[] x, int[] labels, int rows, int features, TrainingListener listener) {
        return fit(sx, new Rows(x, labels, rows, features), null, listener);
    }

    /**
     * Trains on {@code train}; with {@code validation} rows (of the same features) early stopping
     * watches them instead of a share of the training rows.
     */
    TrainingResult fit(Softxent sx, Rows train, Rows validation, TrainingListener listener) {
        Objects.requireNonNull(sx, "sx must not be null");
        Objects.requireNonNull(train, "train must not be null");
        RowSource x = train.source();
        int rows = train.rows();
        int features = train.features();
        if (validation != null) {
            if (validation.features() != features) {
                throw new ShapeMismatchException("the validation rows have " + validation.features()
                        + " features, the training rows " + features);
            }
            Scaling.requireFinite("validation x", validation.source());
            if (o.validationFraction() > 0 && o.isSet(TrainingOptions.Field.VALIDATION_FRACTION)) {
                throw new IllegalArgumentException("validationFraction draws validation rows from the training rows; "
                        + "validation rows were given apart");
            }
        }
        o.checkApplies(kind, validation != null || o.validationFraction() > 0);
        Labels.Classes classes = Labels.of(train.labels());
        int[] labels = classes.index();
        int classCount = classes.count();
        if (kind == LinearModel.Kind.LOGISTIC && classCount != 2) {
            throw new IllegalArgumentException("logistic regression takes two classes, the labels hold " + classCount
                    + " " + LinearModel.describeLabels(classes.values()) + " (SoftmaxRegression takes more)");
        }
        if (o.classWeights() != null) {
            if (o.classWeights().length != classCount) {
                throw new ShapeMismatchException("classWeights must hold one weight per class, classes = " + classCount
                        + " " + LinearModel.describeLabels(classes.values()) + ", got " + o.classWeights().length);
            }
        }
        int[] yv = null;
        if (validation != null) {
            yv = new int[validation.rows()];
            for (int r = 0; r < yv.length; r++) {
                yv[r] = java.util.Arrays.binarySearch(classes.values(), validation.labels()[r]);
                if (yv[r] < 0) {
                    throw new IllegalArgumentException("validation labels[" + r + "] = " + validation.labels()[r]
                            + " is not one of the training rows' classes " + LinearModel.describeLabels(classes.values()));
                }
            }
        }

        Split split = validation == null && o.validationFraction() > 0
                ? Split.stratified(labels, classCount, o.validationFraction(), o.seed())
                : new Split(identity(rows), new int[0]);
        int n = split.kept().length;
        if (o.optimizer() == TrainingOptions.Optimizer.SGD) {
            // Before any work: an L2 term that alone would make these steps diverge (n, and so the
            // steps, known now: as sgd() counts them).
            long batch = Math.min(o.batchSize(), Math.max(1, n));
            String why = o.sgdDiverges((Math.max(1, n) + batch - 1) / batch * o.epochs());
            if (why != null) {
                throw new IllegalArgumentException(why);
            }
        }
        int[] y = Split.rows(labels, split.kept());
        int[] counts = Labels.counts(y, classCount);
        if (n != rows) {
            // A class whose every row the split drew (one row, at a fraction of 0.5 or more) would be
            // a class of the model that no training row taught: refused, as the command line's test split.
            int[] inAll = Labels.counts(labels, classCount);
            for (int c = 0; c < classCount; c++) {
                if (inAll[c] > 0 && counts[c] == 0) {
                    // In the API's words and the command line's (whose own checks cannot see this
                    // split, drawn here from the rows the test left).
                    throw new IllegalArgumentException("validationFraction (--validation-fraction) "
                            + o.validationFraction() + " draws every row of class " + classes.values()[c] + " ("
                            + inAll[c] + " of the " + rows + " rows) for validation: the model could not learn it "
                            + "(lower it, or give validation rows apart: --validation-data)");
                }
            }
        }
        RowSource validationSource = validation != null ? validation.source() : x;
        int[] validationRows = validation != null ? identity(validation.rows()) : split.heldOut();
        // The scaled copies of the training and validation rows, held whole unless asked not to
        // (on the CPU; on a GPU, for rows that are no array: a file's, streamed through the device
        // without a copy on the host) or unless they would take more than half the heap's maximum or pass one
        // array: then the steps read them chunk by chunk. Decided from -Xmx, not from the heap free
        // at the moment, so that a seed gives the same model at every run of the same JVM settings.
        boolean inPlace = o.inPlace();
        // Validation rows given apart in the training rows' own array are scaled into a copy.
        boolean validationInPlace = inPlace && validationSource.array() != x.array();
        long copyBytes = (Scaling.scalesWithoutCopy(x, split.kept(), inPlace, o.standardize()) ? 0 : 4L * features * n)
                + (Scaling.scalesWithoutCopy(validationSource, validationRows, validationInPlace, o.standardize()) ? 0
                : 4L * features * validationRows.length);
        long free = freeHeap();
        boolean fromSource = o.stream() && (sx.device() == Device.CPU || x.array() == null)
                || copyBytes > Runtime.getRuntime().maxMemory() / 2
                || (long) features * Math.max(n, validationRows.length) > MAX_ARRAY;
        // (Without standardisation there is nothing to write: no refusal.)
        if (inPlace && o.standardize() && (x.array() == null || n != rows || fromSource)) {
            throw new IllegalArgumentException("inPlace standardises the training rows in the caller's array, and "
                    + (x.array() == null ? "these rows are no array (a file's, or a selection of rows)"
                    : n != rows ? "a validation split draws rows from them: the kept rows are gathered into an array "
                    + "of their own (give validation rows apart, or validationFraction 0)"
                    : "the rows are read chunk by chunk from their source (stream on the CPU, or rows that pass "
                    + "half the heap or one Java array)"));
        }
        if (!fromSource && o.isSet(TrainingOptions.Field.CHUNK_MEMORY)) {
            throw new IllegalArgumentException("chunkMemory applies when the rows are read from their source chunk by "
                    + "chunk; these " + n + " × " + features + " rows are " + (o.stream()
                    ? "streamed through the GPU's own buffers" : "held whole in memory (withStream reads them chunk "
                    + "by chunk on the CPU)"));
        }
        if (fromSource && o.isSet(TrainingOptions.Field.CHUNK_MEMORY) && sx.device() == Device.CPU
                && o.optimizer() == TrainingOptions.Optimizer.LBFGS && BackendAccess.of(sx).readsSources()) {
            throw new IllegalArgumentException("chunkMemory sizes the chunks SGD draws its minibatches from; L-BFGS on "
                    + sx.description() + " reads the rows block by block itself: leave chunkMemory out");
        }
        long chunkFloats = Math.min(o.chunkMemory() / 4, MAX_ARRAY); // a chunk is one array
        if (fromSource && o.isSet(TrainingOptions.Field.CHUNK_MEMORY)) {
            // A chunk holds whole minibatches, one at least: a bound that one cannot meet is refused.
            long batch = Math.min(o.batchSize(), n);
            long least = 4L * features * batch;
            if (least > o.chunkMemory()) {
                boolean sgd = o.optimizer() == TrainingOptions.Optimizer.SGD;
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "chunkMemory (--chunk-mib) "
                        + "of %.1f MiB holds less than the least a chunk takes, one %s of %d rows × %d features "
                        + "(%.1f MiB): give at least %d MiB%s", o.chunkMemory() / 1048576.0, sgd ? "minibatch" : "block", batch,
                        features, least / 1048576.0, mib(least), sgd ? ", or a smaller batchSize (--batch-size)" : ""));
            }
        }
        if (fromSource) {
            // Two chunks at most (the training rows' last and the validation rows'), or, where the
            // engine reads blocks of rows itself (L-BFGS on the fast CPU engine), per thread a block
            // of rows (about 1 MiB, 16 rows at least) and its logits and dS (in float and double,
            // generously: 4 MiB more); the rows' indices, labels, targets and predictions, and per
            // weight L-BFGS's history (10 pairs in double) and the rest.
            boolean blocks = sx.device() == Device.CPU && o.optimizer() == TrainingOptions.Optimizer.LBFGS
                    && BackendAccess.of(sx).readsSources();
            long chunk = Math.min(chunkFloats, (long) features * Math.max(n, validationRows.length));
            long perThread = 4L * Math.max(1 << 18, 16L * features) + (4L << 20);
            long rowBuffers = blocks ? perThread * (Runtime.getRuntime().availableProcessors() + 1) : 2 * 4L * chunk;
            long need = rowBuffers + 20L * (n + validationRows.length) + 200L * features * Math.max(2, classCount);
            if (need > free) {
                boolean sgd = o.optimizer() == TrainingOptions.Optimizer.SGD;
                throw new IllegalArgumentException("training reads its " + n + " × " + features + " rows "
                        + (blocks ? "block by block" : "chunk by chunk") + " and needs about " + mib(need)
                        + " MiB of heap for " + (blocks ? "the blocks" : "two chunks of " + mib(4 * chunk) + " MiB")
                        + " and the rows' indices and labels; " + mib(free) + " MiB are free: give java more (-Xmx)"
                        + (sgd && chunk > (1 << 18)
                        ? ", or take smaller chunks (chunkMemory; --stream --chunk-mib N on the command line)" : ""));
            }
        }
        if (validation == null) {
            yv = Split.rows(labels, split.heldOut());
        }
        if (yv.length > 0 && Problem.weightSum(o.classWeights(), yv, yv.length) == 0) {
            // Early stopping watches the validation rows' loss, weighted as the training rows' (Problem).
            throw new IllegalArgumentException("classWeights (--class-weights) weigh 0 every class of the "
                    + yv.length + " validation rows: their loss, which early stopping watches, is 0/0 "
                    + "(give validation rows of a weighted class, or none: --validation-fraction 0)");
        }
        // One pass: the kept rows' statistics, every row of x checked finite; then, held whole, the
        // rows scaled into copies, or in the caller's arrays where the options allow it. The
        // validation rows first: drawn from x, they are copied before x might be overwritten.
        Scaling scaling = Scaling.of(x, split.kept(), o.standardize());
        if (validationRows.length > 0) {
            // Before any copy (validation rows given apart may be scaled in the caller's array).
            long over = scaling.firstOverflow(validationSource, validationRows);
            if (over >= 0) {
                int row = validationRows[(int) (over / features)];
                int q = (int) (over % features);
                boolean constant = java.util.Arrays.stream(scaling.constant()).anyMatch(c -> c == q);
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s[%d, %d] = %s, a "
                        + "validation row (%s), lies so far outside the training rows' values of feature %d (%s) "
                        + "that standardised, (x − %.6g) / %.6g, it passes float32's range: give validation rows "
                        + "like the training rows, or train without standardisation (standardize false)",
                        validationSource == x ? "x" : "validation x", row, q, Scaling.valueAt(validationSource, row, q),
                        validationSource.where(row), q,
                        constant ? "constant over them" : "of a small spread", scaling.centreOf(q),
                        scaling.scaleOf(q)));
            }
        }
        float[] xv = fromSource ? null : scaling.scaled(validationSource, validationRows, validationInPlace);
        float[] xt = fromSource ? null : scaling.scaled(x, split.kept(), inPlace);
        SplittableRandom random = new SplittableRandom(o.seed() ^ 0x5DEECE66DL);
        Problem problem = Problem.of(kind, xt, y, n, features, classCount, o, xv, yv);
        int outputs = problem.outputs();
        try (Steps steps = fromSource
                ? fromSource(sx, problem, x, scaling, split.kept(), validationSource, validationRows, chunkFloats)
                : steps(sx, problem)) {
            Loop loop = new Loop(scaling, features, classCount, outputs, n, problem.validationRows(), steps,
                    listener);
            if (listener != null) {
                listener.started(steps.description());
            }
            String reason;
            try {
                reason = o.optimizer() == TrainingOptions.Optimizer.LBFGS ? loop.lbfgs(steps) : loop.sgd(steps, n, random);
                if (loop.refusedTrials && reason.startsWith(Lbfgs.NO_STEP)) {
                    // Trial points the engine refused may have been rows turned NaN (a logit of a NaN
                    // is refused as one past float's range is), not steps too long.
                    requireUnchanged(x, split.kept(), xt, validationSource, validationRows, xv);
                }
            } catch (Lbfgs.NotFinite e) {
                // The rows were checked finite before the work: one that is not now changed meanwhile.
                requireUnchanged(x, split.kept(), xt, validationSource, validationRows, xv);
                throw new IllegalArgumentException("training stopped: " + e.getMessage() + ", with finite rows "
                        + "and weights (a product past float32's range: features of extreme magnitude left "
                        + "unstandardised; standardise them, or scale them down)", e);
            } catch (IllegalArgumentException e) {
                if (!fromTheWeights(e)) {
                    throw e;
                }
                requireUnchanged(x, split.kept(), xt, validationSource, validationRows, xv);
                // The data was checked above: a non-finite W, b or logit comes from the optimizer. (An
                // L2 term that alone makes SGD diverge was refused with the options.)
                throw new IllegalArgumentException("training diverged after " + loop.history.size() + " epochs ("
                        + e.getMessage() + ")" + (o.optimizer() == TrainingOptions.Optimizer.SGD
                        ? ": lower the learning rate" + weighted(o) : "") + (xt != null && xt == x.array()
                        && !scaling.identity() ? "; x (and validation rows given apart in an array of their own) "
                        + "holds the standardised rows now (inPlace): train again from the original rows" : ""), e);
            }
            return new TrainingResult(loop.model(loop.best, classes.values()), loop.history, reason, loop.bestEpoch,
                    scaling.constant(), scaling.coarse(), steps.description(), n, yv.length);
        }
    }

    /**
     * Throws {@link NonFiniteFeatureException} (changedDuringTraining) for the first non-finite
     * value the training or validation rows hold now, as the optimizer read them (the scaled copies
     * where there are some, else the sources); returns when they are all finite. They were checked
     * before the work: such a value means the rows changed while training read them (a file
     * rewritten meanwhile, a source that reads differently each time, or an array changed by
     * another thread).
     */
    private static void requireUnchanged(RowSource x, int[] kept, float[] xt, RowSource validationSource,
                                         int[] validationRows, float[] xv) {
        String more = "; the rows were finite when they were checked before training: they changed while "
                + "training read them (a file rewritten meanwhile, a source that reads differently each time, "
                + "an array changed by another thread)";
        requireUnchanged("x", x, kept, xt, more);
        if (validationRows.length > 0 && (xv != null || validationSource != x)) {
            requireUnchanged(validationSource == x ? "x" : "validation x", validationSource, validationRows, xv, more);
        }
    }

    private static void requireUnchanged(String name, RowSource source, int[] rows, float[] copy, String more) {
        int features = source.features();
        if (copy != null) {
            for (int i = 0; i < copy.length; i++) {
                // The copy's value and the source's now: a source finite there did not change there
                // (a copy made past float's range would be another fault, which the caller reports).
                if (!Float.isFinite(copy[i]) && !Float.isFinite(Scaling.valueAt(source, rows[i / features], i % features))) {
                    int row = rows[i / features];
                    throw new NonFiniteFeatureException(name, row, i % features, copy[i], source.where(row), more);
                }
            }
            return;
        }
        long bad = RowSource.firstNonFiniteRead(source); // even a source that says it is finite
        if (bad >= 0) {
            long row = bad / features;
            int column = (int) (bad % features);
            throw new NonFiniteFeatureException(name, row, column, Scaling.valueAt(source, row, column), source.where(row),
                    more);
        }
    }

    /**
     * The advice a diverged fit adds where a positive weight scales its gradient (BCE's mean divides
     * by the rows, so a weight pw makes the positive rows' gradient pw times larger; class weights
     * enter a weighted mean, whose scale they leave alone).
     */
    private static String weighted(TrainingOptions o) {
        return o.positiveWeight() > 1 ? String.format(java.util.Locale.ROOT, " (the positive weight of %.4g scales "
                + "the positive rows' gradient as much: the rate must be lower in proportion)", o.positiveWeight()) : "";
    }

    /** Whether an engine refused a non-finite W, b or logit (what a diverging optimizer makes). */
    static boolean fromTheWeights(IllegalArgumentException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("w[") || m.startsWith("b[") || m.startsWith("logits") || m.startsWith("the epoch's loss");
    }

    /**
     * Where the steps run: on the CPU through the array API; on a GPU with the set on the device, or
     * streamed through it when the device cannot hold the set or the options ask for it.
     *
     * @throws DeviceOutOfMemoryException when the device cannot hold even the weights and two minibatches
     */
    private Steps steps(Softxent sx, Problem p) {
        if (sx.device() == Device.GPU) {
            if (!o.stream()) {
                try {
                    return DeviceSteps.resident(sx.onDevice(), sx.description(), p, o.batchSize(), o.momentum(),
                            o.lossEvery());
                } catch (DeviceOutOfMemoryException e) {
                    // streamed, below
                }
            }
            return DeviceSteps.streamed(sx.onDevice(), sx.description(), p, o.batchSize(), o.momentum(),
                    o.lossEvery(), DeviceSteps.CHUNK_BYTES, !o.stream());
        }
        return new HostSteps(sx, p, o.batchSize(), o.momentum());
    }

    /**
     * The steps over rows read from their source, never held whole: on a GPU streamed through the
     * device's two chunk buffers, each chunk read and scaled on the host, then uploaded under the
     * steps queued before it (a chunk at most {@code chunkFloats} floats of rows where chunkMemory
     * is set, else the engine's pinned buffers' 8 MiB, or one minibatch when that is larger); where
     * the device cannot hold two such chunks, and on the CPU, {@link SourceSteps}.
     */
    private Steps fromSource(Softxent sx, Problem p, RowSource x, Scaling scaling, int[] kept, RowSource validationSource,
                             int[] validationRows, long chunkFloats) {
        if (sx.device() == Device.GPU) {
            // Every pass reads the rows again: a file that fits the page cache is mapped once.
            x.readManyTimes();
            if (validationSource != x) {
                validationSource.readManyTimes();
            }
            try {
                return DeviceSteps.streamed(sx.onDevice(), sx.description(), p, o.batchSize(), o.momentum(),
                        o.lossEvery(), o.isSet(TrainingOptions.Field.CHUNK_MEMORY) ? 4 * chunkFloats
                                : DeviceSteps.CHUNK_BYTES, false,
                        scaling.view(x, kept),
                        validationRows.length == 0 ? null : scaling.view(validationSource, validationRows));
            } catch (DeviceOutOfMemoryException e) {
                // the engine's array calls, chunk by chunk, below
            }
        }
        return new SourceSteps(sx, p, x, scaling, kept, validationSource, validationRows, chunkFloats, o.batchSize(),
                o.momentum());
    }

    /** The most elements of one Java array (a little under 2³¹, as the JDK's own collections keep). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** The heap this JVM can still take: its maximum less what is in use. */
    static long freeHeap() {
        Runtime r = Runtime.getRuntime();
        return r.maxMemory() - (r.totalMemory() - r.freeMemory());
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return a;
    }

    /**
     * The state of one run: the history and the best weights so far. Each epoch's metrics come from
     * the steps' own passes (the objective's or the epoch's, which count the rows they predict
     * right) and one validation pass through the same engine: none is computed here.
     */
    private final class Loop {
        final Scaling scaling;
        final int features;
        final int classes;
        final int outputs;
        final int trainingRows;
        final int validationRows;
        final Steps steps;
        final TrainingListener listener;
        final List<Epoch> history = new ArrayList<>();
        final long started = System.nanoTime();
        float[] best;
        int bestEpoch;
        double bestLoss = Double.POSITIVE_INFINITY;
        /** Whether an engine refused a trial point of L-BFGS's (its logits past float's range, or NaN). */
        boolean refusedTrials;
        /** The training rows' pass at the point the optimizer last accepted (L-BFGS). */
        Steps.Pass lastObjective;

        Loop(Scaling scaling, int features, int classes, int outputs, int trainingRows, int validationRows, Steps steps,
             TrainingListener listener) {
            this.scaling = scaling;
            this.features = features;
            this.classes = classes;
            this.outputs = outputs;
            this.trainingRows = trainingRows;
            this.validationRows = validationRows;
            this.steps = steps;
            this.listener = listener;
        }

        /** The model of parameters [W (features × outputs), b (outputs)], on the original features. */
        LinearModel model(float[] params, int[] labels) {
            int size = features * outputs;
            float[] w = Arrays.copyOf(params, size);
            return new LinearModel(kind, features, labels, w,
                    scaling.intercepts(w, Arrays.copyOfRange(params, size, size + outputs)), scaling.mean(),
                    scaling.scale());
        }

        /**
         * Records an epoch from the training rows' pass at its end and the validation pass; returns
         * false when early stopping says to stop.
         *
         * @param objective the objective (with the L2 term) the optimizer reports
         * @param train     the pass over the training rows that goes with it
         */
        boolean record(int epoch, double objective, Steps.Pass train, double rate, float[] params) {
            int size = features * outputs;
            float[] w = Arrays.copyOf(params, size);
            float[] b = Arrays.copyOfRange(params, size, size + outputs);
            Steps.Pass val = steps.validate(w, b);
            if (val != null && Double.isNaN(val.loss())) { // finite rows and weights never give it
                throw new Lbfgs.NotFinite("the validation loss is NaN", epoch,
                        o.optimizer() == TrainingOptions.Optimizer.SGD ? "epoch" : "iteration");
            }
            double squares = 0;
            for (float v : w) {
                squares += (double) v * v;
            }
            double l2 = o.l2() * squares;
            Epoch e = new Epoch(epoch, objective, train.loss() - l2, (double) train.correct() / trainingRows,
                    val == null ? Double.NaN : val.loss(),
                    val == null ? Double.NaN : (double) val.correct() / validationRows, rate,
                    (System.nanoTime() - started) / 1e9);
            history.add(e);
            if (listener != null) {
                listener.epoch(e, o.epochs());
            }
            double watched = val == null ? objective : val.loss();
            if (bestEpoch == 0 || !Double.isFinite(bestLoss)
                    || watched < bestLoss - o.tolerance() * Math.abs(bestLoss)) {
                bestLoss = watched;
                best = params.clone();
                bestEpoch = epoch;
                return true;
            }
            if (val == null) {
                best = params.clone(); // without validation, the last weights
                bestEpoch = epoch;
            }
            return val == null || epoch - bestEpoch < o.patience();
        }

        String lbfgs(Steps steps) {
            int size = features * outputs;
            float[] w = new float[size];
            float[] b = new float[outputs];
            float[] gw = new float[size];
            float[] gb = new float[outputs];
            double[] params = new double[size + outputs];
            best = toFloats(params);
            // Rows left unstandardised: L-BFGS moves variables in which they look standardised.
            Preconditioning shape = Preconditioning.of(scaling, o.standardize(), o.l2(), outputs);
            double[] theta = shape == null ? null : new double[size + outputs];
            double[] g = shape == null ? null : new double[size + outputs];
            double[] accepted = shape == null ? null : new double[size + outputs];
            String reason = Lbfgs.minimize((z, grad) -> {
                double[] at = z;
                if (shape != null) {
                    shape.parameters(z, theta);
                    at = theta;
                }
                for (int i = 0; i < size; i++) {
                    w[i] = (float) at[i];
                }
                for (int j = 0; j < outputs; j++) {
                    b[j] = (float) at[size + j];
                }
                double f;
                try {
                    lastObjective = steps.objective(w, b, gw, gb);
                    f = lastObjective.loss();
                } catch (IllegalArgumentException tooFar) { // a trial step so long that logits overflow
                    if (!fromTheWeights(tooFar)) {
                        throw tooFar;
                    }
                    refusedTrials = true;
                    return Double.POSITIVE_INFINITY;
                }
                double[] into = shape == null ? grad : g;
                for (int i = 0; i < size; i++) {
                    into[i] = gw[i];
                }
                for (int j = 0; j < outputs; j++) {
                    into[size + j] = gb[j];
                }
                if (shape != null) {
                    shape.gradient(g, grad);
                }
                return f;
            }, params, o.epochs(), o.tolerance(), (k, f, step, z) -> {
                if (shape == null) {
                    return record(k, f, lastObjective, step, toFloats(z));
                }
                shape.parameters(z, accepted);
                return record(k, f, lastObjective, step, toFloats(accepted));
            });
            return reason != null ? reason : "stopped early: the validation loss did not improve for "
                    + o.patience() + " iterations (the best weights, of iteration " + bestEpoch + ", are kept)";
        }

        String sgd(Steps steps, int n, SplittableRandom random) {
            int size = features * outputs;
            float[] w = new float[size];
            float[] b = new float[outputs];
            steps.start(w, b);
            // In long: n + batch − 1 passes an int near 2^31 rows.
            long perEpoch = ((long) n + Math.min(o.batchSize(), n) - 1) / Math.min(o.batchSize(), n);
            long total = perEpoch * o.epochs();
            int[] order = identity(n);
            for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                steps.shuffle(order, random);
                long first = (epoch - 1) * perEpoch;
                Steps.Pass pass = steps.epoch(order, first, s -> o.learningRate(s, total));
                double loss = pass.loss();
                steps.weights(w, b);
                float[] params = Arrays.copyOf(w, size + outputs);
                System.arraycopy(b, 0, params, size, outputs);
                if (!Double.isFinite(loss) || !finite(params)) {
                    throw new IllegalArgumentException("the epoch's loss is " + loss);
                }
                if (!record(epoch, loss, pass, o.learningRate(first + perEpoch - 1, total), params)) {
                    return "stopped early: the validation loss did not improve for " + o.patience()
                            + " epochs (the best weights, of epoch " + bestEpoch + ", are kept)";
                }
            }
            return "ran every epoch (" + o.epochs() + ")";
        }
    }

    private static boolean finite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static float[] toFloats(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }
}
