package org.softxent.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.io.RowSource;

/**
 * The linear classifiers on the CPU: logits = X·W + b, the cross-entropy of
 * {@link CrossEntropyRows} (softmax) or the {@link SigmoidLoss} of each element (sigmoid), then
 * dW = Xᵀ·dS + 2·reg·W, db = Σ_rows dS, dX = dS·Wᵀ.
 *
 * <p>Rows are processed in chunks of a fixed size, so the N×C logits never need to exist at once.
 * The products come in two kinds. Exact: every product accumulates in double, in an order fixed by
 * the shapes alone, and dW, db accumulate in double across chunks (the reference). Fast: in float,
 * as NumPy and PyTorch compute them, by softxent's own kernels where they apply
 * ({@link SkinnyProducts}: few classes) and by OpenBLAS's sgemm ({@link Blas}) otherwise, dW
 * accumulating in float within a block or task and in double across them; the softmax, the loss
 * and db stay in double either way.
 */
final class CpuClassifier {
    /** Logits per chunk: bounds the chunk buffers at 8 MiB of logits and 4 MiB of dS. */
    private static final int CHUNK_ELEMENTS = 1 << 20;

    /** Output rows that share one pass over the other operand's rows (cache blocking). */
    private static final int TILE = 16;

    /**
     * Floats of X per chunk on the BLAS path: bounds the native copies of X and dX at 16 MiB each
     * while keeping every product large enough to run at full speed.
     */
    private static final int BLAS_CHUNK_ELEMENTS = 1 << 22;

    /** Floats of X per block of rows (the first phase's unit of work): 1 MiB. */
    private static final int BLAS_BLOCK_ELEMENTS = 1 << 18;

    /** Bands of features dW is split into (of at least 128 features each: narrower ran slower). */
    private static final int BANDS = 4;

    /**
     * Floats of per-block dW partials a chunk may hold: below it, each block adds its own
     * X[block]ᵀ·dS while X[block] is still in cache (a thin dW, few classes: the product is bound by
     * reading X, and this reads it once); above it, the bands of phase 2.
     */
    private static final int BLAS_PARTIALS_ELEMENTS = 1 << 22;

    private CpuClassifier() {
    }

    /** How a call's products are computed. */
    private enum Products {
        /** In double, in Java: the reference's. */
        EXACT,
        /** By {@link SkinnyProducts}, block by block. */
        SKINNY,
        /** By {@link Blas}, block by block. */
        BLAS;

        /** The fast engine's choice for n rows, d features and c classes, or the reference's. */
        static Products of(boolean fast, int n, int d, int c) {
            if (fast && n >= SkinnyProducts.MIN_ROWS && SkinnyProducts.applies(d, c)) {
                return SKINNY;
            }
            return fast && Blas.whyNot() == null ? BLAS : EXACT;
        }

        /** Whether each block's loss runs on the block's own thread (no parallelism of its own). */
        boolean byBlocks() {
            return this != EXACT;
        }
    }

    /** The softmax classifier; {@code fast}: the fast engine's products, else the reference's. */
    static double run(ClassifierProblem pr, boolean fast) {
        return run(pr, fast, null);
    }

