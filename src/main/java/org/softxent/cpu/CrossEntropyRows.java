package org.softxent.cpu;

import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;

/**
 * PyTorch's cross-entropy, one row at a time, for one call: the class weights, the label smoothing
 * and the divisor of the mean are fixed here once, so that the plain loss and the classifier share
 * exactly the same semantics.
 *
 * <p>Every variant is a row loss Σ_c q_c·(−log p_c) for a row target q, whose gradient with respect
 * to the logits is (Σ_c q_c)·p − q:
 * <ul>
 * <li>integer label y: q = (1 − ε)·w_y·onehot(y) + (ε/C)·w (PyTorch weights the smoothing term by
 *     the class weights too); a row whose label is the ignore index has q = 0;</li>
 * <li>probability targets t: q = w ⊙ ((1 − ε)·t + ε/C).</li>
 * </ul>
 * The mean divides the sum by Σ w_y over the rows not ignored (labels) or by N (targets). With row
 * weights r (labels), row i's q is r_i·q and the mean's divisor Σ r_i·w_y: a row of weight k counts
 * as k copies of it. Where the rows not ignored all weigh 0 (their class weights, or a row weight;
 * the API refuses row weights that are all 0), the mean is NaN and so is the
 * gradient of each of them, as PyTorch's 0/0 (label smoothing's term, a sum of its own over the
 * same divisor, would otherwise make it ±∞).
 */
final class CrossEntropyRows {
    private final int cols;
    private final double[] weights;
    private final double weightSum;
    private final int ignoreIndex;
    private final double keep;
    private final double uniform;
    private final double divisor;
    private final double gradScale;
    private final Reduction reduction;

    private CrossEntropyRows(int cols, CrossEntropyOptions options, double divisor) {
        this(cols, options, divisor, false);
    }

    /**
     * @param weightless the rows not ignored all weigh 0 (or there are none): the mean is then
     *                   PyTorch's 0/0, NaN, with its gradient NaN in every row not ignored, even where
     *                   label smoothing's term (its own sum over the same divisor) is not 0
     */
    private CrossEntropyRows(int cols, CrossEntropyOptions options, double divisor, boolean weightless) {
        this.cols = cols;
        float[] w = options.classWeights();
        this.weights = w == null ? null : toDoubles(w);
        double sum = cols;
        if (weights != null) {
            sum = 0.0;
            for (double v : weights) {
                sum += v;
            }
        }
        this.weightSum = sum;
        this.ignoreIndex = options.ignoreIndex();
        this.keep = 1.0 - options.labelSmoothing();
        this.uniform = options.labelSmoothing() / cols;
        this.reduction = options.reduction();
        this.divisor = weightless && reduction == Reduction.MEAN ? Double.NaN : divisor;
        this.gradScale = reduction == Reduction.MEAN ? 1.0 / this.divisor : 1.0;
    }

