package org.softxent.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.softxent.ShapeMismatchException;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * A trained linear classifier: softmax regression over C classes (W [features, C], b [C]) or
 * logistic regression over two (W [features, 1], b [1], the logit of the second class), with the
 * feature scaling it was trained with (each feature x_q becomes (x_q − mean_q) / scale_q before the
 * product) and the class values its columns stand for (ascending, as scikit-learn's
 * {@code classes_}). Immutable.
 *
 * <p>Saved as a folder a NumPy user can open: {@code w.npy}, {@code b.npy}, {@code mean.npy},
 * {@code scale.npy} (float32) and {@code model.json} ({@code format}, {@code version}, {@code kind},
 * {@code features}, {@code classes}, {@code labels}: the class values, and {@code input}: the
 * layout of the file it was trained from, so that the same kind of file is read the same way);
 * {@code probs = softmax(((x − mean) / scale) @ w + b)}, or the sigmoid for logistic regression,
 * column j standing for class {@code labels[j]}. Every array's shape and every value is checked
 * when a model is made or loaded: a model with a non-finite weight never predicts.
 */
public final class LinearModel {
    /** Which loss, and so which link from logits to probabilities. */
    public enum Kind {
        SOFTMAX, LOGISTIC
    }

    /**
     * How the training file was laid out: a CSV of {@code columns} columns with the label in
     * {@code labelColumn} (from 0) and a header line or not, with the names the header gave the
     * columns (one per column; null without a header, or for a model saved before softxent kept
     * them), or a .npy file of features (with its labels in a file of their own).
     */
    public record Input(Format format, int columns, int labelColumn, boolean header, List<String> names) {
        /** The kind of file. */
        public enum Format {
            CSV, NPY
        }

        public Input {
            Objects.requireNonNull(format, "format must not be null");
            if (format == Format.CSV && (columns < 2 || labelColumn < 0 || labelColumn >= columns)) {
                throw new IllegalArgumentException("a CSV input has at least 2 columns and its label in one of them, "
                        + "got " + columns + " columns, label column " + labelColumn);
            }
            if (names != null) {
                if (format != Format.CSV || !header || names.size() != columns) {
                    throw new IllegalArgumentException("names are a CSV header's, one per column (" + columns
                            + "), got " + names.size());
                }
                names = List.copyOf(names);
            }
        }

        /** A layout without column names, as before softxent kept them. */
        public Input(Format format, int columns, int labelColumn, boolean header) {
            this(format, columns, labelColumn, header, null);
        }

        /** A CSV without column names. */
        public static Input csv(int columns, int labelColumn, boolean header) {
            return new Input(Format.CSV, columns, labelColumn, header, null);
        }

        /** A CSV whose header named its columns (names null: it did not, one per column). */
        public static Input csv(int columns, int labelColumn, boolean header, List<String> names) {
            return new Input(Format.CSV, columns, labelColumn, header, names);
        }

        public static Input npy() {
            return new Input(Format.NPY, 0, 0, false, null);
        }

        /** The names of the features, the columns but the label's, in order; null without names. */
        public List<String> featureNames() {
            if (names == null) {
                return null;
            }
            List<String> features = new java.util.ArrayList<>(names);
            features.remove(labelColumn);
            return List.copyOf(features);
        }
    }

    /** The version of the saved format this library writes; it reads this one and every older one. */
    public static final int FORMAT_VERSION = 2;
    static final String FORMAT = "softxent-linear-model";

    private final Kind kind;
    private final int features;
    private final int[] labels;
    private final float[] w;
    private final float[] b;
    private final float[] mean;
    private final float[] scale;
    private final Input input;

    /** A model whose classes are 0, 1, ..., classes − 1; see the other constructor. */
    public LinearModel(Kind kind, int features, int classes, float[] w, float[] b, float[] mean, float[] scale) {
        this(kind, features, range(classes), w, b, mean, scale, null);
    }

    /**
     * @param labels the class values, ascending and distinct (at least 2; exactly 2 for logistic
     *               regression, the second its positive class), copied
     * @param w      [features, outputs] (outputs = classes for softmax, 1 for logistic), finite, copied
     * @param b      [outputs], finite, copied
     * @param mean   [features], finite, copied
     * @param scale  [features], each finite and > 0, copied
     * @throws IllegalArgumentException naming the first array or value that does not fit
     */
    public LinearModel(Kind kind, int features, int[] labels, float[] w, float[] b, float[] mean, float[] scale) {
        this(kind, features, labels, w, b, mean, scale, null);
    }

