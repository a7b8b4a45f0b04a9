package org.softxent.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.ClassifierProblem;

/**
 * The linear classifiers on the CPU: logits = X·W + b, the cross-entropy of
 * {@link CrossEntropyRows} (softmax) or the {@link SigmoidLoss} of each element (sigmoid), then
 * dW = Xᵀ·dS + 2·reg·W, db = Σ_rows dS, dX = dS·Wᵀ.
 *
 * <p>Rows are processed in chunks of a fixed size, so the N×C logits never need to exist at once.
 * The products come in two kinds. Exact: every product accumulates in double, in an order fixed by
 * the shapes alone, and dW, db accumulate in double across chunks (the reference). Fast: OpenBLAS's
 * sgemm ({@link Blas}) in float, as NumPy and PyTorch compute them, dW accumulating in float across
 * chunks; the softmax, the loss and db stay in double either way.
 */
final class CpuClassifier {
    /** Logits per chunk: bounds the chunk buffers at 8 MiB of logits and 4 MiB of dS. */
    private static final int CHUNK_ELEMENTS = 1 << 20;

    /** Output rows that share one pass over the other operand's rows (cache blocking). */
    private static final int TILE = 16;

    /**
     * Floats per operand chunk on the BLAS path: bounds the native copies of X and dX at 16 MiB
     * each while keeping every GEMM large enough to run at full speed.
     */
    private static final int BLAS_CHUNK_ELEMENTS = 1 << 22;

    /** Multiply-adds below which a call runs in one lane: not worth a second thread. */
    private static final long BLAS_LANE_MIN_MACS = 1L << 21;

    private CpuClassifier() {
    }

