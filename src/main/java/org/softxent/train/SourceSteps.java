package org.softxent.train;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import org.softxent.BinaryClassifierOptions;
import org.softxent.ClassifierOptions;
import org.softxent.Softxent;
import org.softxent.backend.Backend;
import org.softxent.backend.BackendAccess;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.io.RowSource;

/**
 * The training arithmetic on the host over rows read from their source chunk by chunk and scaled
 * as they are read, never held whole: for a set larger than the heap (a .npy of any size read
 * through {@link org.softxent.io.NpyFile}), or when asked ({@link TrainingOptions#withStream}).
 * What is held: the training and validation rows' indices, labels and predictions (an int each),
 * one chunk of scaled rows (where the engine does not read the rows itself, and for SGD), and the
 * weights' sums; an engine that reads the rows itself holds a block of them per thread.
 *
 * <ul>
 *   <li>The objective: each chunk's loss and gradients as sums (reduction sum, no L2) through the
 *       engine, added in chunk order in double, then divided by the mean's divisor (the rows'
 *       class weights summed, as the classifier's mean does; the rows for the binary classifier)
 *       with the L2 term added: the objective of the rows held in memory, up to float rounding.</li>
 *   <li>SGD: an epoch visits the chunks in a shuffled order and each chunk's rows in a shuffled
 *       order, its minibatches drawn from the chunk in memory ({@link #shuffle}). A minibatch is
 *       then a random draw from one chunk rather than from the whole set: unbiased when the file's
 *       rows are in no particular order, but a file sorted by class gives minibatches of few
 *       classes (shuffle such a file once, or use L-BFGS, which sees every row each step).</li>
 *   <li>The validation pass streams the validation rows the same way.</li>
 * </ul>
 *
 * <p>On an engine that reads its blocks of rows itself ({@link Backend#readsSources}: the fast CPU
 * engine), the objective and the validation pass are each one call over a scaled view of the rows
 * ({@link Scaling#view}): the engine reads and scales each block of rows into a buffer of its cache
 * block's size just before its products, so the rows cross memory once per pass, as from an array,
 * instead of being written to a chunk and read back. SGD takes its minibatches from chunks either
 * way.
 */
final class SourceSteps implements Steps {
    private final Softxent sx;
    private final Problem p;
    private final RowSource x;
    private final Scaling scaling;
    private final int[] kept;
    private final RowSource validationSource;
    private final int[] validationRows;
    private final int chunkRows;
    /** A chunk's rows, labels, targets and predictions, exactly its size (the engines take no longer arrays); made when first needed. */
    private Chunk full;
    private Chunk tail;
    private Chunk validationTail;
    private final float[] cgw;
    private final float[] cgb;
    private final double[] sumW;
    private final double[] sumB;
    private final double divisor;
    private final ClassifierOptions sumOptions;
    private final BinaryClassifierOptions binarySumOptions;
    // SGD
    private final int batch;
    private final SgdWeights sgd;
    private Chunk minibatch;
    private Chunk lastMinibatch;
    // An engine that reads the rows itself, or null, with the scaled views of the rows and the
    // passes' predictions (and the validation rows' 0/1 targets for the binary classifier).
    private final Backend reader;
    private final RowSource trainView;
    private final RowSource validationView;
    private final int[] predicted;
    private final int[] validationPredicted;

    /**
     * @param p               the labels (and targets) of the kept rows, the options; its x is not used
     * @param x               the rows, unscaled
     * @param kept            the training rows of x, ascending
     * @param validationSource where the validation rows are (x itself, or rows given apart)
     * @param validationRows  the validation rows of it, ascending (p.yv() their labels)
     * @param chunkFloats     floats of scaled rows held at once (TrainingOptions#chunkMemory / 4)
     */
    SourceSteps(Softxent sx, Problem p, RowSource x, Scaling scaling, int[] kept, RowSource validationSource,
                int[] validationRows, long chunkFloats, int batch, double momentum) {
        this.sx = sx;
        this.p = p;
        this.x = x;
        this.scaling = scaling;
        this.kept = kept;
        this.validationSource = validationSource;
        this.validationRows = validationRows;
        // Every epoch reads them all again: a file that fits the page cache is mapped once.
        x.readManyTimes();
        if (validationSource != x) {
            validationSource.readManyTimes();
        }
        int d = p.features();
        // Whole minibatches per chunk, so that an epoch takes ceil(rows / batch) steps, as the
        // trainer counts them for the schedule: only the last chunk's last minibatch is short.
        int most = Math.max(p.rows(), validationRows.length);
        int perBatch = Math.min(batch, Math.max(1, p.rows()));
        long whole = Math.max(1, chunkFloats / d / perBatch) * perBatch;
        this.chunkRows = (int) Math.max(1, Math.min(most, whole));
        int size = d * p.outputs();
        this.cgw = new float[size];
        this.cgb = new float[p.outputs()];
        this.sumW = new double[size];
        this.sumB = new double[p.outputs()];
        this.divisor = p.divisor();
        this.sumOptions = p.logistic() ? null : p.sumOptions();
        this.binarySumOptions = p.logistic() ? p.binarySumOptions() : null;
        this.batch = Math.min(batch, Math.max(1, p.rows()));
        this.sgd = new SgdWeights(size, p.outputs(), momentum);
        this.minibatch = new Chunk(this.batch, d, p.logistic());
        Backend backend = BackendAccess.of(sx);
        this.reader = backend.readsSources() ? backend : null;
        this.trainView = reader == null ? null : scaling.view(x, kept);
        this.validationView = reader == null || validationRows.length == 0 ? null
                : scaling.view(validationSource, validationRows);
        this.predicted = reader == null ? null : new int[p.rows()];
        this.validationPredicted = validationView == null ? null : new int[validationRows.length];
    }