    /**
     * For integer labels [rows] with row weights [rows] (or null for 1): the mean's divisor is the
     * weight of the rows not ignored.
     */
    static CrossEntropyRows forLabels(int[] labels, float[] rowWeights, int cols, CrossEntropyOptions options) {
        float[] w = options.classWeights();
        double divisor = 0.0;
        boolean weightless = true;
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y != options.ignoreIndex()) {
                double classWeight = w == null ? 1.0 : w[y];
                double weight = rowWeights == null ? classWeight : rowWeights[i] * classWeight;
                divisor += weight;
                weightless &= weight == 0.0;
            }
        }
        return new CrossEntropyRows(cols, options, divisor, weightless);
    }

    /** For integer labels [rows], every row of weight 1. */
    static CrossEntropyRows forLabels(int[] labels, int cols, CrossEntropyOptions options) {
        return forLabels(labels, null, cols, options);
    }

    /** For probability targets: the mean's divisor is the number of rows. */
    static CrossEntropyRows forTargets(int rows, int cols, CrossEntropyOptions options) {
        return new CrossEntropyRows(cols, options, rows);
    }

    /** The reduced loss from the sum of the row losses (NaN for reduction none). */
    double reduce(double sumOfRowLosses) {
        return reduce(reduction, sumOfRowLosses, divisor);
    }

    /** The mean (sum over divisor), the sum, or NaN for none. */
    static double reduce(Reduction reduction, double sum, double divisor) {
        switch (reduction) {
            case MEAN:
                return sum / divisor;
            case SUM:
                return sum;
            default:
                return Double.NaN;
        }
    }

    /**
     * A row of logits {@code logits[off, off + cols)} with integer label {@code label}: writes its
     * softmax into {@code probsOut} and its gradient (already scaled for the reduction) into
     * {@code gradOut}, both at {@code outOff} and either of which may be null, and returns its
     * unreduced loss. An ignored row writes a zero gradient (NaN where its softmax is NaN, a row of
     * −inf, as PyTorch) and returns 0.
     *
     * @param row the calling thread's row softmax for rows of at least cols
     */
    double labelRow(RowSoftmax row, double[] logits, int off, int label, float[] probsOut, float[] gradOut,
                    int outOff) {
        return labelRow(row, logits, off, label, 1.0, probsOut, gradOut, outOff);
    }

    /** As {@link #labelRow(RowSoftmax, double[], int, int, float[], float[], int)}, the row of weight {@code r}. */
    double labelRow(RowSoftmax row, double[] logits, int off, int label, double r, float[] probsOut, float[] gradOut,
                    int outOff) {
        double[] p = row.of(logits, off, cols);
        writeProbs(p, probsOut, outOff);
        if (label == ignoreIndex) {
            if (gradOut != null) {
                // 0, or NaN where the softmax is NaN (a row of −inf), as PyTorch's log-softmax
                // backward gives it: g − exp(out)·Σg with g = 0.
                for (int j = 0; j < cols; j++) {
                    gradOut[outOff + j] = (float) (0.0 * p[j]);
                }
            }
            return 0.0;
        }
        double wy = weight(label);
        double loss = keep * wy * row.negLogProb(logits[off + label]);
        if (uniform > 0.0) {
            // Only with smoothing: a masked class (−inf) makes this term +inf, as in PyTorch.
            double smooth = 0.0;
            for (int j = 0; j < cols; j++) {
                smooth += weight(j) * row.negLogProb(logits[off + j]);
            }
            loss += uniform * smooth;
        }
        if (gradOut != null) {
            double sumQ = keep * wy + uniform * weightSum;
            double scale = gradScale * r;
            for (int j = 0; j < cols; j++) {
                gradOut[outOff + j] = (float) (scale * (sumQ * p[j] - uniform * weight(j)));
            }
            gradOut[outOff + label] =
                    (float) (scale * (sumQ * p[label] - uniform * wy - keep * wy));
        }
        return r * loss;
    }

    /**
     * A row with probability targets at {@code targets[outOff, outOff + cols)}; as {@link #labelRow}.
     * A zero target on a masked class gives a NaN loss (0 · ∞), as in PyTorch.
     */
    double targetRow(RowSoftmax row, double[] logits, int off, float[] targets, float[] probsOut, float[] gradOut,
                     int outOff) {
        double[] p = row.of(logits, off, cols);
        writeProbs(p, probsOut, outOff);
        double loss = 0.0;
        double sumQ = 0.0;
        for (int j = 0; j < cols; j++) {
            double q = target(targets[outOff + j], j);
            loss += q * row.negLogProb(logits[off + j]);
            sumQ += q;
        }
        if (gradOut != null) {
            for (int j = 0; j < cols; j++) {
                gradOut[outOff + j] = (float) (gradScale * (sumQ * p[j] - target(targets[outOff + j], j)));
            }
        }
        return loss;
    }

    private double target(float t, int j) {
        return (keep * t + uniform) * weight(j);
    }

    private double weight(int j) {
        return weights == null ? 1.0 : weights[j];
    }

    private void writeProbs(double[] p, float[] probsOut, int outOff) {
        if (probsOut != null) {
            for (int j = 0; j < cols; j++) {
                probsOut[outOff + j] = (float) p[j];
            }
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