    /** The softmax classifier; {@code blas}: the products by {@link Blas}, else exact. */
    static double run(ClassifierProblem pr, boolean blas) {
        final int c = pr.classes();
        final int[] labels = pr.labels();
        CrossEntropyRows ce = CrossEntropyRows.forLabels(labels, c, pr.options().crossEntropy());
        double lossSum = linear(blas, pr.x(), pr.w(), pr.b(), pr.rows(), pr.features(), c, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(c), blas ? 0 : (long) m * c, (from, to) -> {
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
    static double run(BinaryClassifierProblem pr, boolean blas) {
        final int k = pr.outputs();
        final float[] targets = pr.targets();
        BinaryCrossEntropyOptions bce = pr.options().binaryCrossEntropy();
        final float[] posWeight = bce.posWeight();
        long elements = (long) pr.rows() * k;
        final double gradScale = bce.reduction() == Reduction.MEAN ? 1.0 / elements : 1.0;
        double lossSum = linear(blas, pr.x(), pr.w(), pr.b(), pr.rows(), pr.features(), k, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(k), blas ? 0 : (long) m * k, (from, to) -> {
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
    private static double linear(boolean blas, float[] x, float[] w, float[] b, int n, int d, int c, double reg,
                                 float[] gradW, float[] gradB, float[] gradX, ChunkLoss loss) {
        return blas ? linearBlas(x, w, b, n, d, c, reg, gradW, gradB, gradX, loss)
                : linearExact(x, w, b, n, d, c, reg, gradW, gradB, gradX, loss);
    }

    /** {@link #linear} with the products in double, in Java. */
    private static double linearExact(float[] x, float[] w, float[] b, int n, int d, int c, double reg,
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

    /**
     * {@link #linear} with the products by OpenBLAS. The rows are split into one contiguous lane
     * per core; each lane runs on its own thread with OpenBLAS single-threaded ({@link Blas}), and
     * walks its rows in chunks: X[chunk] copied into native memory once serves logits = X·W and
     * dW_lane += Xᵀ·dS; dS goes back into the logits' native buffer for dW and dX = dS·Wᵀ. The
     * lanes' dW and db are added in lane order at the end, so a given machine gives the same bits
     * at every call.
     *
     * <p>Why lanes rather than OpenBLAS's own threads: between two products comes the softmax and
     * loss of the chunk, in Java; OpenBLAS's threads spin for a while after each product, and
     * pool threads competing with them ran that work several times slower. With one thread per
     * lane, every core does both the products and the Java work of its rows.
     */
    private static double linearBlas(float[] x, float[] w, float[] b, int n, int d, int c, double reg,
                                     float[] gradW, float[] gradB, float[] gradX, ChunkLoss loss) {
        int lanes = (int) Math.max(1, Math.min(Blas.lanes(), (long) n * d * c / BLAS_LANE_MIN_MACS));
        lanes = Math.min(lanes, n);
        int rowsPerLane = (n + lanes - 1) / lanes;
        Lane[] lane = new Lane[(n + rowsPerLane - 1) / rowsPerLane];
        FloatPointer wn = new FloatPointer(w);
        try {
            java.util.stream.IntStream ids = java.util.stream.IntStream.range(0, lane.length);
            (lane.length > 1 ? ids.parallel() : ids).forEach(i -> {
                int from = i * rowsPerLane;
                lane[i] = new Lane(x, b, from, Math.min(n, from + rowsPerLane), d, c, wn, gradW != null,
                        gradB != null, gradX, loss);
            });
        } finally {
            wn.close();
        }
        double lossSum = 0.0;
        for (Lane l : lane) {
            lossSum += l.loss;
        }
        if (gradW != null) {
            double[] dW = new double[d * c];
            for (Lane l : lane) {
                for (int i = 0; i < dW.length; i++) {
                    dW[i] += l.dW[i];
                }
            }
            for (int i = 0; i < gradW.length; i++) {
                gradW[i] = (float) (dW[i] + 2.0 * reg * w[i]);
            }
        }
        if (gradB != null) {
            for (int j = 0; j < c; j++) {
                double sum = 0.0;
                for (Lane l : lane) {
                    sum += l.db[j];
                }
                gradB[j] = (float) sum;
            }
        }
        return lossSum;
    }

    /** One lane of {@link #linearBlas}: rows [from, to), its loss, and its share of dW and db. */
    private static final class Lane {
        final double loss;
        final float[] dW;
        final double[] db;

        Lane(float[] x, float[] b, int from, int to, int d, int c, FloatPointer wn, boolean wantW, boolean wantB,
             float[] gradX, ChunkLoss chunkLoss) {
            boolean needDs = wantW || wantB || gradX != null;
            int chunkRows = Math.max(1, Math.min(to - from, BLAS_CHUNK_ELEMENTS / Math.max(d, c)));
            float[] logitsF = new float[chunkRows * c];
            double[] logits = new double[chunkRows * c];
            float[] ds = needDs ? new float[chunkRows * c] : null;
            db = wantB ? new double[c] : null;
            dW = wantW ? new float[d * c] : null;
            FloatPointer xc = null;
            FloatPointer lc = null;
            FloatPointer gw = null;
            FloatPointer dxc = null;
            double lossSum = 0.0;
            try {
                xc = new FloatPointer((long) chunkRows * d);
                lc = new FloatPointer((long) chunkRows * c);
                gw = wantW ? new FloatPointer((long) d * c) : null;
                dxc = gradX != null ? new FloatPointer((long) chunkRows * d) : null;
                for (int first = from; first < to; first += chunkRows) {
                    int m = Math.min(chunkRows, to - first);
                    xc.put(x, first * d, m * d);
                    Blas.gemm(m, c, d, xc, wn, false, 0f, lc);
                    lc.get(logitsF, 0, m * c);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < c; j++) {
                            logits[i * c + j] = (double) logitsF[i * c + j] + (b == null ? 0.0 : b[j]);
                        }
                    }
                    lossSum += chunkLoss.apply(logits, first, m, ds);
                    if (!needDs) {
                        continue;
                    }
                    if (gw != null || dxc != null) {
                        lc.put(ds, 0, m * c);
                    }
                    if (gw != null) {
                        Blas.gemmTransA(m, d, c, xc, lc, first == from ? 0f : 1f, gw);
                    }
                    if (db != null) {
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < c; j++) {
                                db[j] += ds[i * c + j];
                            }
                        }
                    }
                    if (dxc != null) {
                        Blas.gemm(m, d, c, lc, wn, true, 0f, dxc);
                        dxc.get(gradX, first * d, m * d);
                    }
                }
                if (gw != null) {
                    gw.get(dW, 0, d * c);
                }
            } finally {
                for (FloatPointer p : new FloatPointer[] {xc, lc, gw, dxc}) {
                    if (p != null) {
                        p.close();
                    }
                }
            }
            loss = lossSum;
        }
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
