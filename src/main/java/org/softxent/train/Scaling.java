package org.softxent.train;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.softxent.cpu.ScaleRows;
import org.softxent.io.RowSource;
import org.softxent.util.PerThreadArray;

/**
 * The feature scaling learnt from the training rows: x_q → (x_q − mean_q) / scale_q with the mean
 * and the population standard deviation (as scikit-learn's StandardScaler and Spark's, which keep
 * a constant feature's scale at 1), or the identity when standardisation is off. Refuses a
 * training set whose every feature is constant: there is nothing to learn from it.
 *
 * <p>One pass over the rows for the statistics: blocks of rows on the fork/join pool, each block's
 * mean and sum of squared deviations from it (in slices that stay in cache, so no Σx² − n·m²
 * cancellation), the blocks combined in order by Chan et al.'s update: the same bits whatever the
 * thread count. The same pass checks every row finite, kept or held out.
 *
 * <p>rowMean and rowVariance are the kept rows' own mean and population variance per feature (in
 * double), whether or not the scaling uses them: L-BFGS on rows left unstandardised is
 * preconditioned with them (Trainer).
 */
record Scaling(float[] mean, float[] scale, int[] constant, double[] rowMean, double[] rowVariance,
               boolean fromDoubles) {
    /** The most rows read at once: a slice that stays in cache for its second loop. */
    static final int SLICE_ROWS = 256;
    /** The fewest rows of a block of the pass (larger sets take larger blocks: at most about 256). */
    static final int BLOCK_ROWS = 2048;

    /** The statistics of the rows {@code kept} of x [rows, features]. */
    static Scaling of(float[] x, int rows, int features, int[] kept, boolean standardize) {
        return of(RowSource.of(x, rows, features), kept, standardize);
    }

    /**
     * The statistics of the rows {@code kept} (ascending) of x, read block by block in one pass over
     * all of x's rows, which checks each of them finite (unless the source knows it is).
     *
     * @throws NonFiniteFeatureException naming x's first NaN or infinity
     */
    static Scaling of(RowSource x, int[] kept, boolean standardize) {
        int features = x.features();
        int rows = Math.toIntExact(x.rows());
        boolean[] keep = null;
        if (kept.length != rows) {
            keep = new boolean[rows];
            for (int r : kept) {
                keep[r] = true;
            }
        }
        boolean[] mask = keep;
        int slice = slice(features);
        int blockRows = (int) Math.max(BLOCK_ROWS, ((long) rows / 256 + slice - 1) / slice * slice);
        int blocks = (int) (((long) rows + blockRows - 1) / blockRows);
        List<Moments> parts = IntStream.range(0, blocks).parallel()
                .mapToObj(k -> Moments.of(x, mask, (int) ((long) k * blockRows),
                        (int) Math.min(rows, (long) (k + 1) * blockRows), slice))
                .toList();
        Moments all = new Moments(features);
        boolean finite = true;
        for (Moments part : parts) {
            all.add(part);
            finite &= part.heldOutFinite;
        }
        for (int q = 0; q < features && finite; q++) {
            finite = Double.isFinite(all.mean[q]) && Double.isFinite(all.squares[q]);
        }
        if (!finite) {
            requireFinite("x", x);
            throw new IllegalArgumentException("x holds a NaN or an infinity, though its source said it was finite");
        }
        float[] mean = new float[features];
        float[] scale = new float[features];
        if (all.low != null) { // rows stored wide: a feature of equal values is that value, exactly
            for (int q = 0; q < features; q++) {
                if (all.low[q] == all.high[q]) {
                    all.mean[q] = all.low[q];
                    all.squares[q] = 0;
                }
            }
        }
        List<Integer> constant = new ArrayList<>();
        for (int q = 0; q < features; q++) {
            // Every value of a constant feature is its mean, exactly: its squares sum to 0, and only its.
            boolean same = all.squares[q] == 0;
            if (same) {
                constant.add(q);
            }
            float sd = (float) Math.sqrt(all.squares[q] / all.n); // tested as a float: it may round to 0 or overflow
            mean[q] = standardize ? (float) all.mean[q] : 0f;
            scale[q] = standardize && !same && sd > 0 && Float.isFinite(sd) ? sd : 1f;
        }
        if (constant.size() == features) {
            boolean large = false;
            for (int q = 0; q < features; q++) {
                large |= Math.abs(all.mean[q]) >= 1 << 24;
            }
            throw new IllegalArgumentException("every feature is constant over the " + kept.length
                    + " training rows: there is nothing to learn from" + (large ? " (as float32, which softxent "
                    + "computes with: values of 2^24 and more are rounded to steps of 2 and more, so values that "
                    + "differ by less are equal; subtract an offset from such features first)" : ""));
        }
        double[] variance = new double[features];
        for (int q = 0; q < features; q++) {
            variance[q] = all.squares[q] / all.n;
        }
        // Standardised from the values as stored (fromDoubles): float32 rounds only the standardised ones.
        return new Scaling(mean, scale, constant.stream().mapToInt(Integer::intValue).toArray(), all.mean.clone(),
                variance, x.holdsDoubles() && standardize);
    }

    /** Rows per slice: at most {@link #SLICE_ROWS}, and about 1 MB of floats. */
    static int slice(int features) {
        return Math.max(1, Math.min(SLICE_ROWS, (1 << 18) / features));
    }

    /** Count, means and sums of squared deviations of some rows, per feature. */
    private static final class Moments {
        long n;
        final double[] mean;
        final double[] squares;
        /**
         * Rows stored wide: each feature's least and greatest kept value, which say exactly whether
         * it is constant (the mean of equal doubles such as 0.1 need not be 0.1, nor their squared
         * deviations 0); null for float rows, whose slices sum exactly in double.
         */
        double[] low;
        double[] high;
        /** Whether the rows not kept, which only need checking, are finite. */
        boolean heldOutFinite = true;

        Moments(int features) {
            mean = new double[features];
            squares = new double[features];
        }

        /** The moments of rows [from, end) of x that {@code keep} keeps (null: all). */
        static Moments of(RowSource x, boolean[] keep, int from, int end, int sliceRows) {
            if (x.holdsDoubles()) {
                return ofDoubles(x, keep, from, end, sliceRows);
            }
            int features = x.features();
            Moments block = new Moments(features);
            Moments slice = new Moments(features);
            float[] whole = x.array();
            float[] buffer = whole != null ? null : BUFFER.atLeast(sliceRows * features);
            double check = 0;
            double[] checked = new double[1];
            for (int s = from; s < end; s += sliceRows) {
                int m = Math.min(sliceRows, end - s);
                float[] v;
                int offset;
                if (whole != null) {
                    v = whole;
                    offset = Math.multiplyExact(s, features);
                } else {
                    x.read(s, m, buffer, 0);
                    v = buffer;
                    offset = 0;
                }
                double[] sum = slice.mean;
                int kept = ScaleRows.moments(v, offset, m, features, keep, s, sum, slice.squares, checked);
                if (kept == 0) {
                    continue;
                }
                if (kept > 0) { // vectorised, the same bits as below
                    slice.n = kept;
                    block.add(slice);
                    continue;
                }
                // Without the native library: the slice widened to double (exactly), the loop below.
                double[] wide = DOUBLES.atLeast(m * features);
                for (int i = 0; i < m * features; i++) {
                    wide[i] = v[offset + i];
                }
                check += slice.addSlice(wide, m, features, keep, s, block) ? 0 : Double.NaN;
            }
            // A float's sum in double cannot overflow: it is not finite only when a value is not.
            block.heldOutFinite = Double.isFinite(check) && Double.isFinite(checked[0]);
            return block;
        }

        /**
         * {@link #of} for a source that {@link RowSource#holdsDoubles}: its values as they are
         * stored, before float32 rounds them. A value beyond float32's range counts as not finite,
         * as it does when read as float32 (what the engines and predictions read).
         */
        private static Moments ofDoubles(RowSource x, boolean[] keep, int from, int end, int sliceRows) {
            int features = x.features();
            Moments block = new Moments(features);
            Moments slice = new Moments(features);
            double[] v = DOUBLES.atLeast(sliceRows * features);
            block.low = new double[features];
            block.high = new double[features];
            java.util.Arrays.fill(block.low, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(block.high, Double.NEGATIVE_INFINITY);
            boolean finite = true;
            for (int s = from; s < end; s += sliceRows) {
                int m = Math.min(sliceRows, end - s);
                x.readDoubles(s, m, v, 0);
                finite &= slice.addSlice(v, m, features, keep, s, block);
                for (int i = 0; i < m; i++) {
                    if (keep == null || keep[s + i]) {
                        for (int q = 0; q < features; q++) {
                            block.low[q] = Math.min(block.low[q], v[i * features + q]);
                            block.high[q] = Math.max(block.high[q], v[i * features + q]);
                        }
                    }
                }
            }
            block.heldOutFinite = finite;
            return block;
        }

        /**
         * This (a slice's scratch) ← the moments of the rows of v [m, features] (row i is x's row
         * s + i) that {@code keep} keeps (null: all), added to {@code block}: the mean, then the
         * squared deviations from it, each in row order. Returns whether every value, kept or not,
         * is finite as float32.
         */
        boolean addSlice(double[] v, int m, int features, boolean[] keep, int s, Moments block) {
            double[] sum = mean;
            java.util.Arrays.fill(sum, 0);
            java.util.Arrays.fill(squares, 0);
            boolean finite = true;
            int n = 0;
            for (int i = 0; i < m; i++) {
                int base = i * features;
                boolean kept = keep == null || keep[s + i];
                n += kept ? 1 : 0;
                for (int q = 0; q < features; q++) {
                    finite &= Float.isFinite((float) v[base + q]);
                    if (kept) {
                        sum[q] += v[base + q];
                    }
                }
            }
            if (n == 0) {
                return finite;
            }
            for (int q = 0; q < features; q++) {
                sum[q] /= n; // now the slice's mean
            }
            for (int i = 0; i < m; i++) {
                if (keep == null || keep[s + i]) {
                    int base = i * features;
                    for (int q = 0; q < features; q++) {
                        double d = v[base + q] - sum[q];
                        squares[q] += d * d;
                    }
                }
            }
            this.n = n;
            block.add(this);
            return finite;
        }

        /** Adds another's rows: the pairwise update of Chan, Golub and LeVeque. */
        void add(Moments other) {
            if (other.low != null) {
                if (low == null) {
                    low = other.low.clone();
                    high = other.high.clone();
                } else {
                    for (int q = 0; q < low.length; q++) {
                        low[q] = Math.min(low[q], other.low[q]);
                        high[q] = Math.max(high[q], other.high[q]);
                    }
                }
            }
            if (other.n == 0) {
                return;
            }
            long total = n + other.n;
            double share = (double) other.n / total;
            double weight = (double) n * other.n / total;
            for (int q = 0; q < mean.length; q++) {
                double delta = other.mean[q] - mean[q];
                mean[q] += delta * share;
                squares[q] += other.squares[q] + delta * delta * weight;
            }
            n = total;
        }
    }

    private static final PerThreadArray<float[]> BUFFER = PerThreadArray.floats();

    private static final PerThreadArray<byte[]> BYTES = PerThreadArray.bytes();

    private static final PerThreadArray<double[]> DOUBLES = PerThreadArray.doubles();
    private static final PerThreadArray<float[]> FLOATS = PerThreadArray.floats();

    /**
     * Float32 steps per standard deviation below which a feature is called coarse: its values, as
     * the float32 softxent computes with, hold less than this many distinct levels per standard
     * deviation (at 1.7e9, float32's step is 128).
     */
    static final int COARSE_STEPS = 16;

    /**
     * The features, not constant, whose float32 values are coarse next to their spread: float32's
     * step at their magnitude (|mean| + 3 standard deviations) is more than 1/{@value #COARSE_STEPS}
     * of their standard deviation. None where the rows were standardised from the wider values
     * they are stored as ({@link RowSource#holdsDoubles}), before float32 rounded them.
     */
    int[] coarse() {
        List<Integer> coarse = new ArrayList<>();
        if (fromDoubles) {
            return new int[0];
        }
        for (int q = 0; q < rowMean.length; q++) {
            double sd = Math.sqrt(rowVariance[q]);
            if (sd > 0 && (double) Math.ulp((float) (Math.abs(rowMean[q]) + 3 * sd)) * COARSE_STEPS > sd) {
                coarse.add(q);
            }
        }
        return coarse.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The intercepts b [outputs] of weights w [features, outputs] learnt on these rows, for the
     * model's float32 mean: rows stored wide are centred on their exact mean (in double, {@code
     * rowMean}), which float32 may miss by more than their spread (1e6 + 0.03 ± 1e-4: the mean's
     * float32 is 0.03 away, 300 standard deviations; centred on it, the rows would sit 300 from 0
     * and the optimizer all but stall); a model centres on its float32 mean, so b absorbs the
     * difference: b + Σ_q w[q]·(float mean[q] − exact mean[q]) / scale[q], in double (a row at the
     * exact mean has z = 0 in training and z = (exact − float mean) / scale in the model). b as it
     * is for other rows.
     */
    float[] intercepts(float[] w, float[] b) {
        if (!fromDoubles) {
            return b;
        }
        int outputs = b.length;
        double[] shifted = new double[outputs];
        for (int j = 0; j < outputs; j++) {
            shifted[j] = b[j];
        }
        for (int q = 0; q < mean.length; q++) {
            double offset = ((double) mean[q] - rowMean[q]) / scale[q];
            if (offset != 0) {
                for (int j = 0; j < outputs; j++) {
                    shifted[j] += w[q * outputs + j] * offset;
                }
            }
        }
        float[] out = new float[outputs];
        for (int j = 0; j < outputs; j++) {
            out[j] = (float) shifted[j];
        }
        return out;
    }

    /** Whether the scaling leaves every value as it is: mean 0 and scale 1 for every feature. */
    boolean identity() {
        for (int q = 0; q < mean.length; q++) {
            if (mean[q] != 0 || scale[q] != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The rows {@code indices} (ascending) of x scaled, as {@link #apply(RowSource, int[])} computes
     * them, without a copy where one is not needed: x's own array where it is one array of which
     * every row is asked for and the scaling is the {@link #identity()} (unmodified) or
     * {@code inPlace} allows it (then overwritten with the scaled rows); else a new array.
     */
    float[] scaled(RowSource x, int[] indices, boolean inPlace) {
        float[] whole = x.array();
        if (whole != null && indices.length == x.rows()) {
            if (identity()) {
                return whole;
            }
            if (inPlace) {
                applyInPlace(whole, x.features());
                return whole;
            }
        }
        return apply(x, indices);
    }

    /** Whether {@link #scaled} returns x's own array for these rows (no copy). */
    static boolean scalesWithoutCopy(RowSource x, int[] indices, boolean inPlace, boolean standardize) {
        return x.array() != null && indices.length == x.rows() && (inPlace || !standardize);
    }

    /** x [*, features] ← (x − mean) / scale, block by block in parallel: the bits of {@link #apply}. */
    void applyInPlace(float[] x, int features) {
        int rows = x.length / features;
        int per = Math.max(1, Math.min(BLOCK_ROWS, (1 << 20) / features));
        int blocks = (rows + per - 1) / per;
        IntStream.range(0, blocks).parallel().forEach(k -> {
            int start = k * per;
            int end = Math.min(rows, start + per);
            scaleInPlace(x, start * features, end - start, features);
        });
    }

    /**
     * v[at0, at0 + rows·features) ← (v − mean) / scale, element by element, each value read before
     * it is written: vectorised where the native library loads, else the Java loop, the same bits.
     */
    private void scaleInPlace(float[] v, int at0, int rows, int features) {
        if (!fromDoubles && ScaleRows.scale(v, at0, v, at0, rows, features, mean, scale)) {
            return;
        }
        for (int at = at0; at < at0 + rows * features; at += features) {
            for (int q = 0; q < features; q++) {
                // In double: x − mean of two floats near ±3.4e38 overflows a float. Centred where
                // the training rows were: on their exact mean when they are stored wide.
                v[at + q] = (float) (((double) v[at + q] - centre(q)) / scale[q]);
            }
        }
    }

    /** Where feature q is centred: the exact mean of rows stored wide ({@link #intercepts}), else the model's. */
    private double centre(int q) {
        return fromDoubles ? rowMean[q] : mean[q];
    }

    /**
     * The rows indices[from, to) of x, scaled, into out from at0: uint8 values (bytes true) read as
     * their bytes and converted and scaled in one pass, others read into their place and scaled
     * there (the block in a core's cache once, not twice); the same bits either way.
     */
    private void readScaled(RowSource x, int[] indices, int from, int to, float[] out, int at0, boolean bytes) {
        int features = x.features();
        int rows = to - from;
        if (fromDoubles && x.holdsDoubles()) { // standardised before float32 rounds them (1.7e9 ± 600)
            double[] raw = DOUBLES.atLeast(rows * features);
            x.gatherDoubles(indices, from, to, raw);
            for (int i = 0; i < rows * features; i += features) {
                for (int q = 0; q < features; q++) {
                    out[at0 + i + q] = (float) ((raw[i + q] - rowMean[q]) / scale[q]);
                }
            }
            return;
        }
        // Bytes beside wide training rows (validation rows given apart) are read as floats, and
        // centred where the training rows were.
        if (!bytes || fromDoubles) {
            x.gather(indices, from, to, out, at0);
            scaleInPlace(out, at0, rows, features);
            return;
        }
        byte[] raw = BYTES.atLeast(rows * features);
        x.gatherBytes(indices, from, to, raw);
        if (ScaleRows.scaleBytes(raw, 0, out, at0, rows, features, mean, scale)) {
            return;
        }
        for (int i = 0; i < rows * features; i += features) {
            for (int q = 0; q < features; q++) {
                out[at0 + i + q] = (float) (((double) (raw[i + q] & 0xff) - mean[q]) / scale[q]);
            }
        }
    }

    /** (x − mean) / scale for x [rows, features], in a new array. */
    float[] apply(float[] x, int features) {
        int rows = x.length / features;
        int[] all = new int[rows];
        java.util.Arrays.setAll(all, i -> i);
        return apply(RowSource.of(x, rows, features), all);
    }

    /** (x − mean) / scale of the rows {@code indices} of x [*, features], in a new array [indices, features]. */
    float[] apply(float[] x, int features, int[] indices) {
        return apply(RowSource.of(x, x.length / features, features), indices);
    }

    /**
     * (x − mean) / scale of the rows {@code indices} (ascending) of x, in a new array [indices,
     * features]: each block read straight into its place and scaled there, one pass.
     */
    float[] apply(RowSource x, int[] indices) {
        float[] out = new float[Math.multiplyExact(indices.length, x.features())];
        applyInto(x, indices, 0, indices.length, out);
        return out;
    }

    /**
     * (x − mean) / scale of the rows {@code indices[from, to)} (ascending) of x into out [to − from,
     * features], from its start: each block read and scaled into its place, in parallel.
     */
    void applyInto(RowSource x, int[] indices, int from, int to, float[] out) {
        int features = x.features();
        boolean bytes = x.holdsBytes();
        // Rows per block: at most 256 KiB, so that a block read into its place is still in the core's
        // cache when it is scaled there.
        int per = Math.max(1, Math.min(BLOCK_ROWS, (1 << 16) / features));
        int blocks = (to - from + per - 1) / per;
        IntStream.range(0, blocks).parallel().forEach(k -> {
            int start = from + k * per;
            readScaled(x, indices, start, Math.min(to, start + per), out, (start - from) * features, bytes);
        });
    }

    /**
     * The first value of the rows {@code indices} (ascending) of x that, scaled as {@link #apply}
     * scales it, passes float32's range: its flat index (i × features + q, i counted in indices),
     * or −1. Only rows other than those the statistics came from can (a value far outside their
     * range, on a feature of tiny spread): validation rows.
     */
    long firstOverflow(RowSource x, int[] indices) {
        if (identity() && !fromDoubles) {
            return -1;
        }
        int features = x.features();
        boolean bytes = x.holdsBytes();
        int per = Math.max(1, Math.min(BLOCK_ROWS, (1 << 16) / features));
        int blocks = (indices.length + per - 1) / per;
        return IntStream.range(0, blocks).parallel().mapToLong(k -> {
            int start = k * per;
            int end = Math.min(indices.length, start + per);
            int values = (end - start) * features;
            float[] out = FLOATS.atLeast(values);
            readScaled(x, indices, start, end, out, 0, bytes);
            for (int i = 0; i < values; i++) {
                if (!Float.isFinite(out[i])) {
                    return (long) start * features + i;
                }
            }
            return Long.MAX_VALUE;
        }).filter(i -> i != Long.MAX_VALUE).min().orElse(-1);
    }

    /** The mean this scaling subtracts from feature q (the exact one of rows stored wide). */
    double centreOf(int q) {
        return centre(q);
    }

    /** The standard deviation this scaling divides feature q by. */
    float scaleOf(int q) {
        return scale[q];
    }

    /**
     * The rows {@code indices} (ascending) of x, scaled as they are read: a source [indices.length,
     * features] that reads x only when asked, each read on the caller's thread into the caller's
     * array (safe from several threads at once), as {@link #applyInto} computes them. For an engine
     * that reads its blocks of rows itself ({@link org.softxent.backend.Backend#readsSources}).
     * Known finite: x's rows were checked when the statistics were learnt.
     */
    RowSource view(RowSource x, int[] indices) {
        int features = x.features();
        boolean uint8 = x.holdsBytes();
        return new RowSource() {
            @Override
            public long rows() {
                return indices.length;
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                int from = Math.toIntExact(first);
                java.util.Objects.checkFromIndexSize(from, count, indices.length);
                java.util.Objects.checkFromIndexSize(offset, Math.multiplyExact(count, features), dst.length);
                readScaled(x, indices, from, from + count, dst, offset, uint8);
            }

            @Override
            public String where(long row) {
                return x.where(indices[Math.toIntExact(row)]);
            }

            @Override
            public boolean knownFinite() {
                return true;
            }
        };
    }

    /**
     * Checks every value of x finite, in parallel.
     *
     * @throws NonFiniteFeatureException naming the first NaN or infinity
     */
    static void requireFinite(String name, RowSource x) {
        long bad = RowSource.firstNonFinite(x);
        if (bad < 0) {
            return;
        }
        int features = x.features();
        long row = bad / features;
        int column = (int) (bad % features);
        throw new NonFiniteFeatureException(name, row, column, valueAt(x, row, column), x.where(row));
    }

    /** x's value at (row, column), as the source reads it now. */
    static float valueAt(RowSource x, long row, int column) {
        float[] one = new float[x.features()];
        x.read(row, 1, one, 0);
        return one[column];
    }
}
