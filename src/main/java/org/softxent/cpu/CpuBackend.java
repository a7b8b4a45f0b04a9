package org.softxent.cpu;

import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.Device;
import org.softxent.Reduction;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.Checks;
import org.softxent.backend.ClassifierProblem;
import org.softxent.io.RowSource;
import org.softxent.backend.CrossEntropyProblem;

/**
 * The CPU backends. Both compute rows in parallel on the fork/join pool, every softmax and loss
 * in double, and find non-finite inputs by a scan before any output is written. They differ in
 * the classifiers' matrix products:
 * <ul>
 *   <li>{@link #reference()}: in double, in Java, the same bits whatever the thread count (see
 *       {@link Parallel}): the exact reference the GPU is checked against;</li>
 *   <li>{@link #fast()}: in float, as NumPy and PyTorch compute them: softxent's own vectorised
 *       kernels for classifiers of up to {@value SkinnyProducts#MAX_CLASSES} classes
 *       ({@link SkinnyProducts}), OpenBLAS's sgemm ({@link Blas}) for the others (dW accumulating
 *       in float across blocks of rows), 4–12× faster on the benchmark's classifier steps; the same bits at
 *       every call on a given machine, not across machines (OpenBLAS picks its kernels for the
 *       CPU, and softxent's kernels their instruction set). Where one of the two cannot load, the
 *       other serves its shapes and the reference's products the rest; {@link #description()} says
 *       which and why. Its rows of {@value RowSoftmax#VECTOR_MIN_COLS} logits or more take the
 *       exponential vectorised, in double, by the same native library ({@link RowSoftmax}): within a
 *       few ulp of the reference's {@code Math.exp}, 2–3× faster from a few dozen classes on; and
 *       the softmax backward's row sums Σ g·p in double vector lanes ({@link
 *       RowSoftmax#backwardRows}: they differ from the reference's, added one by one, by rounding
 *       alone, so each output differs by a few ulp of the row's terms p·g, not of its own value
 *       where g − Σ g·p cancels).</li>
 * </ul>
 */
public final class CpuBackend implements Backend {
    private final boolean fast;
    private final String description;

    /** {@code description} null: the fast engine's, which says what its products are when asked. */
    private CpuBackend(boolean fast, String description) {
        this.fast = fast;
        this.description = description;
    }

    /** The exact reference: every product and sum accumulated in double. */
    public static CpuBackend reference() {
        return new CpuBackend(false, "CPU reference (double accumulation, " + threads() + " threads)");
    }

    /**
     * The fast CPU engine: the classifiers' products by softxent's own kernels for few classes
     * ({@link SkinnyProducts}) and by OpenBLAS for the others, where they load. OpenBLAS loads at
     * the first product that needs it (a classifier of few classes called on at least {@value
     * SkinnyProducts#MIN_ROWS} rows never does), unless softxent's
     * kernels cannot load: then every product needs it, and it loads now. {@link #description()}
     * names OpenBLAS until a load fails, and from then on says why it did.
     */
    public static CpuBackend fast() {
        if (SkinnyProducts.whyNot() != null && Blas.whyNot() != null) {
            return new CpuBackend(false, "CPU (products in Java, double accumulation: " + Blas.whyNot() + "; "
                    + SkinnyProducts.whyNot() + "; " + threads() + " threads)");
        }
        return new CpuBackend(true, null);
    }

    /**
     * What the fast engine's products are: OpenBLAS, by the bundled version, until a product that
     * needs it finds that it cannot load, and from then on why not.
     */
    private static String fastDescription() {
        String skinny = SkinnyProducts.whyNot();
        String kernels = "softxent's " + SkinnyProducts.name() + " kernels for few classes";
        String blas = Blas.knownWhyNot();
        String products = skinny != null ? Blas.name() + " (softxent's own kernels off: " + skinny + ")"
                : blas != null ? kernels + ", in Java with double accumulation for the others (" + blas + ")"
                : Blas.name() + " and " + kernels;
        return "CPU (products by " + products + ", float accumulation; the rest in double; " + threads() + " threads)";
    }

    private static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public String description() {
        return description != null ? description : fastDescription();
    }