    /** {@link #run(ClassifierProblem, boolean)} with the rows read from {@code source} when it is not null (x null). */
    static double run(ClassifierProblem pr, boolean fast, RowSource source) {
        final int c = pr.classes();
        final Products how = Products.of(fast, pr.rows(), pr.features(), c);
        final int[] labels = pr.labels();
        final float[] rowWeights = pr.rowWeights();
        CrossEntropyRows ce = CrossEntropyRows.forLabels(labels, rowWeights, c, pr.options().crossEntropy());
        final int[] predicted = pr.predicted();
        double lossSum = linear(how, pr.x(), source, pr.w(), pr.b(), pr.rows(), pr.features(), c, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(c), how.byBlocks() ? 0 : (long) m * c, (from, to) -> {
                            RowSoftmax row = new RowSoftmax(c, fast);
                            row.prepare(logits, from * c, to - from, c);
                            double partial = 0.0;
                            for (int i = from; i < to; i++) {
                                if (predicted != null) {
                                    // Before the row's loss: dS may be written over its logits.
                                    predicted[first + i] = argmax(logits, i * c, c);
                                }
                                partial += ce.labelRow(row, logits, i * c, labels[first + i],
                                        rowWeights == null ? 1.0 : rowWeights[first + i], null, ds, i * c);
                            }
                            return partial;
                        }));
        return ce.reduce(lossSum) + regTerm(pr.options().reg(), pr.w());
    }

    /** The index of the largest of a[from, from + c), the lowest among equal ones. */
    static int argmax(double[] a, int from, int c) {
        int best = 0;
        for (int j = 1; j < c; j++) {
            if (a[from + j] > a[from + best]) {
                best = j;
            }
        }
        return best;
    }

    /**
     * The forward pass: logits = X·W + b by the same products as the classifier's, then each row's
     * softmax (in double, as the engine's) into probsOut and its argmax into predictedOut.
     */
    static void linearSoftmax(float[] x, float[] w, float[] b, int n, int d, int c, float[] probsOut,
                              int[] predictedOut, boolean fast) {
        Products how = Products.of(fast, n, d, c);
        linear(how, x, null, w, b, n, d, c, 0, null, null, null, (logits, first, m, ds) ->
                Parallel.sum(m, Parallel.rowsPerRange(c), how.byBlocks() ? 0 : (long) m * c, (from, to) -> {
                    RowSoftmax row = new RowSoftmax(c, fast);
                    if (probsOut != null) {
                        row.prepare(logits, from * c, to - from, c);
                    }
                    for (int i = from; i < to; i++) {
                        if (predictedOut != null) {
                            predictedOut[first + i] = argmax(logits, i * c, c);
                        }
                        if (probsOut != null) {
                            double[] p = row.of(logits, i * c, c);
                            for (int j = 0; j < c; j++) {
                                probsOut[(first + i) * c + j] = (float) p[j];
                            }
                        }
                    }
                    return 0.0;
                }));
    }

    /** The linear sigmoid classifier: the same products around {@link SigmoidLoss} of each element. */
    static double run(BinaryClassifierProblem pr, boolean fast) {
        return run(pr, fast, null);
    }

    /** {@link #run(BinaryClassifierProblem, boolean)} with the rows read from {@code source} when it is not null. */
    static double run(BinaryClassifierProblem pr, boolean fast, RowSource source) {
        final int k = pr.outputs();
        final Products how = Products.of(fast, pr.rows(), pr.features(), k);
        final float[] targets = pr.targets();
        BinaryCrossEntropyOptions bce = pr.options().binaryCrossEntropy();
        final float[] posWeight = bce.posWeight();
        final int[] predicted = pr.predicted();
        final float[] rowWeights = pr.rowWeights();
        // The mean's divisor: the elements, each row's counted as many times as its weight.
        double elements = (double) pr.rows() * k;
        if (rowWeights != null) {
            double sum = 0.0;
            for (float r : rowWeights) {
                sum += r;
            }
            elements = sum * k;
        }
        final double gradScale = bce.reduction() == Reduction.MEAN ? 1.0 / elements : 1.0;
        double lossSum = linear(how, pr.x(), source, pr.w(), pr.b(), pr.rows(), pr.features(), k, pr.options().reg(),
                pr.gradW(), pr.gradB(), pr.gradX(), (logits, first, m, ds) ->
                        Parallel.sum(m, Parallel.rowsPerRange(k), how.byBlocks() ? 0 : (long) m * k, (from, to) -> {
                            double partial = 0.0;
                            for (int i = from * k; i < to * k; i++) {
                                if (predicted != null) {
                                    predicted[first * k + i] = logits[i] > 0 ? 1 : 0;
                                }
                                double pw = posWeight == null ? 1.0 : posWeight[i % k];
                                double r = rowWeights == null ? 1.0 : rowWeights[first + i / k];
                                partial += r * SigmoidLoss.element(logits[i], targets[first * k + i], pw,
                                        gradScale * r, ds, i);
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
     *
     * <p>The rows come from x, or, when {@code source} is not null (x null, gradX null), from the
     * source: each block of rows read into this thread's buffer just before its products, so that
     * it is still in cache for the second (a file's mapped pages cross memory once per call, as an
     * array's rows do).
     */
    private static double linear(Products how, float[] x, RowSource source, float[] w, float[] b, int n, int d, int c,
                                 double reg, float[] gradW, float[] gradB, float[] gradX, ChunkLoss loss) {
        try {
            switch (how) {
                case SKINNY:
                    try (Scratch.Workspace ws = Scratch.workspace()) {
                        return linearSkinny(ws, x, source, w, b, n, d, c, reg, gradW, gradB, gradX, loss);
                    }
                case BLAS:
                    try (Scratch.Workspace ws = Scratch.workspace()) {
                        return linearBlas(ws, x, source, w, b, n, d, c, reg, gradW, gradB, gradX, loss);
                    }
                default:
                    return linearExact(x, source, w, b, n, d, c, reg, gradW, gradB, gradX, loss);
            }
        } catch (RuntimeException e) {
            if (!isOverflow(e)) {
                throw e;
            }
            // Logits past float's range in the float products: the whole call again with the
            // products in double, as the reference computes it (which overwrites every output the
            // float pass had begun: the call's outputs are never left half written).
            return linearExact(x, source, w, b, n, d, c, reg, gradW, gradB, gradX, loss);
        }
    }

    /** Float products whose logits left float's range (found where they are widened to double). */
    private static final class LogitsOverflow extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        LogitsOverflow(String message) {
            super(message);
        }
    }

    /** Whether e, or an exception it carries (a pool's rethrow), is a {@link LogitsOverflow}. */
    private static boolean isOverflow(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LogitsOverflow) {
                return true;
            }
        }
        return false;
    }

    /** Rows [first, first + m) of the source into this thread's block buffer, which it returns. */
    private static float[] readBlock(RowSource source, int first, int m, int d) {
        float[] rows = Scratch.floats(Scratch.FLOAT_X, m * d);
        source.read(first, m, rows, 0);
        return rows;
    }

    /** {@link #linear} with the products in double, in Java. */
    private static double linearExact(float[] x, RowSource source, float[] w, float[] b, int n, int d, int c,
                                      double reg, float[] gradW, float[] gradB, float[] gradX, ChunkLoss loss) {
        boolean needDs = gradW != null || gradB != null || gradX != null;
        int chunkRows = Math.max(1, Math.min(n, CHUNK_ELEMENTS / c));
        // From a source, each chunk's rows are read into one array of at most 16 MiB.
        float[] xs = null;
        if (source != null) {
            chunkRows = Math.max(1, Math.min(chunkRows, BLAS_CHUNK_ELEMENTS / d));
            xs = new float[chunkRows * d];
        }
        double[] logits = new double[chunkRows * c];
        float[] ds = needDs ? new float[chunkRows * c] : null;
        double[] dW = gradW != null ? new double[d * c] : null;
        double[] db = gradB != null ? new double[c] : null;
        float[] wT = gradX != null ? transpose(w, d, c) : null;

        double lossSum = 0.0;
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            final int first = r0;
            final int m = Math.min(chunkRows, n - r0);
            // The chunk's rows: x's from their place, or the source's read into xs from its start.
            final float[] xa = source == null ? x : xs;
            final int base = source == null ? first * d : 0;
            if (source != null) {
                source.read(first, m, xs, 0);
            }

            // logits = X[chunk]·W + b, kept in double.
            Parallel.forEach(m, TILE, (long) m * d * c, (from, to) -> {
                for (int i = from; i < to; i++) {
                    for (int j = 0; j < c; j++) {
                        logits[i * c + j] = b == null ? 0.0 : b[j];
                    }
                }
                multiplyAdd(xa, base + from * d, d, 1, to - from, d, w, c, logits, from * c);
            });

            lossSum += loss.apply(logits, first, m, ds);

            if (dW != null) {
                // dW[k, :] += Σ_i X[i, k]·dS[i, :]; each task owns a band of rows of dW.
                Parallel.forEach(d, TILE, (long) m * d * c, (from, to) ->
                        multiplyAdd(xa, base + from, 1, d, to - from, m, ds, c, dW, from * c));
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

        finish(dW, db, reg, w, gradW, gradB);
        return lossSum;
    }

    /** gradW = dW + 2·reg·W and gradB = db, rounded to float, for the outputs asked for. */
    private static void finish(double[] dW, double[] db, double reg, float[] w, float[] gradW, float[] gradB) {
        if (gradW != null) {
            for (int i = 0; i < gradW.length; i++) {
                gradW[i] = (float) (dW[i] + 2.0 * reg * w[i]);
            }
        }
        if (gradB != null) {
            for (int j = 0; j < gradB.length; j++) {
                gradB[j] = (float) db[j];
            }
        }
    }

    /**
     * {@link #linear} with the products by OpenBLAS, chunk by chunk of rows, each chunk in two
     * parallel phases:
     * <ol>
     *   <li>by blocks of rows: logits = X·W + b, the block's softmax and loss in Java, and
     *       dX = dS·Wᵀ, the products reading and writing the Java arrays in place where OpenBLAS
     *       can and each product's pins are brief ({@link Blas#inPlace(long)}: a few classes, as
     *       on Spark's blocks) and dW is not computed by bands; else X[block] and dS are copied
     *       into the chunk's native buffers (which the bands read) and the logits and dX copied
     *       out; when
     *       dW is thin (the chunk's per-block partials fit {@link #BLAS_PARTIALS_ELEMENTS}), also
     *       the block's X[block]ᵀ·dS while X[block] is in cache, the partials added in block order
     *       in double;</li>
     *   <li>otherwise, by bands of features: dW[band] += X[chunk, band]ᵀ·dS, each band into its own
     *       rows of the one dW (no per-thread copies of dW to add up).</li>
     * </ol>
     * OpenBLAS runs single-threaded ({@link Blas}); the blocks and bands are the parallelism, so
     * each core does both the products and the Java work of its rows. (OpenBLAS's own threads spin
     * after each product, and fork/join threads competing with them ran the Java work several
     * times slower.) Blocks and bands are sized from the shape alone, and the blocks' losses and
     * db are added in block order, so a machine gives the same bits whatever its thread count.
     */
    private static double linearBlas(Scratch.Workspace ws, float[] x, RowSource source, float[] w, float[] b, int n,
                                     int d, int c, double reg, float[] gradW, float[] gradB, float[] gradX,
                                     ChunkLoss loss) {
        boolean needDs = gradW != null || gradB != null || gradX != null;
        int blockRows = Math.max(16, BLAS_BLOCK_ELEMENTS / Math.max(d, c));
        int chunkRows = Math.max(1, BLAS_CHUNK_ELEMENTS / Math.max(d, c)) / blockRows * blockRows;
        chunkRows = Math.min(n, Math.max(blockRows, chunkRows));
        int bandCols = Math.max(128, (d + BANDS - 1) / BANDS);
        int bands = (d + bandCols - 1) / bandCols;
        int blocksPerChunk = (chunkRows + blockRows - 1) / blockRows;
        double[] blockLoss = new double[blocksPerChunk];
        double[][] blockDb = gradB != null ? new double[blocksPerChunk][c] : null;
        double[] db = gradB != null ? new double[c] : null;
        boolean fused = gradW != null && (long) blocksPerChunk * d * c <= BLAS_PARTIALS_ELEMENTS;
        // The products take the Java arrays in place (nothing copied) when their pins are brief
        // and no band reads X after dX was written (gradX may be x itself); else native buffers.
        boolean inPlace = Blas.inPlace((long) blockRows * d * c) && gradX != x && (gradW == null || fused);
        double[] dWsum = fused ? ws.zeroSums(d * c) : null;  // the bands' dW joins it at the end
        float[] partial = fused ? ws.partial(d * c) : null;
        FloatPointer pw = null;
        FloatPointer wn = null;
        FloatPointer xc = null;
        FloatPointer dsc = null;
        FloatPointer dxc = null;
        FloatPointer gw = null;
        try {
            wn = NativeBuffers.take((long) d * c);
            wn.put(w, 0, d * c);
            xc = inPlace ? null : NativeBuffers.take((long) chunkRows * d);
            dsc = inPlace ? null : NativeBuffers.take((long) chunkRows * c);
            dxc = gradX != null && !inPlace ? NativeBuffers.take((long) chunkRows * d) : null;
            gw = gradW != null && !fused ? NativeBuffers.take((long) d * c) : null;
            pw = fused ? NativeBuffers.take((long) blocksPerChunk * d * c) : null;
            final FloatPointer pwf = pw;
            final FloatPointer wnf = wn;
            final FloatPointer xcf = xc;
            final FloatPointer dscf = dsc;
            final FloatPointer dxcf = dxc;
            final FloatPointer gwf = gw;
            final Blas.Ref wnr = Blas.Ref.of(wn);
            double lossSum = 0.0;
            for (int r0 = 0; r0 < n; r0 += chunkRows) {
                final int first = r0;
                final int m = Math.min(chunkRows, n - r0);
                int blocks = (m + blockRows - 1) / blockRows;
                Parallel.each(blocks, j -> {
                    int i0 = j * blockRows;
                    int mb = Math.min(blockRows, m - i0);
                    FloatPointer sb = inPlace ? null : dscf.getPointer((long) i0 * c);
                    // X[block]: in place, the caller's array itself, or the block read from a source
                    // into this thread's buffer; else copied into the chunk's native buffer (which the
                    // bands read too).
                    Blas.Ref xr;
                    if (inPlace) {
                        xr = source == null ? Blas.Ref.of(x, (long) (first + i0) * d)
                                : Blas.Ref.of(readBlock(source, first + i0, mb, d), 0);
                    } else {
                        FloatPointer xb = xcf.getPointer((long) i0 * d);
                        xb.put(source == null ? x : readBlock(source, first + i0, mb, d),
                                source == null ? (first + i0) * d : 0, mb * d);
                        xr = Blas.Ref.of(xb);
                    }
                    // Per-thread buffers: fresh arrays of a block's size cost more to zero than to fill.
                    float[] logitsF = Scratch.floats(Scratch.FLOAT_LOGITS, mb * c);
                    if (inPlace) {
                        Blas.gemm(mb, c, d, xr, wnr, false, 0f, Blas.Ref.of(logitsF, 0));
                    } else {
                        Blas.gemm(mb, c, d, xr, wnr, false, 0f, Blas.Ref.of(sb));
                        sb.get(logitsF, 0, mb * c);
                    }
                    double[] logits = widen(logitsF, mb, c, b, first + i0);
                    float[] ds = needDs ? Scratch.floats(Scratch.FLOAT_DS, mb * c) : null;
                    blockLoss[j] = loss.apply(logits, first + i0, mb, ds);
                    if (!needDs) {
                        return;
                    }
                    if (!inPlace) {
                        sb.put(ds, 0, mb * c); // the bands read the chunk's dS from native memory
                    }
                    Blas.Ref dsr = inPlace ? Blas.Ref.of(ds, 0) : Blas.Ref.of(sb);
                    if (pwf != null) {
                        Blas.gemmTransA(mb, d, c, xr, d, dsr, 0f, Blas.Ref.of(pwf.getPointer((long) j * d * c)));
                    }
                    if (blockDb != null) {
                        double[] part = blockDb[j];
                        java.util.Arrays.fill(part, 0.0);
                        for (int i = 0; i < mb; i++) {
                            for (int k = 0; k < c; k++) {
                                part[k] += ds[i * c + k];
                            }
                        }
                    }
                    if (inPlace && gradX != null) {
                        Blas.gemm(mb, d, c, dsr, wnr, true, 0f, Blas.Ref.of(gradX, (long) (first + i0) * d));
                    } else if (dxcf != null) {
                        FloatPointer xo = dxcf.getPointer((long) i0 * d);
                        Blas.gemm(mb, d, c, sb, wnf, true, 0f, xo);
                        xo.get(gradX, (first + i0) * d, mb * d);
                    }
                });
                for (int j = 0; j < blocks; j++) {
                    if (pwf != null) {
                        pwf.getPointer((long) j * d * c).get(partial, 0, d * c);
                        for (int i = 0; i < d * c; i++) {
                            dWsum[i] += partial[i];
                        }
                    }
                    lossSum += blockLoss[j];
                    if (db != null) {
                        for (int k = 0; k < c; k++) {
                            db[k] += blockDb[j][k];
                        }
                    }
                }
                if (gwf != null) {
                    Parallel.each(bands, band -> {
                        int k0 = band * bandCols;
                        int kb = Math.min(bandCols, d - k0);
                        Blas.gemmTransA(m, kb, c, xcf.getPointer(k0), d, dscf, first == 0 ? 0f : 1f,
                                gwf.getPointer((long) k0 * c));
                    });
                }
            }
            if (gradW != null && !fused) {
                // The bands' dW straight into gradW, then the L2 term: finish's bits, without a
                // double copy of dW per call (12 bytes per weight of garbage, GC pauses in a loop).
                gw.get(gradW, 0, d * c);
                if (reg != 0) {
                    for (int i = 0; i < gradW.length; i++) {
                        gradW[i] = (float) ((double) gradW[i] + 2.0 * reg * w[i]);
                    }
                }
                finish(null, db, reg, w, null, gradB);
                return lossSum;
            }
            finish(dWsum, db, reg, w, gradW, gradB);
            return lossSum;
        } finally {
            for (FloatPointer p : new FloatPointer[] {wn, xc, dsc, dxc, gw, pw}) {
                NativeBuffers.give(p);
            }
        }
    }

    /**
     * The block's logits X·W as the products gave them, in float, plus b, in double, into this
     * thread's {@link Scratch#LOGITS} buffer; {@code firstRow} numbers the block's first row for the
     * message when a product overflowed.
     */
    private static double[] widen(float[] logitsF, int mb, int c, float[] b, int firstRow) {
        double[] logits = Scratch.doubles(Scratch.LOGITS, mb * c);
        // No branch per element: a non-finite logit (all exponent bits set) is looked for again,
        // for its row and class, only when one was seen.
        int nonFinite = 0;
        for (int i = 0; i < mb; i++) {
            int row = i * c;
            if (b == null) {
                for (int k = 0; k < c; k++) {
                    float v = logitsF[row + k];
                    nonFinite |= ((Float.floatToRawIntBits(v) & 0x7f800000) + 0x00800000) >>> 31;
                    logits[row + k] = v;
                }
            } else {
                for (int k = 0; k < c; k++) {
                    float v = logitsF[row + k];
                    nonFinite |= ((Float.floatToRawIntBits(v) & 0x7f800000) + 0x00800000) >>> 31;
                    logits[row + k] = (double) v + b[k];
                }
            }
        }
        if (nonFinite != 0) {
            for (int i = 0; i < mb * c; i++) {
                if (!Float.isFinite(logitsF[i])) {
                    throw new LogitsOverflow("logits x·w + b overflow float at row " + (firstRow + i / c)
                            + ", class " + i % c + " (" + logitsF[i] + "): scale the features or the weights down");
                }
            }
        }
        return logits;
    }

    /**
     * Blocks per task at most: a task adds its blocks' dW in float, then the tasks' partials are
     * added in task order, in double.
     */
    private static final int SKINNY_BLOCKS_PER_TASK = 16;

    /**
     * Tasks the rows are split into, about, where there are rows enough: work for 16 cores and
     * more, and few dW partials to add up.
     */
    private static final int SKINNY_TASKS = 32;

    /** Floats of the tasks' dW partials held at once (4 MiB): the tasks run in rounds of that many. */
    private static final int SKINNY_PARTIALS_ELEMENTS = 1 << 20;

    /**
     * {@link #linear} with the products by {@link SkinnyProducts}, for few classes: the rows split
     * into tasks of whole blocks, sized from the shape alone; each task, on one thread, takes its
     * blocks in order: logits = X·W (X read from the Java array), the block's loss and dS in Java,
     * then dWᵀ += dSᵀ·X while X[block] is still in cache (into the task's own partial, in float),
     * db and dX = dS·Wᵀ. The tasks' losses, db and dW partials are added in task order, in double:
     * the same bits whatever the thread count.
     */
    private static double linearSkinny(Scratch.Workspace ws, float[] x, RowSource source, float[] w, float[] b, int n,
                                       int d, int c, double reg, float[] gradW, float[] gradB, float[] gradX,
                                       ChunkLoss loss) {
        boolean needDs = gradW != null || gradB != null || gradX != null;
        float[] wT = transpose(w, d, c, ws.weightsT(d * c));
        int blockRows = SkinnyProducts.blockRows(d);
        long blocks = ((long) n + blockRows - 1) / blockRows;
        int blocksPerTask = (int) Math.max(1, Math.min(SKINNY_BLOCKS_PER_TASK,
                (blocks + SKINNY_TASKS - 1) / SKINNY_TASKS));
        int taskRows = blocksPerTask * blockRows;
        int tasks = (int) (((long) n + taskRows - 1) / taskRows);
        int perRound = Math.max(1, Math.min(tasks, SKINNY_PARTIALS_ELEMENTS / (c * d)));
        float[][] partials = gradW != null ? ws.partials(perRound, c * d) : null;
        double[] taskLoss = new double[perRound];
        double[][] taskDb = gradB != null ? new double[perRound][c] : null;
        double[] dWT = gradW != null ? ws.zeroSums(c * d) : null;
        double[] db = gradB != null ? new double[c] : null;
        double lossSum = 0.0;
        for (int t0 = 0; t0 < tasks; t0 += perRound) {
            final int first = t0;
            int count = Math.min(perRound, tasks - t0);
            Parallel.each(count, q -> {
                int r0 = (first + q) * taskRows;
                int r1 = (int) Math.min(n, (long) r0 + taskRows);
                double sum = 0.0;
                if (taskDb != null) {
                    java.util.Arrays.fill(taskDb[q], 0.0);
                }
                for (int i0 = r0; i0 < r1; i0 += blockRows) {
                    int mb = Math.min(blockRows, r1 - i0);
                    float[] xa = source == null ? x : readBlock(source, i0, mb, d);
                    int at = source == null ? i0 * d : 0;
                    float[] logitsF = Scratch.floats(Scratch.FLOAT_LOGITS, mb * c);
                    SkinnyProducts.logits(xa, at, mb, d, wT, c, logitsF, 0);
                    double[] logits = widen(logitsF, mb, c, b, i0);
                    float[] ds = needDs ? Scratch.floats(Scratch.FLOAT_DS, mb * c) : null;
                    sum += loss.apply(logits, i0, mb, ds);
                    if (!needDs) {
                        continue;
                    }
                    if (partials != null) {
                        SkinnyProducts.weightGradient(xa, at, mb, d, ds, 0, c, partials[q], i0 != r0);
                    }
                    if (taskDb != null) {
                        double[] part = taskDb[q];
                        for (int i = 0; i < mb; i++) {
                            for (int k = 0; k < c; k++) {
                                part[k] += ds[i * c + k];
                            }
                        }
                    }
                    if (gradX != null) {
                        SkinnyProducts.inputGradient(ds, 0, mb, c, wT, d, gradX, i0 * d);
                    }
                }
                taskLoss[q] = sum;
            });
            for (int q = 0; q < count; q++) {
                lossSum += taskLoss[q];
                if (dWT != null) {
                    addTo(dWT, partials[q], c * d);
                }
                if (db != null) {
                    for (int k = 0; k < c; k++) {
                        db[k] += taskDb[q][k];
                    }
                }
            }
        }
        finish(dWT != null ? transpose(dWT, c, d, ws.sumsT(c * d)) : null, db, reg, w, gradW, gradB);
        return lossSum;
    }

    /** reg·ΣW², summed in double. */
    private static double regTerm(double reg, float[] w) {
        if (reg == 0) {
            return 0.0; // w is finite (checked)
        }
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

    /** acc[i] += part[i] for every i of acc. */
    private static void addTo(double[] acc, float[] part, int length) {
        for (int i = 0; i < length; i++) {
            acc[i] += part[i];
        }
    }

    /** a [rows, cols] transposed into t[0, rows·cols). */
    private static double[] transpose(double[] a, int rows, int cols, double[] t) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }

    /** w [rows, cols] transposed, in a new array. */
    private static float[] transpose(float[] w, int rows, int cols) {
        return transpose(w, rows, cols, new float[rows * cols]);
    }

    /** w [rows, cols] transposed into t[0, rows·cols). */
    private static float[] transpose(float[] w, int rows, int cols, float[] t) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = w[i * cols + j];
            }
        }
        return t;
    }
}