    /** m rows' arrays, exactly m long: x [m, features], labels, targets (binary only), predictions. */
    private record Chunk(int m, float[] x, int[] labels, float[] targets, int[] predicted) {
        Chunk(int m, int d, boolean logistic) {
            this(m, new float[Math.multiplyExact(m, d)], new int[m], logistic ? new float[m] : null, new int[m]);
        }
    }

    /**
     * The chunk's arrays for m rows: the full chunk's, or a shorter last one's, made once (the
     * training rows' and the validation rows' each their own, so that alternating passes make none).
     */
    private Chunk chunk(int m, boolean validation) {
        if (m == chunkRows) {
            if (full == null) {
                full = new Chunk(chunkRows, p.features(), p.logistic());
            }
            return full;
        }
        Chunk last = validation ? validationTail : tail;
        if (last == null || last.m() != m) {
            last = new Chunk(m, p.features(), p.logistic());
            if (validation) {
                validationTail = last;
            } else {
                tail = last;
            }
        }
        return last;
    }

    /** A minibatch's arrays for mb rows. */
    private Chunk minibatch(int mb) {
        if (mb == minibatch.m()) {
            return minibatch;
        }
        if (lastMinibatch == null || lastMinibatch.m() != mb) {
            lastMinibatch = new Chunk(mb, p.features(), p.logistic());
        }
        return lastMinibatch;
    }

    /** Reads kept rows [from, from + m) of the training set, scaled, with their labels. */
    private Chunk load(int from, int m) {
        Chunk c = chunk(m, false);
        scaling.applyInto(x, kept, from, from + m, c.x());
        System.arraycopy(p.labels(), from, c.labels(), 0, m);
        if (c.targets() != null) {
            System.arraycopy(p.targets(), from, c.targets(), 0, m);
        }
        return c;
    }

    /** The rows through the classifier as sums, gradients into cgw and cgb, predictions into theirs. */
    private double sums(Chunk c, float[] w, float[] b) {
        if (p.logistic()) {
            return sx.binaryClassifier(c.x(), w, b, c.targets(), c.m(), p.features(), 1, binarySumOptions, cgw, cgb,
                    null, c.predicted()).loss();
        }
        return sx.classifier(c.x(), w, b, c.labels(), c.m(), p.features(), p.outputs(), sumOptions, cgw, cgb, null,
                c.predicted()).loss();
    }

    @Override
    public Pass objective(float[] w, float[] b, float[] gw, float[] gb) {
        Arrays.fill(sumW, 0);
        Arrays.fill(sumB, 0);
        double loss = 0;
        long right = 0;
        if (reader != null) {
            int n = p.rows();
            loss = p.logistic()
                    ? reader.binaryClassifierFrom(new BinaryClassifierProblem(null, w, b, p.targets(), null, n,
                            p.features(), 1, binarySumOptions, cgw, cgb, null, predicted), trainView)
                    : reader.classifierFrom(new ClassifierProblem(null, w, b, p.labels(), null, n, p.features(),
                            p.outputs(), sumOptions, cgw, cgb, null, predicted), trainView);
            for (int i = 0; i < sumW.length; i++) {
                sumW[i] = cgw[i];
            }
            for (int j = 0; j < sumB.length; j++) {
                sumB[j] = cgb[j];
            }
            right = Problem.correct(predicted, p.labels(), 0, n);
        }
        for (int from = 0; reader == null && from < p.rows(); from += chunkRows) {
            int m = Math.min(chunkRows, p.rows() - from);
            Chunk c = load(from, m);
            loss += sums(c, w, b);
            for (int i = 0; i < sumW.length; i++) {
                sumW[i] += cgw[i];
            }
            for (int j = 0; j < sumB.length; j++) {
                sumB[j] += cgb[j];
            }
            right += Problem.correct(c.predicted(), c.labels(), 0, m);
        }
        double l2 = p.logistic() ? p.binaryOptions().reg() : p.options().reg();
        double squares = 0;
        for (int i = 0; i < gw.length; i++) {
            gw[i] = (float) (sumW[i] / divisor + 2 * l2 * w[i]);
            squares += (double) w[i] * w[i];
        }
        for (int j = 0; j < gb.length; j++) {
            gb[j] = (float) (sumB[j] / divisor);
        }
        return new Pass(loss / divisor + l2 * squares, right);
    }

