package org.softxent.cpu;

import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.ClassifierProblem;

/**
 * The linear classifiers on the CPU: logits = X·W + b, the cross-entropy of
 * {@link CrossEntropyRows} (softmax) or the {@link SigmoidLoss} of each element (sigmoid), then
 * dW = Xᵀ·dS + 2·reg·W, db = Σ_rows dS, dX = dS·Wᵀ.
 *
 * <p>Rows are processed in chunks of a fixed size, so the N×C logits never need to exist at once;
 * dW and db accumulate in double across chunks. Every product accumulates in double, in an order
 * fixed by the shapes alone.
 */
final class CpuClassifier {
    /** Logits per chunk: bounds the chunk buffers at 8 MiB of logits and 4 MiB of dS. */
    private static final int CHUNK_ELEMENTS = 1 << 20;

    /** Output rows that share one pass over the other operand's rows (cache blocking). */
    private static final int TILE = 16;

    private CpuClassifier() {
    }

    static double run(ClassifierProblem pr) {
        final int c = pr.classes();
        final int[] labels = pr.labels();
        CrossEntropyRows ce = CrossEntropyRows.forLabels(labels, c, pr.options().crossEntropy());
        double lossSum = linear(pr.x(), pr.w(), pr.b(), pr.rows(), pr.features(), c, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(c), (long) m * c, (from, to) -> {
                            RowSoftmax row = new RowSoftmax(c);
                            double partial = 0.0;
                            for (int i = from; i < to; i++) {
                                partial += ce.labelRow(row, logits, i * c, labels[first + i], null, ds, i * c);
                            }
                            return partial;
                        }));
        return ce.reduce(lossSum) + regTerm(pr.options().reg(), pr.w());
    }

    /** The linear sigmoid classifier: the same products around {@link SigmoidLoss} of each element. */
    static double run(BinaryClassifierProblem pr) {
        final int k = pr.outputs();
        final float[] targets = pr.targets();
        BinaryCrossEntropyOptions bce = pr.options().binaryCrossEntropy();
        final float[] posWeight = bce.posWeight();
        long elements = (long) pr.rows() * k;
        final double gradScale = bce.reduction() == Reduction.MEAN ? 1.0 / elements : 1.0;
        double lossSum = linear(pr.x(), pr.w(), pr.b(), pr.rows(), pr.features(), k, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(k), (long) m * k, (from, to) -> {
                            double partial = 0.0;
                            for (int i = from * k; i < to * k; i++) {
                                double pw = posWeight == null ? 1.0 : posWeight[i % k];
                                partial += SigmoidLoss.element(logits[i], targets[first * k + i], pw, gradScale,
                                        ds, i);
                            }
                            return partial;
                        }));
        return CrossEntropyRows.reduce(bce.reduction(), lossSum, elements) + regTerm(pr.options().reg(), pr.w());
    }

    /** The loss of the rows [first, first + m) of a chunk from their logits [m, c]; dS into ds when not null. */
    private interface ChunkLoss {
        double apply(double[] logits, int first, int m, float[] ds);
    }

    /**
     * The products both classifiers share, chunk by chunk: logits = X·W + b, the chunk's loss and
     * dS, then dW += Xᵀ·dS, db += Σ dS, dX = dS·Wᵀ. Returns the sum of the chunks' losses; writes
     * gradW (with 2·reg·W), gradB and gradX when they are not null.
     */
    private static double linear(float[] x, float[] w, float[] b, int n, int d, int c, double reg,
                                 float[] gradW, float[] gradB, float[] gradX, ChunkLoss loss) {
        boolean needDs = gradW != null || gradB != null || gradX != null;
        int chunkRows = Math.max(1, Math.min(n, CHUNK_ELEMENTS / c));
        double[] logits = new double[chunkRows * c];
        float[] ds = needDs ? new float[chunkRows * c] : null;
        double[] dW = gradW != null ? new double[d * c] : null;
        double[] db = gradB != null ? new double[c] : null;
        float[] wT = gradX != null ? transpose(w, d, c) : null;

        double lossSum = 0.0;
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            final int first = r0;
            final int m = Math.min(chunkRows, n - r0);

            // logits = X[chunk]·W + b, kept in double.
            Parallel.forEach(m, TILE, (long) m * d * c, (from, to) -> {
                for (int i = from; i < to; i++) {
                    for (int j = 0; j < c; j++) {
                        logits[i * c + j] = b == null ? 0.0 : b[j];
                    }
                }
                multiplyAdd(x, (first + from) * d, d, 1, to - from, d, w, c, logits, from * c);
            });

            lossSum += loss.apply(logits, first, m, ds);

            if (dW != null) {
                // dW[k, :] += Σ_i X[i, k]·dS[i, :]; each task owns a band of rows of dW.
                Parallel.forEach(d, TILE, (long) m * d * c, (from, to) ->
                        multiplyAdd(x, first * d + from, 1, d, to - from, m, ds, c, dW, from * c));
            }
            if (db != null) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < c; j++) {
                        db[j] += ds[i * c + j];
                    }
                }
            }
            if (gradX != null) {
                // dX[i, :] = Σ_j dS[i, j]·Wᵀ[j, :]
                Parallel.forEach(m, TILE, (long) m * d * c, (from, to) -> {
                    int tileRows = to - from;
                    double[] acc = Scratch.doubles(Scratch.TILE, tileRows * d);
                    java.util.Arrays.fill(acc, 0, tileRows * d, 0.0);
                    multiplyAdd(ds, from * c, c, 1, tileRows, c, wT, d, acc, 0);
                    for (int i = 0; i < tileRows * d; i++) {
                        gradX[(first + from) * d + i] = (float) acc[i];
                    }
                });
            }
        }

        if (gradW != null) {
            for (int i = 0; i < gradW.length; i++) {
                gradW[i] = (float) (dW[i] + 2.0 * reg * w[i]);
            }
        }
        if (gradB != null) {
            for (int j = 0; j < c; j++) {
                gradB[j] = (float) db[j];
            }
        }
        return lossSum;
    }

    /** reg·ΣW², summed in double. */
    private static double regTerm(double reg, float[] w) {
        double sumOfSquares = 0.0;
        for (float v : w) {
            sumOfSquares += (double) v * v;
        }
        return reg * sumOfSquares;
    }

    /**
     * acc[accOff + i·cols + j] += Σ_k a(i, k)·b[k·cols + j] for i in [0, m), k in [0, inner), where
     * a(i, k) = a[aOff + i·aRowStride + k·aColStride]. The loop runs k outermost so that one row of
     * b serves all m output rows while it is in cache, and the innermost loop is a plain axpy the
     * JIT vectorises. Each output sums over k in increasing order.
     */
    private static void multiplyAdd(float[] a, int aOff, int aRowStride, int aColStride, int m, int inner,
                                    float[] b, int cols, double[] acc, int accOff) {
        for (int k = 0; k < inner; k++) {
            int bRow = k * cols;
            for (int i = 0; i < m; i++) {
                double av = a[aOff + i * aRowStride + k * aColStride];
                if (av == 0.0) {
                    continue;
                }
                int out = accOff + i * cols;
                for (int j = 0; j < cols; j++) {
                    acc[out + j] += av * b[bRow + j];
                }
            }
        }
    }

    private static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = w[i * cols + j];
            }
        }
        return t;
    }
}