    @Override
    public void softmax(float[] logits, int rows, int cols, boolean log, float[] out) {
        rejectNonFinite("logits", logits, cols, true);
        Parallel.forEach(rows, Parallel.rowsPerRange(cols), (long) rows * cols, (from, to) -> {
            RowSoftmax row = new RowSoftmax(cols, fast);
            double[] z = Scratch.widenRows(logits, from, to - from, cols);
            row.prepare(z, 0, to - from, cols);
            for (int r = from; r < to; r++) {
                int at = (r - from) * cols;
                double[] p = row.of(z, at, cols);
                for (int j = 0; j < cols; j++) {
                    out[r * cols + j] = (float) (log ? row.logProb(z[at + j]) : p[j]);
                }
            }
        });
    }

    @Override
    public double crossEntropy(CrossEntropyProblem pr) {
        int rows = pr.rows();
        int cols = pr.cols();
        float[] logits = pr.logits();
        int[] labels = pr.labels();
        float[] targets = pr.targetProbs();
        rejectNonFinite("logits", logits, cols, true);
        if (targets != null) {
            rejectNonFinite("targetProbs", targets, cols, false);
        }
        CrossEntropyRows ce = labels != null
                ? CrossEntropyRows.forLabels(labels, cols, pr.options())
                : CrossEntropyRows.forTargets(rows, cols, pr.options());
        float[] losses = pr.lossesOut();
        double sum = Parallel.sum(rows, Parallel.rowsPerRange(cols), (long) rows * cols, (from, to) -> {
            RowSoftmax row = new RowSoftmax(cols, fast);
            double[] z = Scratch.widenRows(logits, from, to - from, cols);
            row.prepare(z, 0, to - from, cols);
            double partial = 0.0;
            for (int r = from; r < to; r++) {
                int at = (r - from) * cols;
                int off = r * cols;
                double loss = labels != null
                        ? ce.labelRow(row, z, at, labels[r], pr.probsOut(), pr.gradOut(), off)
                        : ce.targetRow(row, z, at, targets, pr.probsOut(), pr.gradOut(), off);
                if (losses != null) {
                    losses[r] = (float) loss;
                }
                partial += loss;
            }
            return partial;
        });
        return ce.reduce(sum);
    }