    @Override
    public void start(float[] w0, float[] b0) {
        sgd.start(w0, b0);
    }

    /**
     * An epoch's order of the kept rows for {@link #epoch}: the chunks in a shuffled order, each
     * chunk's rows (which stay within its range) shuffled.
     */
    @Override
    public void shuffle(int[] order, SplittableRandom random) {
        int n = order.length;
        int chunks = (n + chunkRows - 1) / chunkRows;
        int[] sequence = new int[chunks];
        Arrays.setAll(sequence, i -> i);
        Split.shuffle(sequence, random);
        int at = 0;
        for (int k : sequence) {
            int from = k * chunkRows;
            int m = Math.min(chunkRows, n - from);
            for (int i = 0; i < m; i++) {
                order[at + i] = from + i;
            }
            int[] part = Arrays.copyOfRange(order, at, at + m);
            Split.shuffle(part, random);
            System.arraycopy(part, 0, order, at, m);
            at += m;
        }
    }

    @Override
    public Pass epoch(int[] order, long first, LongToDoubleFunction rate) {
        int d = p.features();
        double sum = 0;
        long right = 0;
        long step = first;
        int at = 0;
        while (at < order.length) {
            // The chunk {@link #shuffle} put here: its rows are order[at, at + m), all within it.
            int from = order[at] / chunkRows * chunkRows;
            int m = Math.min(chunkRows, p.rows() - from);
            Chunk c = load(from, m);
            for (int r0 = 0; r0 < m; r0 += batch, step++) {
                int mb = Math.min(batch, m - r0);
                Chunk mini = minibatch(mb);
                for (int i = 0; i < mb; i++) {
                    int r = order[at + r0 + i] - from;
                    if (r < 0 || r >= m) {
                        throw new IllegalArgumentException("the epoch's order must keep each chunk's rows together, "
                                + "as shuffle() draws it: row " + order[at + r0 + i] + " is not in the chunk of rows ["
                                + from + ", " + (from + m) + ")");
                    }
                    System.arraycopy(c.x(), r * d, mini.x(), i * d, d);
                    mini.labels()[i] = c.labels()[r];
                    if (mini.targets() != null) {
                        mini.targets()[i] = c.targets()[r];
                    }
                }
                double loss;
                if (p.logistic()) {
                    loss = sx.binaryClassifier(mini.x(), sgd.w, sgd.b, mini.targets(), mb, d, 1, p.binaryOptions(), cgw, cgb,
                            null, mini.predicted()).loss();
                } else {
                    loss = sx.classifier(mini.x(), sgd.w, sgd.b, mini.labels(), mb, d, p.outputs(), p.options(), cgw, cgb,
                            null, mini.predicted()).loss();
                }
                sum += mb * loss;
                right += Problem.correct(mini.predicted(), mini.labels(), 0, mb);
                float lr = (float) rate.applyAsDouble(step);
                sgd.step(cgw, cgb, lr);
            }
            at += m;
        }
        return new Pass(sum / order.length, right);
    }

    @Override
    public void weights(float[] w, float[] b) {
        sgd.copyTo(w, b);
    }

    @Override
    public Pass validate(float[] w, float[] b) {
        int n = validationRows.length;
        if (n == 0) {
            return null;
        }
        if (validationView != null) {
            double loss = p.logistic()
                    ? reader.binaryClassifierFrom(new BinaryClassifierProblem(null, w, b, p.validationTargets(), null,
                            n, p.features(), 1, binarySumOptions, null, null, null, validationPredicted), validationView)
                    : reader.classifierFrom(new ClassifierProblem(null, w, b, p.yv(), null, n, p.features(),
                            p.outputs(), sumOptions, null, null, null, validationPredicted), validationView);
            return new Pass(loss / p.validationDivisor(), Problem.correct(validationPredicted, p.yv(), 0, n));
        }
        double loss = 0;
        long right = 0;
        for (int from = 0; from < n; from += chunkRows) {
            int m = Math.min(chunkRows, n - from);
            Chunk c = chunk(m, true);
            scaling.applyInto(validationSource, validationRows, from, from + m, c.x());
            System.arraycopy(p.yv(), from, c.labels(), 0, m);
            if (p.logistic()) {
                System.arraycopy(p.validationTargets(), from, c.targets(), 0, m);
                loss += sx.binaryClassifier(c.x(), w, b, c.targets(), m, p.features(), 1, binarySumOptions, null,
                        null, null, c.predicted()).loss();
            } else {
                loss += sx.classifier(c.x(), w, b, c.labels(), m, p.features(), p.outputs(), sumOptions, null, null,
                        null, c.predicted()).loss();
            }
            right += Problem.correct(c.predicted(), c.labels(), 0, m);
        }
        return new Pass(loss / p.validationDivisor(), right);
    }

    @Override
    public String description() {
        return sx.description() + "; " + TrainingResult.READ_FROM_SOURCE + " " + chunkRows + " at a time"
                + (reader != null ? " for SGD, block by block by the engine for L-BFGS and validation" : "");
    }

    @Override
    public void close() {
    }
}
