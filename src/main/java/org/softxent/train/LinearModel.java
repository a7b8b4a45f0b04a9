package org.softxent.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.softxent.ShapeMismatchException;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * A trained linear classifier: softmax regression over C classes (W [features, C], b [C]) or
 * logistic regression over two (W [features, 1], b [1], the logit of class 1), with the feature
 * scaling it was trained with: each feature x_q becomes (x_q − mean_q) / scale_q before the product.
 * Immutable.
 *
 * <p>Saved as a folder a NumPy user can open: {@code w.npy}, {@code b.npy}, {@code mean.npy},
 * {@code scale.npy} (float32) and {@code model.json} ({@code format}, {@code version}, {@code kind},
 * {@code features}, {@code classes}); {@code probs = softmax(((x − mean) / scale) @ w + b)}, or the
 * sigmoid for logistic regression. {@link #load} refuses a folder of another format version.
 */
public final class LinearModel {
    /** Which loss, and so which link from logits to probabilities. */
    public enum Kind {
        SOFTMAX, LOGISTIC
    }

    /** The version of the saved format this library writes and reads. */
    public static final int FORMAT_VERSION = 1;
    static final String FORMAT = "softxent-linear-model";

    private final Kind kind;
    private final int features;
    private final int classes;
    private final float[] w;
    private final float[] b;
    private final float[] mean;
    private final float[] scale;

    /**
     * @param w     [features, outputs] (outputs = classes for softmax, 1 for logistic), copied
     * @param b     [outputs], copied
     * @param mean  [features], copied
     * @param scale [features], each finite and > 0, copied
     */
    public LinearModel(Kind kind, int features, int classes, float[] w, float[] b, float[] mean, float[] scale) {
        this.kind = Objects.requireNonNull(kind, "kind must not be null");
        if (features < 1 || classes < 2 || (kind == Kind.LOGISTIC && classes != 2)) {
            throw new IllegalArgumentException("a " + kind + " model needs features >= 1 and " + (kind == Kind.LOGISTIC
                    ? "classes = 2" : "classes >= 2") + ", got features " + features + ", classes " + classes);
        }
        this.features = features;
        this.classes = classes;
        int outputs = kind == Kind.SOFTMAX ? classes : 1;
        this.w = length("w", w, (long) features * outputs, "features × outputs = " + features + " × " + outputs);
        this.b = length("b", b, outputs, "outputs = " + outputs);
        this.mean = length("mean", mean, features, "features = " + features);
        this.scale = length("scale", scale, features, "features = " + features);
        for (int q = 0; q < features; q++) {
            if (!(this.scale[q] > 0 && this.scale[q] < Float.POSITIVE_INFINITY) || !Float.isFinite(this.mean[q])) {
                throw new IllegalArgumentException("feature " + q + " has mean " + this.mean[q] + " and scale "
                        + this.scale[q] + ": the scale must be finite and > 0, the mean finite");
            }
        }
    }

    private static float[] length(String name, float[] a, long expected, String shape) {
        Objects.requireNonNull(a, name + " must not be null");
        if (a.length != expected) {
            throw new ShapeMismatchException(name + " must hold " + shape + " floats, got " + a.length);
        }
        return a.clone();
    }

    public Kind kind() {
        return kind;
    }

    public int features() {
        return features;
    }

    public int classes() {
        return classes;
    }

    /** Columns of W: classes for softmax, 1 for logistic regression. */
    public int outputs() {
        return kind == Kind.SOFTMAX ? classes : 1;
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

    /** The logits [rows, outputs] of x [rows, features], in double. */
    double[] logits(float[] x, int rows) {
        checkRows(x, rows);
        int k = outputs();
        if ((long) rows * Math.max(k, classes) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the outputs of " + rows + " rows × " + classes
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
                row[q] = (v - mean[q]) / scale[q];
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

    /** The probabilities [rows, classes] and the predicted class [rows] of one pass over the data. */
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

    /** The probabilities [rows, classes] of each class for x [rows, features]. */
    public float[] predictProba(float[] x, int rows) {
        return probabilities(logits(x, rows), rows);
    }

    private float[] probabilities(double[] z, int rows) {
        float[] p = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            if (kind == Kind.LOGISTIC) {
                double one = 1 / (1 + Math.exp(-z[r]));
                p[2 * r] = (float) (1 - one);
                p[2 * r + 1] = (float) one;
            } else {
                double log = logSumExp(z, r);
                for (int j = 0; j < classes; j++) {
                    p[r * classes + j] = (float) Math.exp(z[r * classes + j] - log);
                }
            }
        }
        return p;
    }

    /** The most probable class of each row of x [rows, features] (the lowest on a tie). */
    public int[] predict(float[] x, int rows) {
        return classes(logits(x, rows), rows);
    }

    private int[] classes(double[] z, int rows) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = predicted(z, r);
        }
        return out;
    }

    private int predicted(double[] z, int r) {
        if (kind == Kind.LOGISTIC) {
            return z[r] > 0 ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < classes; j++) {
            if (z[r * classes + j] > z[r * classes + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Accuracy, mean log loss and confusion matrix on x [rows, features] with labels [rows] in
     * [0, classes).
     */
    public Evaluation evaluate(float[] x, int[] labels, int rows) {
        double[] z = logits(x, rows);
        Labels.check(labels, rows, classes);
        int[][] confusion = new int[classes][classes];
        double loss = 0;
        int right = 0;
        for (int r = 0; r < rows; r++) {
            int y = labels[r];
            int p = predicted(z, r);
            confusion[y][p]++;
            right += p == y ? 1 : 0;
            loss += rowLoss(z, r, y);
        }
        return new Evaluation(rows, (double) right / rows, loss / rows, confusion);
    }

    /** −log p_y of row r from its logits, without forming p (so a confident wrong row costs its margin). */
    private double rowLoss(double[] z, int r, int y) {
        if (kind == Kind.LOGISTIC) {
            double v = y == 1 ? -z[r] : z[r]; // −log σ(±z) = softplus(∓z)
            return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        }
        return logSumExp(z, r) - z[r * classes + y];
    }

    /** log Σ_j exp(z[r, j]) of a softmax model's row r, shifted by its max so that nothing overflows. */
    private double logSumExp(double[] z, int r) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            max = Math.max(max, z[r * classes + j]);
        }
        double sum = 0;
        for (int j = 0; j < classes; j++) {
            sum += Math.exp(z[r * classes + j] - max);
        }
        return max + Math.log(sum);
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
        json.addProperty("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        json.addProperty("features", features);
        json.addProperty("classes", classes);
        json.addProperty("probabilities", kind == Kind.SOFTMAX ? "softmax(((x - mean) / scale) @ w + b)"
                : "p1 = sigmoid(((x - mean) / scale) @ w + b)");
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        return gson.toJson(json) + "\n";
    }

    /**
     * Writes the model into dir (created if need be): each file is written aside and renamed onto
     * its name, so none is ever half-written; model.json comes last.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (java.util.Map.Entry<String, NpyArray> e : arrays().entrySet()) {
            Path tmp = dir.resolve(e.getKey() + ".npy.tmp");
            Npy.write(tmp, e.getValue());
            Files.move(tmp, dir.resolve(e.getKey() + ".npy"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Path tmp = dir.resolve("model.json.tmp");
        Files.writeString(tmp, metadata(), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("model.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a model saved by {@link #save}.
     *
     * @throws ModelFormatException when model.json is missing, not this format, of another version,
     *                              or disagrees with the arrays
     */
    public static LinearModel load(Path dir) throws IOException {
        Path meta = dir.resolve("model.json");
        if (!Files.isRegularFile(meta)) {
            throw new ModelFormatException(dir + " is not a softxent model: it has no model.json");
        }
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(meta, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelFormatException(meta + " is not valid JSON: " + e.getMessage());
        }
        if (!json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
            throw new ModelFormatException(meta + " is not a softxent linear model (its format is "
                    + (json.has("format") ? json.get("format") : "missing") + ", expected \"" + FORMAT + "\")");
        }
        int version = json.has("version") ? json.get("version").getAsInt() : -1;
        if (version != FORMAT_VERSION) {
            throw new ModelFormatException(meta + " was saved in model format version " + version
                    + "; this softxent reads version " + FORMAT_VERSION);
        }
        try {
            Kind kind = Kind.valueOf(json.get("kind").getAsString().toUpperCase(java.util.Locale.ROOT));
            int features = json.get("features").getAsInt();
            int classes = json.get("classes").getAsInt();
            return new LinearModel(kind, features, classes, floats(dir, "w.npy"), floats(dir, "b.npy"),
                    floats(dir, "mean.npy"), floats(dir, "scale.npy"));
        } catch (RuntimeException e) {
            throw new ModelFormatException(dir + " holds an inconsistent model: " + e.getMessage());
        }
    }

    private static float[] floats(Path dir, String name) {
        try {
            NpyArray a = Npy.read(dir.resolve(name));
            if (a.dtype() != NpyArray.DType.FLOAT32) {
                throw new IllegalArgumentException(name + " must be float32, got " + a.dtype().numpyName());
            }
            return a.floats();
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "LinearModel[" + kind.name().toLowerCase(java.util.Locale.ROOT) + ", " + features + " features, "
                + classes + " classes]";
    }
}