    @Override
    public void softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out) {
        rejectNonFinite("probs", probs, cols, false);
        rejectNonFinite("gradProbs", gradProbs, cols, false);
        Parallel.forEach(rows, Parallel.rowsPerRange(cols), (long) rows * cols, (from, to) -> {
            if (fast && RowSoftmax.backwardRows(probs, gradProbs, out, from * cols, to - from, cols)) {
                return; // the same arithmetic, the dot in vector lanes (RowSoftmax.backwardRows)
            }
            for (int r = from; r < to; r++) {
                int off = r * cols;
                double dot = 0.0;
                for (int j = 0; j < cols; j++) {
                    dot += (double) gradProbs[off + j] * probs[off + j];
                }
                for (int j = 0; j < cols; j++) {
                    out[off + j] = (float) (probs[off + j] * (gradProbs[off + j] - dot));
                }
            }
        });
    }

    @Override
    public void softmaxJacobian(float[] logits, int rows, int cols, float[] out) {
        rejectNonFinite("logits", logits, cols, true);
        long perRow = (long) cols * cols;
        Parallel.forEach(rows, Parallel.rowsPerRange(perRow), rows * perRow, (from, to) -> {
            RowSoftmax row = new RowSoftmax(cols, fast);
            for (int r = from; r < to; r++) {
                double[] p = row.of(Scratch.widenRows(logits, r, 1, cols), 0, cols);
                int base = (int) (r * perRow);
                for (int i = 0; i < cols; i++) {
                    for (int j = 0; j < cols; j++) {
                        out[base + i * cols + j] = (float) (p[i] * ((i == j ? 1.0 : 0.0) - p[j]));
                    }
                }
            }
        });
    }

    @Override
    public double binaryCrossEntropy(BinaryCrossEntropyProblem pr) {
        int rows = pr.rows();
        int cols = pr.cols();
        float[] x = pr.logits();
        float[] t = pr.targets();
        rejectNonFinite("logits", x, cols, false);
        rejectNonFinite("targets", t, cols, false);
        BinaryCrossEntropyOptions options = pr.options();
        float[] posWeight = options.posWeight();
        long elements = (long) rows * cols;
        double gradScale = options.reduction() == Reduction.MEAN ? 1.0 / elements : 1.0;
        float[] gradOut = pr.gradOut();
        float[] probsOut = pr.probsOut();
        float[] losses = pr.lossesOut();
        double sum = Parallel.sum(rows, Parallel.rowsPerRange(cols), elements, (from, to) -> {
            double partial = 0.0;
            for (int i = from * cols; i < to * cols; i++) {
                double pw = posWeight == null ? 1.0 : posWeight[i % cols];
                double loss = SigmoidLoss.element(x[i], t[i], pw, gradScale, gradOut, i);
                if (probsOut != null) {
                    probsOut[i] = (float) SigmoidLoss.sigmoid(x[i]);
                }
                if (losses != null) {
                    losses[i] = (float) loss;
                }
                partial += loss;
            }
            return partial;
        });
        return CrossEntropyRows.reduce(options.reduction(), sum, elements);
    }

    @Override
    public double classifier(ClassifierProblem problem) {
        if (!problem.options().trustedX()) {
            rejectNonFinite("x", problem.x(), problem.features(), false);
        }
        rejectNonFinite("w", problem.w(), problem.classes(), false);
        if (problem.b() != null) {
            rejectNonFinite("b", problem.b(), problem.classes(), false);
        }
        return CpuClassifier.run(problem, fast);
    }

    @Override
    public double binaryClassifier(BinaryClassifierProblem problem) {
        if (!problem.options().trustedX()) {
            rejectNonFinite("x", problem.x(), problem.features(), false);
        }
        rejectNonFinite("w", problem.w(), problem.outputs(), false);
        if (problem.b() != null) {
            rejectNonFinite("b", problem.b(), problem.outputs(), false);
        }
        rejectNonFinite("targets", problem.targets(), problem.outputs(), false);
        return CpuClassifier.run(problem, fast);
    }

    /** The fast engine's: its products read each block of rows into a buffer of their own. */
    @Override
    public boolean readsSources() {
        return fast;
    }

    @Override
    public double classifierFrom(ClassifierProblem problem, RowSource x) {
        requireReads(problem.x(), problem.gradX(), x, problem.rows(), problem.features());
        rejectNonFinite("w", problem.w(), problem.classes(), false);
        if (problem.b() != null) {
            rejectNonFinite("b", problem.b(), problem.classes(), false);
        }
        return CpuClassifier.run(problem, fast, x);
    }

    @Override
    public double binaryClassifierFrom(BinaryClassifierProblem problem, RowSource x) {
        requireReads(problem.x(), problem.gradX(), x, problem.rows(), problem.features());
        rejectNonFinite("w", problem.w(), problem.outputs(), false);
        if (problem.b() != null) {
            rejectNonFinite("b", problem.b(), problem.outputs(), false);
        }
        rejectNonFinite("targets", problem.targets(), problem.outputs(), false);
        return CpuClassifier.run(problem, fast, x);
    }

    private void requireReads(float[] array, float[] gradX, RowSource x, int rows, int features) {
        if (!fast) {
            throw new UnsupportedOperationException(description() + " reads rows from arrays only");
        }
        if (array != null || gradX != null) {
            throw new IllegalArgumentException("rows read from a source take no x array and give no gradX");
        }
        if (x.rows() != rows || x.features() != features) {
            throw new IllegalArgumentException("the source holds " + x.rows() + " × " + x.features() + " rows, the "
                    + "problem " + rows + " × " + features);
        }
    }

    @Override
    public void linearSoftmax(float[] x, float[] w, float[] b, int rows, int features, int classes, float[] probsOut,
                              int[] predictedOut) {
        rejectNonFinite("x", x, features, false);
        rejectNonFinite("w", w, classes, false);
        if (b != null) {
            rejectNonFinite("b", b, classes, false);
        }
        CpuClassifier.linearSoftmax(x, w, b, rows, features, classes, probsOut, predictedOut, fast);
    }

    @Override
    public void close() {
        Scratch.release(); // the pooled classifier workspaces (each thread's row buffers stay with it)
    }

    /**
     * Throws {@link Checks#nonFinite} for the first NaN or infinity in {@code values} (viewed as rows
     * of {@code cols}); with {@code maskAllowed}, −inf is accepted.
     */
    static void rejectNonFinite(String name, float[] values, int cols, boolean maskAllowed) {
        int rows = values.length / cols;
        long bad = Parallel.first(rows, Parallel.rowsPerRange(cols), values.length, (from, to) ->
                Finite.first(values, from * cols, (to - from) * cols, maskAllowed));
        if (bad >= 0) {
            throw Checks.nonFinite(name, bad, cols, values[(int) bad], maskAllowed);
        }
    }
}