    private LinearModel(Kind kind, int features, int[] labels, float[] w, float[] b, float[] mean, float[] scale,
                        Input input) {
        this.kind = Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(labels, "labels must not be null");
        int classes = labels.length;
        if (features < 1 || classes < 2 || (kind == Kind.LOGISTIC && classes != 2)) {
            throw new IllegalArgumentException("a " + kind.name().toLowerCase(Locale.ROOT) + " model needs features "
                    + ">= 1 and " + (kind == Kind.LOGISTIC ? "2 classes" : "at least 2 classes") + ", got features "
                    + features + ", classes " + classes);
        }
        for (int j = 1; j < classes; j++) {
            if (labels[j] <= labels[j - 1]) {
                throw new IllegalArgumentException("labels must be distinct and ascending, got "
                        + Arrays.toString(labels));
            }
        }
        this.features = features;
        this.labels = labels.clone();
        int outputs = kind == Kind.SOFTMAX ? classes : 1;
        this.w = finite("w", length("w", w, (long) features * outputs, "features × outputs = " + features + " × "
                + outputs), outputs);
        this.b = finite("b", length("b", b, outputs, "outputs = " + outputs), 0);
        this.mean = finite("mean", length("mean", mean, features, "features = " + features), 0);
        this.scale = length("scale", scale, features, "features = " + features);
        for (int q = 0; q < features; q++) {
            if (!(this.scale[q] > 0 && this.scale[q] < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("scale[" + q + "] = " + this.scale[q] + ": the scale of each "
                        + "feature must be finite and > 0");
            }
        }
        this.input = input;
    }

    private static int[] range(int classes) {
        int[] r = new int[Math.max(0, classes)];
        Arrays.setAll(r, i -> i);
        return r;
    }

    private static float[] length(String name, float[] a, long expected, String shape) {
        Objects.requireNonNull(a, name + " must not be null");
        if (a.length != expected) {
            throw new ShapeMismatchException(name + " must hold " + shape + " floats, got " + a.length);
        }
        return a.clone();
    }

    /** a, after checking that every value is finite (named [i] or [row, col] when cols > 0). */
    private static float[] finite(String name, float[] a, int cols) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) {
                String at = cols > 0 ? "[" + i / cols + ", " + i % cols + "]" : "[" + i + "]";
                throw new IllegalArgumentException(name + at + " is " + a[i] + ": a model's values must be finite");
            }
        }
        return a;
    }

    /** This model with the layout of the file it was trained from, for reading that kind of file again. */
    public LinearModel withInput(Input input) {
        return new LinearModel(kind, features, labels, w, b, mean, scale, input);
    }

    public Kind kind() {
        return kind;
    }

    public int features() {
        return features;
    }

    public int classes() {
        return labels.length;
    }

    /** The class values, ascending: column j of the probabilities stands for labels()[j]. A copy. */
    public int[] labels() {
        return labels.clone();
    }

    /** The layout of the training file, when the model knows it. */
    public Optional<Input> input() {
        return Optional.ofNullable(input);
    }

    /** Columns of W: classes for softmax, 1 for logistic regression. */
    public int outputs() {
        return kind == Kind.SOFTMAX ? labels.length : 1;
    }

    /** A copy of W [features, outputs], for standardised features. */
    public float[] w() {
        return w.clone();
    }

    public float[] b() {
        return b.clone();
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] scale() {
        return scale.clone();
    }

    /** The index of class value {@code label}, or −1 when it is not one of the model's. */
    public int indexOf(int label) {
        int i = Arrays.binarySearch(labels, label);
        return i >= 0 ? i : -1;
    }

    /** The logits [rows, outputs] of x [rows, features], in double. */
    double[] logits(float[] x, int rows) {
        checkRows(x, rows);
        int k = outputs();
        if ((long) rows * Math.max(k, classes()) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the outputs of " + rows + " rows × " + classes()
                    + " classes exceed one Java array; predict fewer rows at a time");
        }
        double[] z = new double[rows * k];
        double[] row = new double[features];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < features; q++) {
                float v = x[r * features + q];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("x[" + r + ", " + q + "] = " + v + ": features must be finite");
                }
                row[q] = ((double) v - mean[q]) / scale[q]; // in double: no overflow for any finite model
            }
            for (int j = 0; j < k; j++) {
                double s = b[j];
                for (int q = 0; q < features; q++) {
                    s += row[q] * w[q * k + j];
                }
                z[r * k + j] = s;
            }
        }
        return z;
    }

    private void checkRows(float[] x, int rows) {
        Objects.requireNonNull(x, "x must not be null");
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be at least 1, got " + rows);
        }
        if ((long) rows * features != x.length) {
            throw new ShapeMismatchException("x must hold rows × features = " + rows + " × " + features + " = "
                    + (long) rows * features + " floats, got " + x.length);
        }
    }

    /** The probabilities [rows, classes] and the predicted class value [rows] of one pass over the data. */
    public record Predictions(float[] probabilities, int[] classes) {
    }

    /**
     * {@link #predictProba} and {@link #predict} from one computation of the logits, for callers
     * that want both.
     */
    public Predictions predictBoth(float[] x, int rows) {
        double[] z = logits(x, rows);
        return new Predictions(probabilities(z, rows), classes(z, rows));
    }

    /**
     * The probabilities [rows, classes] of each class for x [rows, features] (finite), column j for
     * class labels()[j]. Exact at every magnitude of the logits: each row sums to 1 within float
     * rounding, and a row of tied logits shares its probability evenly however large they are.
     */
    public float[] predictProba(float[] x, int rows) {
        return probabilities(logits(x, rows), rows);
    }

    private float[] probabilities(double[] z, int rows) {
        int classes = classes();
        float[] p = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            if (kind == Kind.LOGISTIC) {
                // Each from its own side, so that neither is 1 − (a number near 1).
                p[2 * r] = (float) (1 / (1 + Math.exp(z[r])));
                p[2 * r + 1] = (float) (1 / (1 + Math.exp(-z[r])));
            } else {
                // exp(z − max) / Σ exp(z − max): never max + log Σ, which loses log Σ for large logits.
                double max = max(z, r);
                double sum = 0;
                for (int j = 0; j < classes; j++) {
                    sum += Math.exp(z[r * classes + j] - max);
                }
                for (int j = 0; j < classes; j++) {
                    p[r * classes + j] = (float) (Math.exp(z[r * classes + j] - max) / sum);
                }
            }
        }
        return p;
    }

    /** The most probable class value of each row of x [rows, features] (the lowest on a tie). */
    public int[] predict(float[] x, int rows) {
        return classes(logits(x, rows), rows);
    }

    private int[] classes(double[] z, int rows) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = labels[predicted(z, r)];
        }
        return out;
    }

    /** The index of row r's most probable class. */
    private int predicted(double[] z, int r) {
        if (kind == Kind.LOGISTIC) {
            return z[r] > 0 ? 1 : 0;
        }
        int classes = classes();
        int best = 0;
        for (int j = 1; j < classes; j++) {
            if (z[r * classes + j] > z[r * classes + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Accuracy, mean log loss and confusion matrix on x [rows, features] with labels [rows], each
     * one of the model's class values.
     *
     * @throws IllegalArgumentException naming labels[r] when it is not one of the model's classes
     */
    public Evaluation evaluate(float[] x, int[] labels, int rows) {
        Objects.requireNonNull(labels, "labels must not be null");
        if (labels.length != rows) {
            throw new ShapeMismatchException("labels must hold rows = " + rows + " ints, got " + labels.length);
        }
        int[] y = indices(labels);
        double[] z = logits(x, rows);
        int[] predicted = new int[rows];
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            predicted[r] = predicted(z, r);
            loss += rowLoss(z, r, y[r]);
        }
        return Evaluation.of(rows, loss / rows, y, predicted, this.labels);
    }

    // ---------------------------------------------------------------------------------------------
    // Through an engine: the products by OpenBLAS on the CPU or cuBLAS on a GPU, the softmax the
    // engine's (exact at every magnitude). The methods without an engine are the double reference.

    /**
     * W and b with the scaling folded in, as one linear layer over the original features:
     * W'[q, j] = W[q, j] / scale[q], b'[j] = b[j] − Σ_q mean[q]·W'[q, j] (in double, then rounded). A
     * logistic model becomes a softmax over two columns, [0, z]: softmax([0, z]) = [σ(−z), σ(z)], and
     * its cross-entropy is the binary one, so one engine path serves both kinds.
     *
     * <p>Folding the mean into b' makes the float products add x·W' and then cancel most of it
     * against b': a feature far from zero next to its spread (a year, a timestamp, a sensor's
     * offset) would leave the logits only the float rounding of x·W' (at 1e6 ± 1, whole units).
     * Where some feature's |mean| exceeds {@value #CENTRE_RATIO} of its scale, {@code centre} is
     * the mean and b' leaves it out: each batch's rows are centred (x − mean, in float, exact for x
     * near mean) before the products, as training centred them.
     */
    private record Folded(float[] w, float[] b, int columns, boolean finite, float[] centre) {
    }

    /**
     * The largest |mean| / scale of a feature whose weights are not all 0 that the folded products
     * take; beyond it their float rounding grows with the ratio (the logits' error with the mean
     * folded in is about (1 + ratio)× that with the rows centred), and the rows are centred.
     */
    static final double CENTRE_RATIO = 8;

    private volatile Folded folded;

    private Folded folded() {
        Folded f = folded;
        if (f == null) {
            int k = outputs();
            int columns = kind == Kind.SOFTMAX ? k : 2;
            int shift = columns - k; // logistic: column 0 stays 0
            boolean centre = false;
            for (int q = 0; q < features && !centre; q++) {
                boolean weighs = false;
                for (int j = 0; j < k; j++) {
                    weighs |= w[q * k + j] != 0;
                }
                centre = weighs && Math.abs((double) mean[q]) > CENTRE_RATIO * scale[q];
            }
            float[] fw = new float[features * columns];
            double[] fb = new double[columns];
            for (int j = 0; j < k; j++) {
                fb[shift + j] = b[j];
            }
            for (int q = 0; q < features; q++) {
                for (int j = 0; j < k; j++) {
                    double v = (double) w[q * k + j] / scale[q];
                    fw[q * columns + shift + j] = (float) v;
                    if (!centre) {
                        fb[shift + j] -= mean[q] * v;
                    }
                }
            }
            float[] bf = new float[columns];
            for (int j = 0; j < columns; j++) {
                bf[j] = (float) fb[j];
            }
            boolean finite = true;
            for (float v : fw) {
                finite &= Float.isFinite(v);
            }
            for (float v : bf) {
                finite &= Float.isFinite(v);
            }
            f = new Folded(fw, bf, columns, finite, centre ? mean : null);
            folded = f;
        }
        return f;
    }

    /** Whether an engine refused the logits themselves (products beyond float): the double path then serves. */
    private static boolean logitsOverflow(IllegalArgumentException e) {
        return String.valueOf(e.getMessage()).contains("logits x·w + b");
    }

    /** Floats of features a batch of the engine paths reads at a time (16 MiB). */
    static final int BATCH_FLOATS = 1 << 22;

    /**
     * {@link #predictBoth(float[], int)} through {@code sx}: the probabilities and the predicted
     * class values from one forward pass on the engine. Agrees with the double reference to the
     * products' float rounding, relative to |x|·|W / scale|, or to |x − mean|·|W / scale| for a
     * model with a feature whose mean is far from zero next to its scale (the rows are then centred
     * before the products); a model whose logits pass float's range is computed by the double
     * reference instead.
     */
    public Predictions predictBoth(org.softxent.Softxent sx, float[] x, int rows) {
        checkRows(x, rows);
        return predictBoth(sx, org.softxent.io.RowSource.of(x, rows, features));
    }

    /** As {@link #predictBoth(org.softxent.Softxent, float[], int)}, of rows read in batches from {@code x}. */
    public Predictions predictBoth(org.softxent.Softxent sx, org.softxent.io.RowSource x) {
        int rows = rowsOf(x);
        float[] probs = new float[Math.multiplyExact(rows, classes())];
        int[] values = new int[rows];
        predictEach(sx, x, (first, m, p, c) -> {
            System.arraycopy(p, 0, probs, first * classes(), m * classes());
            System.arraycopy(c, 0, values, first, m);
        });
        return new Predictions(probs, values);
    }

    /** What {@link #predictEach} hands over: a batch's rows [first, first + m). */
    public interface PredictionSink {
        /**
         * @param probabilities [m, classes], the batch's (valid during the call)
         * @param classes       [m], its predicted class values (valid during the call)
         */
        void accept(int first, int m, float[] probabilities, int[] classes);
    }

    /**
     * The predictions of the rows of {@code x}, batch by batch in order, each handed to
     * {@code sink} as soon as it is computed: for a set whose predictions need not be held whole
     * (predict writes them to its files as they come). What the sink throws comes out as it is.
     */
    public void predictEach(org.softxent.Softxent sx, org.softxent.io.RowSource x, PredictionSink sink) {
        Objects.requireNonNull(sx, "sx must not be null");
        Objects.requireNonNull(sink, "sink must not be null");
        rowsOf(x);
        Folded f = folded();
        batches(x, f.centre(), (batch, first, m) -> {
            Predictions part = null;
            if (f.finite()) {
                float[] p = new float[m * f.columns()];
                int[] index = new int[m];
                try {
                    sx.linearSoftmax(batch, f.w(), f.b(), m, features, f.columns(), p, index);
                    for (int r = 0; r < m; r++) {
                        index[r] = labels[index[r]];
                    }
                    part = new Predictions(p, index);
                } catch (IllegalArgumentException e) {
                    if (!logitsOverflow(e)) {
                        throw e;
                    }
                }
            }
            if (part == null) { // logits beyond float: the double reference, exact at any magnitude
                part = predictBoth(raw(x, f, batch, first, m), m);
            }
            sink.accept(first, m, part.probabilities(), part.classes());
        });
    }

    /** {@link #predictProba(float[], int)} through {@code sx} (see {@link #predictBoth(org.softxent.Softxent, float[], int)}). */
    public float[] predictProba(org.softxent.Softxent sx, float[] x, int rows) {
        return predictBoth(sx, x, rows).probabilities();
    }

    /** {@link #predict(float[], int)} through {@code sx} (see {@link #predictBoth(org.softxent.Softxent, float[], int)}). */
    public int[] predict(org.softxent.Softxent sx, float[] x, int rows) {
        return predictBoth(sx, x, rows).classes();
    }

    /**
     * {@link #evaluate(float[], int[], int)} through {@code sx}: the log loss and the predictions
     * from the engine's classifier pass (the cross-entropy, no L2), the accuracy and the confusion
     * matrix from the predictions.
     */
    public Evaluation evaluate(org.softxent.Softxent sx, float[] x, int[] labels, int rows) {
        checkRows(x, rows);
        return evaluate(sx, org.softxent.io.RowSource.of(x, rows, features), labels);
    }

    /** As {@link #evaluate(org.softxent.Softxent, float[], int[], int)}, of rows read in batches from {@code x}. */
    public Evaluation evaluate(org.softxent.Softxent sx, org.softxent.io.RowSource x, int[] labels) {
        Objects.requireNonNull(sx, "sx must not be null");
        Objects.requireNonNull(labels, "labels must not be null");
        int rows = rowsOf(x);
        if (labels.length != rows) {
            throw new ShapeMismatchException("labels must hold rows = " + rows + " ints, got " + labels.length);
        }
        int[] y = indices(labels);
        Folded f = folded();
        int[] predictedAll = new int[rows];
        double[] loss = {0};
        org.softxent.ClassifierOptions sum = org.softxent.ClassifierOptions.defaults().withCrossEntropy(
                org.softxent.CrossEntropyOptions.defaults().withReduction(org.softxent.Reduction.SUM));
        batches(x, f.centre(), (batch, first, m) -> {
            int[] yb = java.util.Arrays.copyOfRange(y, first, first + m);
            int[] predicted = null;
            if (f.finite()) {
                predicted = new int[m];
                try {
                    loss[0] += sx.classifier(batch, f.w(), f.b(), yb, m, features, f.columns(), sum, null, null, null,
                            predicted).loss();
                } catch (IllegalArgumentException e) {
                    if (!logitsOverflow(e)) {
                        throw e;
                    }
                    predicted = null;
                }
            }
            if (predicted == null) { // logits beyond float: the double reference, exact at any magnitude
                double[] z = logits(raw(x, f, batch, first, m), m);
                predicted = new int[m];
                for (int r = 0; r < m; r++) {
                    predicted[r] = predicted(z, r);
                    loss[0] += rowLoss(z, r, yb[r]);
                }
            }
            System.arraycopy(predicted, 0, predictedAll, first, m);
        });
        return Evaluation.of(rows, loss[0] / rows, y, predictedAll, this.labels);
    }

    private int rowsOf(org.softxent.io.RowSource x) {
        Objects.requireNonNull(x, "x must not be null");
        if (x.features() != features) {
            throw new ShapeMismatchException("x has " + x.features() + " features, the model takes " + features);
        }
        if (x.rows() < 1 || x.rows() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("rows must be from 1 to " + (Integer.MAX_VALUE - 8) + ", got "
                    + x.rows());
        }
        return (int) x.rows();
    }

    /** One batch of rows [first, first + m), its features in batch [m, features]. */
    private interface Batch {
        void accept(float[] batch, int first, int m);
    }

    /**
     * The rows of x in batches of at most {@link #BATCH_FLOATS} floats (all of them at once when x
     * is one array and there is no centre), less {@code centre} when it is not null: each batch
     * read and centred in pieces of {@value #CENTRE_ROWS} rows on the fork/join pool, each piece
     * centred while it is in the core's cache.
     */
    private void batches(org.softxent.io.RowSource x, float[] centre, Batch each) {
        int rows = (int) x.rows();
        if (x.array() != null && centre == null) {
            each.accept(x.array(), 0, rows);
            return;
        }
        int per = Math.max(1, (centre == null ? BATCH_FLOATS : CENTRED_BATCH_FLOATS) / features);
        float[] buffer = new float[Math.min(rows, per) * features];
        for (int first = 0; first < rows; first += per) {
            int m = Math.min(per, rows - first);
            float[] batch = m * features == buffer.length ? buffer : new float[m * features];
            if (centre == null) {
                x.read(first, m, batch, 0);
            } else {
                int at = first;
                boolean wide = x.holdsDoubles();
                java.util.stream.IntStream.range(0, (m + CENTRE_ROWS - 1) / CENTRE_ROWS).parallel().forEach(k -> {
                    int r0 = k * CENTRE_ROWS;
                    int count = Math.min(CENTRE_ROWS, m - r0);
                    if (wide) { // centred from the values as stored, before float32 rounds them
                        double[] v = CENTRING.atLeast(count * features);
                        x.readDoubles(at + r0, count, v, 0);
                        for (int i = 0; i < count * features; i += features) {
                            for (int q = 0; q < features; q++) {
                                batch[r0 * features + i + q] = (float) (v[i + q] - centre[q]);
                            }
                        }
                        return;
                    }
                    x.read(at + r0, count, batch, r0 * features);
                    for (int i = r0 * features; i < (r0 + count) * features; i += features) {
                        for (int q = 0; q < features; q++) {
                            batch[i + q] -= centre[q];
                        }
                    }
                });
            }
            each.accept(batch, first, m);
        }
    }

    /**
     * Floats of a centred batch (4 MiB): a bounded copy however large x is; batches of 256 KiB to
     * 16 MiB timed alike on this project's machine (60,000 × 784: 60–115 ms each way).
     */
    static final int CENTRED_BATCH_FLOATS = 1 << 20;

    /** Each thread's buffer of a piece's values as stored, for a source that holds doubles. */
    private static final org.softxent.util.PerThreadArray<double[]> CENTRING =
            org.softxent.util.PerThreadArray.doubles();

    /** Rows a piece of a centred batch reads and centres at a time. */
    private static final int CENTRE_ROWS = 64;

    /**
     * The rows [first, first + m) of x as they are, [m, features], for the double reference: the
     * batch itself, or read again where the batch was centred.
     */
    private float[] raw(org.softxent.io.RowSource x, Folded f, float[] batch, int first, int m) {
        if (f.centre() != null) {
            float[] rows = new float[m * features];
            x.read(first, m, rows, 0);
            return rows;
        }
        return m * features == batch.length ? batch : java.util.Arrays.copyOf(batch, m * features);
    }

    /** Each label's class index. @throws IllegalArgumentException for a value the model does not have */
    int[] indices(int[] values) {
        int[] y = new int[values.length];
        for (int r = 0; r < values.length; r++) {
            y[r] = indexOf(values[r]);
            if (y[r] < 0) {
                throw new IllegalArgumentException("labels[" + r + "] = " + values[r] + " is not one of the model's "
                        + classes() + " classes " + describeLabels(labels));
            }
        }
        return y;
    }

    /** The class values as a short list: [3, 7], or [0, 1, 2, ..., 999] for many. */
    static String describeLabels(int[] labels) {
        if (labels.length <= 12) {
            return Arrays.toString(labels);
        }
        return "[" + labels[0] + ", " + labels[1] + ", " + labels[2] + ", ..., " + labels[labels.length - 1] + "]";
    }

    /** −log p_y of row r from its logits, without forming p (so a confident wrong row costs its margin). */
    private double rowLoss(double[] z, int r, int y) {
        if (kind == Kind.LOGISTIC) {
            double v = y == 1 ? -z[r] : z[r]; // −log σ(±z) = softplus(∓z)
            return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        }
        int classes = classes();
        double max = max(z, r);
        double sum = 0;
        for (int j = 0; j < classes; j++) {
            sum += Math.exp(z[r * classes + j] - max);
        }
        return (max - z[r * classes + y]) + Math.log(sum);
    }

    private double max(double[] z, int r) {
        int classes = classes();
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            max = Math.max(max, z[r * classes + j]);
        }
        return max;
    }

    // ---------------------------------------------------------------------------------------------

    /** The arrays of the saved form, by file name without ".npy": w, b, mean, scale (float32). */
    public java.util.Map<String, NpyArray> arrays() {
        java.util.Map<String, NpyArray> files = new java.util.LinkedHashMap<>();
        files.put("w", NpyArray.ofFloats(w.clone(), features, outputs()));
        files.put("b", NpyArray.ofFloats(b.clone(), outputs()));
        files.put("mean", NpyArray.ofFloats(mean.clone(), features));
        files.put("scale", NpyArray.ofFloats(scale.clone(), features));
        return files;
    }

    /** The text of model.json. */
    public String metadata() {
        JsonObject json = new JsonObject();
        json.addProperty("format", FORMAT);
        json.addProperty("version", FORMAT_VERSION);
        json.addProperty("kind", kind.name().toLowerCase(Locale.ROOT));
        json.addProperty("features", features);
        json.addProperty("classes", labels.length);
        JsonArray values = new JsonArray();
        for (int label : labels) {
            values.add(label);
        }
        json.add("labels", values);
        if (input != null) {
            JsonObject in = new JsonObject();
            in.addProperty("format", input.format().name().toLowerCase(Locale.ROOT));
            if (input.format() == Input.Format.CSV) {
                in.addProperty("columns", input.columns());
                in.addProperty("label_column", input.labelColumn());
                in.addProperty("header", input.header());
                if (input.names() != null) {
                    JsonArray names = new JsonArray();
                    input.names().forEach(names::add);
                    in.add("names", names);
                }
            }
            json.add("input", in);
        }
        json.addProperty("probabilities", kind == Kind.SOFTMAX
                ? "softmax(((x - mean) / scale) @ w + b), column j for class labels[j]"
                : "p(labels[1]) = sigmoid(((x - mean) / scale) @ w + b)");
        Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
        return gson.toJson(json) + "\n";
    }

    /**
     * Writes the model into dir (created if need be). Every file is written aside under a name of
     * its own, then renamed onto its name, so none is ever half-written; the old model.json is
     * removed just before the renames and the new one renamed last. A save that fails while writing
     * leaves the old model as it was; one stopped between two renames leaves a folder that
     * {@link #load} refuses (no model.json), never a mix of two models' files. Saves into one folder
     * from several threads of this JVM take turns, so the folder then holds one of the models whole;
     * saves into one folder from several processes at once are not covered (save each model into a
     * folder of its own, and rename the folder into place where others read it).
     */
    public void save(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new java.nio.file.FileAlreadyExistsException(dir.toString(), null,
                    "a model is saved into a folder, and this is a file");
        }
        Files.createDirectories(dir);
        Object turn = SAVES.computeIfAbsent(dir.toRealPath(), k -> new Object());
        synchronized (turn) {
            // Every file written aside first; then model.json goes and comes back last: a save that
            // fails while writing leaves the old model whole, one stopped between two renames
            // leaves no model.json (no model), never the new w.npy beside an older model's files.
            java.util.Map<Path, Path> aside = new java.util.LinkedHashMap<>();
            try {
                for (java.util.Map.Entry<String, NpyArray> e : arrays().entrySet()) {
                    Path tmp = aside(dir, e.getKey() + ".npy");
                    aside.put(dir.resolve(e.getKey() + ".npy"), tmp);
                    Npy.write(tmp, e.getValue());
                }
                Path json = aside(dir, "model.json");
                aside.put(dir.resolve("model.json"), json);
                Files.writeString(json, metadata(), StandardCharsets.UTF_8);
                Files.deleteIfExists(dir.resolve("model.json"));
                for (java.util.Map.Entry<Path, Path> e : aside.entrySet()) { // model.json is the last
                    Files.move(e.getValue(), e.getKey(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } finally {
                for (Path tmp : aside.values()) {
                    Files.deleteIfExists(tmp);
                }
            }
        }
    }

    /**
     * A name beside {@code name} in dir that no other save picks: name.&lt;random&gt;.tmp (not
     * Files.createTempFile, whose files only their owner may read: the model's files get the
     * permissions any file written there gets).
     */
    private static Path aside(Path dir, String name) {
        return dir.resolve(name + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current()
                .nextLong(), 36) + ".tmp");
    }

    /** One lock per folder saved into or loaded from (its real path), for {@link #save} and {@link #load}. */
    private static final java.util.concurrent.ConcurrentMap<Path, Object> SAVES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Reads a model saved by {@link #save} (this version or an older one), checking everything:
     * model.json's fields, each array's dtype and exact shape, and that every value is finite.
     *
     * @throws ModelFormatException naming the file and what is wrong with it: missing, unreadable,
     *                              not this format, of a newer version, a field of the wrong type
     *                              or range, an array of the wrong shape (a transposed W, say) or
     *                              holding NaN or an infinity
     * @throws IOException          when the folder cannot be read at all
     */
    public static LinearModel load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + " is not a softxent model: " + (Files.exists(dir)
                    ? "it is not a folder" : "there is no such folder"));
        }
        // Not while a save of this JVM writes the folder: one model's files, not two models'.
        synchronized (SAVES.computeIfAbsent(dir.toRealPath(), k -> new Object())) {
            return read(dir);
        }
    }

    /** {@link #load} of a folder. */
    private static LinearModel read(Path dir) throws IOException {
        Path meta = dir.resolve("model.json");
        if (!Files.exists(meta)) {
            throw new ModelFormatException(dir + " is not a softxent model: it has no model.json");
        }
        JsonObject json;
        try {
            JsonElement parsed = org.softxent.util.StrictJson.parse(org.softxent.io.RegularFiles.readString(meta));
            if (!parsed.isJsonObject()) {
                throw new ModelFormatException(meta + " is not a JSON object");
            }
            json = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ModelFormatException(meta + " is not valid JSON: " + firstLine(e.getMessage()));
        }
        String format = string(json, "format", meta);
        if (!FORMAT.equals(format)) {
            throw new ModelFormatException(meta + " is not a softxent linear model: its format is \"" + format
                    + "\", expected \"" + FORMAT + "\"");
        }
        int version = integer(json, "version", meta, 1, Integer.MAX_VALUE);
        if (version > FORMAT_VERSION) {
            throw new ModelFormatException(meta + " was saved in model format version " + version
                    + "; this softxent reads versions 1 to " + FORMAT_VERSION + " (a newer softxent wrote it)");
        }
        // Every field of these versions is known: another is a misspelt one (an "inptu" whose
        // layout would go unchecked) or a hand's addition, refused rather than ignored.
        onlyKnown(json, FIELDS, "", meta);
        String kindName = string(json, "kind", meta);
        Kind kind = switch (kindName) {
            case "softmax" -> Kind.SOFTMAX;
            case "logistic" -> Kind.LOGISTIC;
            default -> throw new ModelFormatException(meta + ": \"kind\" must be \"softmax\" or \"logistic\", got \""
                    + kindName + "\"");
        };
        int features = integer(json, "features", meta, 1, Integer.MAX_VALUE - 8);
        int classes = integer(json, "classes", meta, 2, Integer.MAX_VALUE - 8);
        if (kind == Kind.LOGISTIC && classes != 2) {
            throw new ModelFormatException(meta + ": a logistic model has 2 classes, \"classes\" is " + classes);
        }
        int[] labels = range(classes);
        if (version >= 2 || json.has("labels")) {
            labels = labelValues(json, meta, classes);
        }
        if (version < 2 && json.has("input")) {
            throw new ModelFormatException(meta + ": \"input\" in a model of format version " + version + ", which "
                    + "had none (version 2 brought it): the version or the field was changed by hand");
        }
        Input input = version >= 2 && json.has("input") ? input(json.get("input"), meta) : null;
        if (input != null && input.format() == Input.Format.CSV && input.columns() != features + 1) {
            throw new ModelFormatException(meta + ": \"input\" has " + input.columns() + " columns, but a CSV of "
                    + features + " features and a label has " + (features + 1));
        }
        int outputs = kind == Kind.SOFTMAX ? classes : 1;
        String what = kind == Kind.SOFTMAX ? "features × classes" : "features × 1";
        float[] w = array(dir, "w", new long[] {features, outputs}, what + " = " + features + " × " + outputs);
        float[] b = array(dir, "b", new long[] {outputs}, kind == Kind.SOFTMAX ? "classes" : "1");
        float[] mean = array(dir, "mean", new long[] {features}, "features");
        float[] scale = array(dir, "scale", new long[] {features}, "features");
        for (int q = 0; q < features; q++) {
            if (!(scale[q] > 0)) {
                throw new ModelFormatException(dir.resolve("scale.npy") + ": scale[" + q + "] = " + scale[q]
                        + ": each feature's scale must be > 0");
            }
        }
        return new LinearModel(kind, features, labels, w, b, mean, scale, input);
    }

    /** The first line of a parser's message, without the Java class it may start with. */
    private static String firstLine(String s) {
        String m = String.valueOf(s).replaceFirst("^([a-z]+\\.)+[A-Za-z]*(Exception|Error): ", "")
                .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static JsonElement member(JsonObject json, String name, Path meta) throws ModelFormatException {
        return member(json, name, "", meta);
    }

    /** {@code where}: "" for model.json's own fields, "\"input\"." for those of its input. */
    private static JsonElement member(JsonObject json, String name, String where, Path meta)
            throws ModelFormatException {
        JsonElement e = json.get(name);
        if (e == null || e.isJsonNull()) {
            throw new ModelFormatException(meta + " has no " + where + "\"" + name + "\"");
        }
        return e;
    }

    private static String string(JsonObject json, String name, Path meta) throws ModelFormatException {
        JsonElement e = member(json, name, meta);
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw new ModelFormatException(meta + ": \"" + name + "\" must be a string, got " + e);
        }
        return p.getAsString();
    }

    private static int integer(JsonObject json, String name, Path meta, int min, int max) throws ModelFormatException {
        return integer(member(json, name, meta), "\"" + name + "\"", meta, min, max);
    }

    /** A whole number in [min, max], read exactly (1e12 and 2.5 are refused, not wrapped or cut). */
    private static int integer(JsonElement e, String name, Path meta, int min, int max) throws ModelFormatException {
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new ModelFormatException(meta + ": " + name + " must be a number, got " + e);
        }
        BigDecimal v;
        try {
            v = new BigDecimal(p.getAsString());
        } catch (NumberFormatException bad) {
            throw new ModelFormatException(meta + ": " + name + " must be a number, got " + e);
        }
        if (v.stripTrailingZeros().scale() > 0 || v.compareTo(BigDecimal.valueOf(min)) < 0
                || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new ModelFormatException(meta + ": " + name + " must be a whole number from " + min + " to " + max
                    + ", got " + p.getAsString());
        }
        return v.intValueExact();
    }

    private static int[] labelValues(JsonObject json, Path meta, int classes) throws ModelFormatException {
        JsonElement e = member(json, "labels", meta);
        if (e.isJsonArray() && e.getAsJsonArray().size() != classes) {
            throw new ModelFormatException(meta + ": \"classes\" is " + classes + " but \"labels\" lists "
                    + e.getAsJsonArray().size() + " values, got " + shorten(e.toString()) + ": the two must agree");
        }
        if (!e.isJsonArray()) {
            throw new ModelFormatException(meta + ": \"labels\" must be a list of the " + classes
                    + " class values, got " + shorten(e.toString()));
        }
        JsonArray a = e.getAsJsonArray();
        int[] labels = new int[classes];
        for (int j = 0; j < classes; j++) {
            labels[j] = integer(a.get(j), "labels[" + j + "]", meta, Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (j > 0 && labels[j] <= labels[j - 1]) {
                throw new ModelFormatException(meta + ": \"labels\" must be distinct and ascending, got "
                        + shorten(e.toString()));
            }
        }
        return labels;
    }

    private static Input input(JsonElement e, Path meta) throws ModelFormatException {
        if (!e.isJsonObject()) {
            throw new ModelFormatException(meta + ": \"input\" must be an object, got " + shorten(e.toString()));
        }
        JsonObject in = e.getAsJsonObject();
        String format = string(in, "format", meta);
        if (format.equals("npy")) {
            onlyKnown(in, java.util.Set.of("format"), "\"input\".", meta);
            return Input.npy();
        }
        if (!format.equals("csv")) {
            throw new ModelFormatException(meta + ": \"input\".\"format\" must be \"csv\" or \"npy\", got \"" + format
                    + "\"");
        }
        onlyKnown(in, INPUT_FIELDS, "\"input\".", meta);
        int columns = integer(member(in, "columns", "\"input\".", meta), "\"input\".\"columns\"", meta, 2, Integer.MAX_VALUE);
        int label = integer(member(in, "label_column", "\"input\".", meta), "\"input\".\"label_column\"", meta, 0, columns - 1);
        JsonElement header = member(in, "header", "\"input\".", meta);
        if (!(header instanceof JsonPrimitive p) || !p.isBoolean()) {
            throw new ModelFormatException(meta + ": \"input\".\"header\" must be true or false, got " + header);
        }
        List<String> names = null;
        JsonElement n = in.get("names"); // since 2026-12: absent from older models, and where the header named none
        if (n != null) {
            if (!header.getAsBoolean()) {
                throw new ModelFormatException(meta + ": \"input\" has \"names\" but \"header\" is false: names "
                        + "come from a header line");
            }
            if (!n.isJsonArray() || n.getAsJsonArray().size() != columns) {
                throw new ModelFormatException(meta + ": \"input\".\"names\" must be an array of " + columns
                        + " strings, one per column, got " + shorten(n.toString()));
            }
            names = new java.util.ArrayList<>();
            for (JsonElement name : n.getAsJsonArray()) {
                if (!(name instanceof JsonPrimitive s) || !s.isString()) {
                    throw new ModelFormatException(meta + ": \"input\".\"names\" must hold strings, got "
                            + shorten(String.valueOf(name)));
                }
                names.add(s.getAsString());
            }
        }
        return Input.csv(columns, label, header.getAsBoolean(), names);
    }

    /** The fields model.json holds (of every version this softxent reads), and those of its "input". */
    private static final java.util.Set<String> FIELDS = java.util.Set.of("format", "version", "kind", "features",
            "classes", "labels", "input", "probabilities");
    private static final java.util.Set<String> INPUT_FIELDS = java.util.Set.of("format", "columns", "label_column",
            "header", "names");

    /** Refuses a field of {@code json} not in {@code known} ({@code where}: "" or "\"input\"."). */
    private static void onlyKnown(JsonObject json, java.util.Set<String> known, String where, Path meta)
            throws ModelFormatException {
        for (String key : json.keySet()) {
            if (!known.contains(key)) {
                throw new ModelFormatException(meta + ": unknown field " + where + shorten(new com.google.gson.JsonPrimitive(
                        key).toString()) + " (the fields "
                        + "are " + new java.util.TreeSet<>(known) + "): a misspelt field would be ignored, not read");
            }
        }
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** name.npy: float32 of exactly {@code shape}, every value finite. */
    private static float[] array(Path dir, String name, long[] shape, String what) throws IOException {
        Path file = dir.resolve(name + ".npy");
        NpyArray a;
        try {
            a = Npy.read(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + " is missing: a model folder holds w.npy, b.npy, mean.npy, "
                    + "scale.npy and model.json");
        } catch (IOException e) {
            throw new ModelFormatException(file + " cannot be read: " + (e instanceof java.nio.file.FileSystemException f
                    && f.getReason() != null ? f.getReason() : e.getMessage()));
        }
        if (a.dtype() != NpyArray.DType.FLOAT32) {
            throw new ModelFormatException(file + " must be float32, got " + a.dtype().numpyName());
        }
        long[] got = Arrays.stream(a.shape()).asLongStream().toArray();
        if (!Arrays.equals(got, shape)) {
            String expected = NpyArray.shapeString(Arrays.stream(shape).mapToInt(v -> (int) v).toArray());
            boolean transposed = shape.length == 2 && got.length == 2 && got[0] == shape[1] && got[1] == shape[0];
            throw new ModelFormatException(file + " is " + a.shapeString() + ", expected " + expected + " (" + what
                    + ")" + (transposed ? ": a transposed W? scikit-learn's coef_ is [classes, features]: save "
                    + "coef_.T" : ""));
        }
        float[] v = a.floats();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                String at = shape.length == 2 ? "[" + i / shape[1] + ", " + i % shape[1] + "]" : "[" + i + "]";
                throw new ModelFormatException(file + ": " + name + at + " is " + v[i]
                        + ": a model's values must be finite");
            }
        }
        return v;
    }

    @Override
    public String toString() {
        return "LinearModel[" + kind.name().toLowerCase(Locale.ROOT) + ", " + features + " features, "
                + labels.length + " classes " + describeLabels(labels) + "]";
    }
}
