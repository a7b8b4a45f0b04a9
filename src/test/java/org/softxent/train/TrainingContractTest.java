package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.assertClose;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.io.Csv;
import org.softxent.testing.EngineTest;
import org.softxent.testing.Rng;

/**
 * What training must do on every engine: scikit-learn's accuracy on the digits with the default
 * options, SGD close behind, logistic regression with its positive weight, and the same model as
 * the CPU reference's from the same seed (bit for bit on the CPU, within a tolerance elsewhere).
 */
public abstract class TrainingContractTest extends EngineTest {
    static Csv.Table digits;

    @BeforeAll
    static void readDigits() throws IOException {
        digits = Csv.read(Path.of("src/test/resources/data/digits.csv.gz"), -1);
    }

    /** A stratified 75/25 split of the digits, as the command line's default. */
    record Data(float[] x, int[] y, float[] xTest, int[] yTest) {
        static Data split(long seed) {
            Split s = Split.stratified(digits.labels(), 10, 0.25, seed);
            return new Data(Split.rows(digits.x(), 64, s.kept()), Split.rows(digits.labels(), s.kept()),
                    Split.rows(digits.x(), 64, s.heldOut()), Split.rows(digits.labels(), s.heldOut()));
        }

        /** The same with labels 1 for the digits 5 to 9. */
        Data binary() {
            return new Data(x, high(y), xTest, high(yTest));
        }

        private static int[] high(int[] y) {
            int[] out = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                out[i] = y[i] >= 5 ? 1 : 0;
            }
            return out;
        }
    }

    @Test
    void theDefaultsReachScikitLearnsAccuracyOnTheDigits() {
        double sum = 0;
        StringBuilder seen = new StringBuilder();
        for (long seed = 0; seed < 5; seed++) {
            Data d = Data.split(seed);
            TrainingResult r = new SoftmaxRegression(TrainingOptions.defaults().withSeed(seed))
                    .fit(sx, d.x(), d.y(), d.y().length, 64);
            double accuracy = r.model().evaluate(d.xTest(), d.yTest(), d.yTest().length).accuracy();
            seen.append(String.format(" seed %d: %.4f (%s)", seed, accuracy, r.stopReason()));
            assertTrue(accuracy >= 0.95, "each seed at least 0.95:" + seen);
            sum += accuracy;
        }
        assertTrue(sum / 5 >= 0.965, "a mean of at least 0.965 over seeds 0-4:" + seen);
    }

    @Test
    void sgdWithMomentumLearnsTheDigitsToo() {
        Data d = Data.split(1);
        TrainingOptions o = TrainingOptions.defaults().withOptimizer(TrainingOptions.Optimizer.SGD).withEpochs(30)
                .withSeed(1).withLossEvery(7);
        TrainingResult r = new SoftmaxRegression(o).fit(sx, d.x(), d.y(), d.y().length, 64);
        double accuracy = r.model().evaluate(d.xTest(), d.yTest(), d.yTest().length).accuracy();
        assertTrue(accuracy >= 0.95, "SGD's accuracy " + accuracy + " (" + r.stopReason() + ")");
        Epoch first = r.history().get(0);
        Epoch last = r.history().get(r.history().size() - 1);
        assertTrue(last.objective() < first.objective(), "the loss falls: " + first + " then " + last);
        assertTrue(last.learningRate() < first.learningRate(), "the cosine schedule lowers the rate");
    }

    @Test
    void logisticRegressionWeighsItsPositiveClass() {
        Data d = Data.split(2).binary();
        TrainingOptions o = TrainingOptions.defaults().withSeed(2);
        LinearModel plain = new LogisticRegression(o).fit(sx, d.x(), d.y(), d.y().length, 64).model();
        Evaluation e = plain.evaluate(d.xTest(), d.yTest(), d.yTest().length);
        assertTrue(e.accuracy() >= 0.85, "digits 5-9 against 0-4: " + e);
        LinearModel weighted = new LogisticRegression(o.withPositiveWeight(8)).fit(sx, d.x(), d.y(), d.y().length, 64)
                .model();
        int[][] c0 = e.confusion();
        int[][] c1 = weighted.evaluate(d.xTest(), d.yTest(), d.yTest().length).confusion();
        assertTrue(c1[1][1] >= c0[1][1] && c1[0][1] > c0[0][1],
                "a heavier positive class is predicted more often: " + java.util.Arrays.deepToString(c0) + " then "
                        + java.util.Arrays.deepToString(c1));
        float[] p = plain.predictProba(java.util.Arrays.copyOf(d.xTest(), 3 * 64), 3);
        assertEquals(1.0, p[0] + p[1], 1e-6);
    }

    /**
     * Features whose float32 values are few steps apart next to their spread (a timestamp near
     * 1.7e9, steps of 128; values near 1e-45, steps of 1.4e-45) are named in the result, others not;
     * features all equal once rounded to float32 (2^40 + k·1000) are said to be so.
     */
    @Test
    void featuresFloat32RoundsCoarselyAreNamed() {
        Rng rng = Rng.fresh();
        int n = 200;
        int f = 4;
        float[] x = new float[n * f];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[i * f] = (float) (1.7e9 + 10.0 * rng.nextInt(0, 200));      // a timestamp: coarse
            x[i * f + 1] = (float) rng.normal(1, 1)[0] + 3 * y[i];          // fine
            x[i * f + 2] = y[i] == 1 ? Float.MIN_VALUE : 0f;                // below float's normal range: coarse
            x[i * f + 3] = (float) (255 * rng.uniform(1, 0, 1)[0]);         // a pixel: fine
        }
        TrainingResult r = new SoftmaxRegression(TrainingOptions.defaults().withEpochs(5)).fit(sx, x, y, n, f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 2}, r.coarseFeatures(), rng.toString());
        float[] flat = new float[n * 2];
        for (int i = 0; i < n; i++) {
            flat[2 * i] = (float) (Math.pow(2, 40) + 1000.0 * rng.nextInt(0, 60));
            flat[2 * i + 1] = (float) (Math.pow(2, 40) + 1000.0 * rng.nextInt(0, 60));
        }
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(TrainingOptions.defaults())
                .fit(sx, flat, y, n, 2), "values of 2^24 and more are rounded to steps of 2 and more");
    }

    /**
     * A .npy of float64 or int64 features is standardised from the values as stored, before
     * float32 rounds them: timestamps near 1.7e9, ten seconds apart, separable by one threshold,
     * are learnt exactly (as float32 they fall into steps of 128 and merge), through training,
     * through predictions read from the file, and without a coarse-feature note.
     */
    @ParameterizedTest
    @ValueSource(strings = {"float64", "int64"})
    void wideNpyFeaturesAreStandardisedBeforeFloat32RoundsThem(String dtype,
            @org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Rng rng = Rng.fresh();
        int n = 400;
        int f = 2;
        long start = 1_700_000_000L + rng.nextInt(0, 1000);
        long[] stamps = new long[n * f];
        int[] y = new int[n];
        int cut = 100 + rng.nextInt(0, 200);
        for (int i = 0; i < n; i++) {
            stamps[i * f] = start + 10L * i;
            stamps[i * f + 1] = start + 10L * rng.nextInt(0, n); // noise
            y[i] = i >= cut ? 1 : 0;
        }
        Path file = dir.resolve("stamps.npy");
        if (dtype.equals("int64")) {
            org.softxent.io.Npy.write(file, org.softxent.io.NpyArray.ofLongs(stamps, n, f));
        } else {
            double[] d = new double[n * f];
            for (int i = 0; i < d.length; i++) {
                d[i] = stamps[i];
            }
            org.softxent.io.Npy.write(file, org.softxent.io.NpyArray.ofDoubles(d, n, f));
        }
        String where = dtype + ", cut at row " + cut + " " + rng;
        try (org.softxent.io.NpyFile npy = org.softxent.io.NpyFile.open(file)) {
            org.softxent.io.RowSource x = org.softxent.io.RowSource.of(npy);
            assertTrue(x.holdsDoubles(), where);
            TrainingResult r = new LogisticRegression(TrainingOptions.defaults().withL2(1e-8).withEpochs(300)
                    .withValidationFraction(0)).fit(sx, new Rows(x, y), null, null);
            assertEquals(0, r.coarseFeatures().length, where);
            Evaluation e = r.model().evaluate(sx, x, y);
            assertEquals(1.0, e.accuracy(), 0.0, "through the engine, " + where + ": " + e);
        }
    }

    /**
     * A float64 feature whose spread is below float32's step at its magnitude (1e6 + 0.03 ± 1e-4,
     * float32's step 0.0625): the rows are centred on the exact mean, and the model's intercepts
     * absorb the float32 mean's miss (300 standard deviations), so it learns what the same values
     * centred near 0 teach, and predicts it from the file.
     */
    @Test
    void aWideFeatureBelowFloat32sStepLearnsWhatItsCentredValuesTeach(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Rng rng = Rng.fresh();
        int n = 2000;
        double[] offset = new double[n * 2];
        double[] centred = new double[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double z = rng.normal(1, 1)[0];
            double o = rng.normal(1, 1)[0];
            centred[2 * i] = 1e-4 * z;
            offset[2 * i] = 1e6 + 0.03 + 1e-4 * z;
            centred[2 * i + 1] = o;
            offset[2 * i + 1] = o;
            y[i] = z + 0.3 * o + 0.3 * rng.normal(1, 1)[0] > 0 ? 1 : 0;
        }
        double[] accuracy = new double[2];
        double[][] sets = {centred, offset};
        for (int k = 0; k < 2; k++) {
            try (org.softxent.io.NpyFile npy = float64Npy(dir, "x" + k + ".npy", sets[k], n, 2)) {
                org.softxent.io.RowSource x = org.softxent.io.RowSource.of(npy);
                TrainingResult r = new LogisticRegression(TrainingOptions.defaults().withValidationFraction(0))
                        .fit(sx, new Rows(x, y), null, null);
                accuracy[k] = r.model().evaluate(sx, x, y).accuracy();
                assertTrue(r.history().size() > 3, "it trains: " + r.stopReason() + " " + rng);
            }
        }
        assertEquals(accuracy[0], accuracy[1], 0.005, "centred near 0 and at 1e6 + 0.03 " + rng);
        assertTrue(accuracy[0] > 0.8, accuracy[0] + " " + rng);
    }

    /**
     * Rows stored wide: a float64 column of equal values (0.1, whose mean in double need not be 0.1)
     * is constant, weightless and unshifted; validation rows given apart as float32 are centred where
     * the training rows were, so the history's validation loss is the model's.
     */
    @Test
    void wideRowsKnowTheirConstantsAndTheirValidationRowsAgree(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Rng rng = Rng.fresh();
        int n = 300;
        double[] x = new double[n * 3];
        int[] y = new int[n];
        int nv = 200;
        float[] xv = new float[nv * 3];
        int[] yv = new int[nv];
        for (int i = 0; i < n + nv; i++) {
            double z = rng.normal(1, 1)[0];
            double o = rng.normal(1, 1)[0];
            int label = z + 0.3 * o + 0.5 * rng.normal(1, 1)[0] > 0 ? 1 : 0;
            double[] row = {0.1, 1e6 + 0.03 + 1e-2 * z, o};
            for (int q = 0; q < 3; q++) {
                if (i < n) {
                    x[i * 3 + q] = row[q];
                } else {
                    xv[(i - n) * 3 + q] = (float) row[q];
                }
            }
            if (i < n) {
                y[i] = label;
            } else {
                yv[i - n] = label;
            }
        }
        try (org.softxent.io.NpyFile npy = float64Npy(dir, "wide.npy", x, n, 3)) {
            TrainingResult r = new LogisticRegression(TrainingOptions.defaults().withEpochs(30)).fit(sx,
                    new Rows(org.softxent.io.RowSource.of(npy), y), new Rows(xv, yv, nv, 3), null);
            assertArrayEquals(new int[] {0}, r.constantFeatures(), rng.toString());
            LinearModel m = r.model();
            float[] shifted = xv.clone();
            for (int i = 0; i < nv; i++) {
                shifted[i * 3] = 0.7f;
            }
            assertArrayEquals(m.predictProba(xv, nv), m.predictProba(shifted, nv), "column 0 weighs nothing " + rng);
            double want = m.evaluate(xv, yv, nv).logLoss();
            double got = r.history().get(r.bestEpoch() - 1).validationLoss();
            assertEquals(want, got, 1e-3 * want, "the best epoch's validation loss is the model's " + rng);
        }
    }

    /**
     * The validation loss (which early stopping watches and the curves draw) is the loss trained:
     * with the training rows themselves given as validation rows, each L-BFGS iteration's validation
     * loss equals its training loss (the objective without L2), class weights or positive weight and
     * label smoothing included. A plain log loss there kept, under a strong weight, an early iterate
     * far from the weighted minimum (a hostile trial: SGD's "best 5" of 60, 20 % above it).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theValidationLossIsTheLossTrained(boolean logistic) {
        Rng rng = Rng.fresh();
        int n = 500;
        int f = 6;
        int c = logistic ? 2 : 3;
        int[] y = rng.labels(n, c);
        float[] x = rng.separable(y, c, f, 0.7);
        TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0).withEpochs(15).withSeed(rng.seed())
                .withLabelSmoothing(0.2);
        o = logistic ? o.withPositiveWeight(7) : o.withClassWeights(new float[] {0.2f, 6f, 1f});
        Rows train = new Rows(x, y, n, f);
        Rows validation = new Rows(x.clone(), y.clone(), n, f);
        TrainingResult r = logistic ? new LogisticRegression(o).fit(sx, train, validation, null)
                : new SoftmaxRegression(o).fit(sx, train, validation, null);
        assertTrue(r.history().size() >= 3, r.stopReason() + " " + rng);
        for (Epoch e : r.history()) {
            assertEquals(e.trainLoss(), e.validationLoss(), 1e-5 * e.trainLoss(),
                    "epoch " + e.epoch() + ": the validation rows' loss is the training rows' " + rng);
            assertEquals(e.trainAccuracy(), e.validationAccuracy(), 1e-12, "epoch " + e.epoch() + " " + rng);
        }
    }

    /** Class weights of 0 for every class the validation rows hold leave their loss 0/0: refused before training. */
    @Test
    void validationRowsWeighedNothingAreRefused() {
        Rng rng = Rng.fresh();
        int n = 90;
        int f = 3;
        int[] y = everyClass(rng, n, 3);
        float[] x = rng.separable(y, 3, f, 1);
        int[] yv = new int[20]; // every validation row of class 0, weighted 0
        TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0).withClassWeights(new float[] {0, 1, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression(o)
                .fit(sx, new Rows(x, y, n, f), new Rows(rng.normal(20 * f, 1), yv, 20, f), null), rng::toString);
        assertTrue(e.getMessage().contains("classWeights") && e.getMessage().contains("validation"), e.getMessage());
    }

    /**
     * Rows in memory that read one value as NaN from a moment on: once {@link #poison} is called, or
     * from the {@code reads}-th read of that row (a file rewritten while training reads it).
     */
    private static final class TurningRows implements org.softxent.io.RowSource {
        final float[] x;
        final int n;
        final int f;
        final int row;
        final int column;
        final int reads;
        final java.util.concurrent.atomic.AtomicInteger readsOfRow = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean poisoned;

        TurningRows(float[] x, int n, int f, int row, int column, int reads) {
            this.x = x;
            this.n = n;
            this.f = f;
            this.row = row;
            this.column = column;
            this.reads = reads;
        }

        void poison() {
            poisoned = true;
        }

        @Override
        public long rows() {
            return n;
        }

        @Override
        public int features() {
            return f;
        }

        @Override
        public void read(long first, int count, float[] dst, int offset) {
            System.arraycopy(x, (int) first * f, dst, offset, count * f);
            if (row >= first && row < first + count
                    && (readsOfRow.incrementAndGet() >= reads || poisoned)) {
                dst[offset + (int) (row - first) * f + column] = Float.NaN;
            }
        }
    }

    /**
     * Rows checked finite before training that turn NaN while it reads them: named (row, column,
     * that they changed), never a fit "converged: the gradient is zero" on a zero model (L-BFGS),
     * nor a learning rate to lower (SGD).
     */
    @ParameterizedTest
    @ValueSource(strings = {"LBFGS streamed", "SGD streamed", "LBFGS copied", "SGD copied", "LBFGS streamed later",
                            "SGD streamed later"})
    void rowsThatTurnNonFiniteWhileTrainingAreNamed(String how) {
        Rng rng = Rng.fresh();
        int n = 300;
        int f = 4;
        int[] y = rng.labels(n, 3);
        float[] x = rng.separable(y, 3, f, 1);
        int row = 1 + rng.labels(1, n - 1)[0];
        int column = rng.labels(1, f)[0];
        boolean streamed = how.contains("streamed");
        boolean later = how.endsWith("later");
        // Streamed: NaN once training has started, or after its second iteration or epoch (L-BFGS's
        // line search then sees its trial points refused). Copied: NaN from the row's second read on
        // (the first is the check, the second the scaled copy the optimizer reads).
        TurningRows rows = new TurningRows(x, n, f, row, column, streamed ? Integer.MAX_VALUE : 2);
        TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0).withStream(streamed)
                .withOptimizer(how.startsWith("SGD") ? TrainingOptions.Optimizer.SGD : TrainingOptions.Optimizer.LBFGS)
                .withEpochs(5);
        TrainingListener poisonAtStart = new TrainingListener() {
            @Override
            public void started(String description) {
                if (streamed && !later) {
                    rows.poison();
                }
            }

            @Override
            public void epoch(Epoch e, int epochs) {
                if (later && e.epoch() == 2) {
                    rows.poison();
                }
            }
        };
        NonFiniteFeatureException e = assertThrows(NonFiniteFeatureException.class, () -> new SoftmaxRegression(o)
                .fit(sx, new Rows(rows, y), null, poisonAtStart), () -> how + ", " + rng);
        assertEquals(row, e.row(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
        assertTrue(e.getMessage().contains("changed while training read them") && e.changedDuringTraining(),
                e.getMessage());
    }

    /**
     * A validation value so far outside the training rows' values of a feature of tiny spread that
     * standardised it passes float's range: refused before the work, naming the row and the feature
     * (it trained with a NaN validation loss, then was taken for rows changed during training).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aValidationValueStandardisedPastFloatsRangeIsRefused(boolean streamed) {
        Rng rng = Rng.fresh();
        int n = 90;
        int f = 3;
        int[] y = everyClass(rng, n, 3);
        float[] x = rng.separable(y, 3, f, 1);
        for (int i = 0; i < n; i++) {
            x[i * f] = i % 2 == 0 ? 0f : 1e-37f; // feature 0: a spread of about 5e-38
        }
        int nv = 20;
        float[] xv = rng.normal(nv * f, 1);
        int bad = rng.labels(1, nv)[0];
        xv[bad * f] = 100f;
        int[] yv = rng.labels(nv, 3);
        TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0).withStream(streamed);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression(o)
                .fit(sx, new Rows(x, y, n, f), new Rows(xv, yv, nv, f), null), rng::toString);
        assertTrue(e.getMessage().startsWith("validation x[" + bad + ", 0] = 100.0, a validation row")
                && e.getMessage().contains("outside the training rows' values of feature 0"), e.getMessage());
    }

    /** n random labels of {@code classes} classes, the first rows one of each (so every class is there). */
    private static int[] everyClass(Rng rng, int n, int classes) {
        int[] y = rng.labels(n, classes);
        for (int c = 0; c < classes; c++) {
            y[c] = c;
        }
        return y;
    }

    /** x [n, f] written into dir as a float64 .npy, and opened. */
    private static org.softxent.io.NpyFile float64Npy(Path dir, String name, double[] x, int n, int f)
            throws IOException {
        Path file = dir.resolve(name);
        org.softxent.io.Npy.write(file, org.softxent.io.NpyArray.ofDoubles(x, n, f));
        return org.softxent.io.NpyFile.open(file);
    }

    /**
     * Features left unscaled at magnitudes of 1e15 to 1e37: L-BFGS must take steps of 1e-30 and
     * less (features of 1e20 with a gradient of 1e40 had left it at the zero model, reported as
     * converged), and then learns what it learns from the same rows at magnitude 1.
     */
    @Test
    void hugeUnscaledFeaturesStillTrain() {
        Rng rng = Rng.fresh();
        int n = 400;
        int f = 5;
        for (int c : new int[] {3, 2}) {
            int[] y = rng.labels(n, c);
            float[] x = rng.separable(y, c, f, 1.5);
            // No L2 term: its strength would mean another thing at each magnitude of the features, and
            // the unpenalised optimum scales with them, so each magnitude has the same model to find.
            TrainingOptions o = TrainingOptions.defaults().withStandardize(false).withValidationFraction(0)
                    .withL2(0);
            double plain = fit(o, c, x, y, n, f).model().evaluate(x, y, n).accuracy();
            for (double magnitude : new double[] {1e15, 1e22, 1e30, 1e37}) {
                float[] big = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    big[i] = (float) (x[i] * magnitude);
                }
                TrainingResult r = fit(o, c, big, y, n, f);
                double accuracy = r.model().evaluate(big, y, n).accuracy();
                String what = c + " classes, features × " + magnitude + ": " + r.stopReason() + ", accuracy "
                        + accuracy + " against " + plain + " at × 1, " + rng;
                assertTrue(!r.history().isEmpty(), what);
                assertTrue(accuracy >= plain - 0.03, what);
                // Each epoch's training loss is the pass at its own iterate: objective = loss + l2·ΣW².
                for (Epoch e : r.history()) {
                    assertTrue(e.objective() >= e.trainLoss() - 1e-12 * Math.abs(e.objective()), e + " " + what);
                }
                Epoch last = r.history().get(r.history().size() - 1);
                double squares = 0;
                for (float v : r.model().w()) {
                    squares += (double) v * v;
                }
                assertEquals(last.objective(), last.trainLoss() + o.l2() * squares, 1e-9 * Math.abs(last.objective()),
                        "the last epoch's loss and objective at one point: " + last + " " + what);
            }
        }
    }

    /**
     * Features left unstandardised, of spreads 1e-2 to 1e3 around 50: without an L2 term the
     * objective does not change under an affine map of the features, so the fit on the rows as
     * given must reach the standardised fit's minimum (it stopped "converged" 31 % above it).
     */
    @Test
    void unstandardisedFeaturesFarApartReachTheOptimum() {
        Rng rng = Rng.fresh();
        int n = 1500;
        int f = 5;
        double[] spread = {1e-2, 1, 10, 100, 1e3};
        for (int c : new int[] {3, 2}) {
            int[] y = rng.labels(n, c);
            float[] x = rng.separable(y, c, f, 1.0);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (x[i] * spread[i % f] + 50);
            }
            TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0).withL2(0).withEpochs(300);
            double standardised = last(fit(o, c, x, y, n, f)).objective();
            TrainingResult r = fit(o.withStandardize(false), c, x, y, n, f);
            String what = c + " classes: " + r.stopReason() + ", objective " + last(r).objective() + " against "
                    + standardised + " standardised, " + rng;
            assertTrue(last(r).objective() <= standardised * (1 + 1e-4) + 1e-7, what);
            assertTrue(r.stopReason().startsWith("converged"), what);
        }
    }

    /**
     * An L2 term so strong that the weights stay near 0 still leaves the intercepts, which it does
     * not penalise, to be fitted: the optimum is b = the classes' log shares (centred for softmax,
     * log(n₁/n₀) for the logistic model). With l2 of 1e5 and more the curvatures of W and b were
     * 1e5 and more apart, and L-BFGS "converged" after two iterations of tiny steps at b ≈ 0 (or
     * took no step at all from 1e16 on).
     */
    @Test
    void aVeryStrongL2StillFitsTheIntercepts() {
        Rng rng = Rng.fresh();
        int n = 600;
        int f = 5;
        for (int c : new int[] {3, 2}) {
            int[] y = new int[n];
            int[] counts = new int[c];
            for (int r = 0; r < n; r++) {
                y[r] = r < n / 10 ? 0 : r < n / 2 || c == 2 ? 1 : 2; // 60, 240 and 300 rows (60 and 540)
                counts[y[r]]++;
            }
            float[] x = rng.normal(n * f, 3);
            for (int r = 0; r < n; r++) {
                x[r * f] += 2 * y[r]; // a feature the classes move: W would be far from 0 without L2
            }
            double meanLog = 0;
            for (int k = 0; k < c; k++) {
                meanLog += Math.log(counts[k]) / c;
            }
            for (double l2 : new double[] {1e5, 1e16, 1e37}) {
                TrainingResult r = fit(TrainingOptions.defaults().withValidationFraction(0).withL2(l2), c, x, y, n, f);
                float[] b = r.model().b();
                String what = c + " classes, l2 " + l2 + ": " + r.stopReason() + ", b " + java.util.Arrays.toString(b) + ", "
                        + rng;
                for (int k = 0; k < b.length; k++) {
                    double want = c == 2 ? Math.log((double) counts[1] / counts[0])
                            : Math.log(counts[k]) - meanLog;
                    assertEquals(want, b[k], 2e-3, what);
                }
                assertTrue(r.stopReason().startsWith("converged"), what);
            }
        }
    }

    /**
     * An objective far below 1 (rows that the classes tell apart, the L2 term most of it) is not
     * judged by an absolute tolerance: with the default tolerance the fit lands where a much
     * tighter one does (it had stopped after 2 iterations at twice the minimum).
     */
    @Test
    void aSmallObjectiveIsNotStoppedByAnAbsoluteTolerance() {
        Rng rng = Rng.fresh();
        int n = 200;
        int f = 3000;
        int c = 3;
        int[] y = rng.labels(n, c);
        float[] centres = rng.normal(c * f, 0.4);
        float[] x = rng.normal(n * f, 2);
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < f; q++) {
                x[r * f + q] += centres[y[r] * f + q];
            }
        }
        TrainingOptions o = TrainingOptions.defaults().withValidationFraction(0);
        TrainingResult byDefault = fit(o, c, x, y, n, f);
        TrainingResult tight = fit(o.withTolerance(1e-10).withEpochs(400), c, x, y, n, f);
        String what = "default: " + byDefault.stopReason() + " at " + last(byDefault).objective() + "; tolerance "
                + "1e-10: " + tight.stopReason() + " at " + last(tight).objective() + ", " + rng;
        assertTrue(last(byDefault).objective() <= last(tight).objective() * (1 + 1e-4), what);
    }

    /** A validation split that would draw a class's every row is refused; a smaller one keeps the row. */
    @Test
    void aValidationSplitThatTakesAClassWholeIsRefused() {
        Rng rng = Rng.fresh();
        int n = 400;
        int f = 3;
        int[] y = rng.labels(n, 2);
        y[rng.nextInt(0, n)] = 7; // a class of one row
        float[] x = rng.normal(n * f, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression(
                TrainingOptions.defaults().withValidationFraction(0.5)).fit(sx, x, y, n, f), rng::toString);
        assertTrue(e.getMessage().contains("class 7 (1 of the 400 rows)")
                && e.getMessage().contains("--validation-fraction"), e.getMessage() + " " + rng);
        TrainingResult kept = new SoftmaxRegression(TrainingOptions.defaults().withValidationFraction(0.2)
                .withEpochs(3)).fit(sx, x, y, n, f);
        assertEquals(3, kept.model().labels().length, rng.toString());
    }

    private static Epoch last(TrainingResult r) {
        return r.history().get(r.history().size() - 1);
    }

    private TrainingResult fit(TrainingOptions o, int classes, float[] x, int[] y, int n, int f) {
        return classes == 2 ? new LogisticRegression(o).fit(sx, x, y, n, f) : new SoftmaxRegression(o).fit(sx, x, y, n, f);
    }

    /** How close this engine's model must be to the CPU reference's from the same seed. */
    protected abstract double modelTolerance();

    @Test
    void theSameSeedGivesTheReferencesModel() {
        Rng rng = Rng.fresh();
        int n = 300;
        int f = 12;
        int c = 4;
        float[] x = rng.normal(n * f, 1);
        int[] y = rng.labels(n, c);
        for (TrainingOptions.Optimizer opt : TrainingOptions.Optimizer.values()) {
            TrainingOptions o = TrainingOptions.defaults().withOptimizer(opt).withEpochs(15).withSeed(rng.seed());
            if (opt == TrainingOptions.Optimizer.SGD) {
                o = o.withBatchSize(32);
            }
            LinearModel here = new SoftmaxRegression(o).fit(sx, x, y, n, f).model();
            LinearModel again = new SoftmaxRegression(o).fit(sx, x, y, n, f).model();
            try (Softxent cpu = Softxent.openReference()) {
                LinearModel reference = new SoftmaxRegression(o).fit(cpu, x, y, n, f).model();
                double worst = worstDifference(here.predictProba(x, n), reference.predictProba(x, n));
                assertTrue(worst <= modelTolerance(), opt + ": probabilities differ from the CPU's by " + worst
                        + " " + rng);
            }
            if (sx.device() == Device.CPU) {
                assertArrayEquals(here.w(), again.w(), opt + ": bit for bit " + rng);
                assertArrayEquals(here.b(), again.b(), opt + ": bit for bit " + rng);
            }
        }
    }

    @Test
    void inPlaceStandardisesTheCallersArrayAndTrainsTheSameModel() {
        Rng rng = Rng.fresh();
        int n = 240;
        int f = 9;
        int c = 3;
        float[] x = rng.normal(n * f, 2);
        for (int i = 0; i < x.length; i += f) {
            x[i] += 5; // a mean that standardisation moves
        }
        int[] y = rng.labels(n, c);
        y[0] = 0;
        y[1] = 1;
        y[2] = 2;
        float[] original = x.clone();
        TrainingOptions o = TrainingOptions.defaults().withEpochs(8).withValidationFraction(0).withSeed(rng.seed());
        TrainingResult copied = new SoftmaxRegression(o).fit(sx, x, y, n, f);
        assertArrayEquals(original, x, "without inPlace the rows are not modified " + rng);
        float[] expected = Scaling.of(x, n, f, identity(n), true).apply(x, f);

        // The same model, bit for bit, and the array holds the standardised rows.
        TrainingResult inPlace = new SoftmaxRegression(o.withInPlace(true)).fit(sx, x, y, n, f);
        assertSameModel(copied.model(), inPlace.model(), original, n, "in place " + rng);
        assertArrayEquals(expected, x, "the array holds the rows standardised " + rng);
        assertTrue(Math.abs(x[0] - original[0]) > 1, "standardisation moved x[0] " + rng);

        // Validation rows given apart are standardised in place too; a validation split is not:
        // its kept rows are gathered into a copy, and the array stays as it was.
        float[] train = original.clone();
        float[] validation = rng.normal(30 * f, 2);
        int[] yv = rng.labels(30, c);
        float[] validationBefore = validation.clone();
        Rows validationRows = new Rows(validation, yv, 30, f);
        TrainingOptions apart = TrainingOptions.defaults().withEpochs(4).withValidationFraction(0)
                .withSeed(rng.seed());
        LinearModel copiedApart = new SoftmaxRegression(apart).fit(sx, new Rows(original.clone(), y, n, f),
                new Rows(validationBefore.clone(), yv, 30, f), null).model();
        LinearModel inPlaceApart = new SoftmaxRegression(apart.withInPlace(true)).fit(sx, new Rows(train, y, n, f),
                validationRows, null).model();
        assertSameModel(copiedApart, inPlaceApart, original, n, "with validation rows apart " + rng);
        Scaling learnt = Scaling.of(original, n, f, identity(n), true);
        assertArrayEquals(learnt.apply(validationBefore, f), validation,
                "the validation rows standardised by the training rows' statistics " + rng);
        // Where it cannot apply it is refused, before the array is touched: a validation split drawn
        // from the rows (the kept rows are gathered into a copy), rows that are no array.
        float[] split = original.clone();
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(o.withValidationFraction(0.2)
                .withInPlace(true)).fit(sx, split, y, n, f), "a validation split draws rows");
        assertArrayEquals(original, split, "refused: the array is not modified " + rng);
        org.softxent.io.RowSource noArray = org.softxent.io.RowSource.select(
                org.softxent.io.RowSource.of(original.clone(), n, f),
                identity(n));
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(o.withInPlace(true)).fit(sx,
                new Rows(noArray, y), null, null), "these rows are no array");

        // Validation rows given apart in the training rows' own array: scaled into a copy first,
        // so that the array is standardised once, and the model is the copy's.
        float[] shared = original.clone();
        LinearModel sharedModel = new SoftmaxRegression(apart.withInPlace(true)).fit(sx, new Rows(shared, y, n, f),
                new Rows(shared, y, n, f), null).model();
        LinearModel sharedCopied = new SoftmaxRegression(apart).fit(sx, new Rows(original.clone(), y, n, f),
                new Rows(original.clone(), y, n, f), null).model();
        assertSameModel(sharedCopied, sharedModel, original, n, "with the training array as validation rows " + rng);
        assertArrayEquals(expected, shared, "standardised once " + rng);

        // Without standardisation nothing is modified, in place or not, and the model is the same.
        TrainingOptions raw = o.withStandardize(false);
        float[] same = original.clone();
        LinearModel rawCopied = new SoftmaxRegression(raw).fit(sx, original.clone(), y, n, f).model();
        LinearModel rawInPlace = new SoftmaxRegression(raw.withInPlace(true)).fit(sx, same, y, n, f).model();
        assertArrayEquals(original, same, "nothing to standardise: the array is not modified " + rng);
        assertSameModel(rawCopied, rawInPlace, original, n, "without standardisation " + rng);
    }

    /** The same model: bit for bit on the CPU, where a seed gives the same bits; else as close as two fits. */
    private void assertSameModel(LinearModel want, LinearModel got, float[] x, int n, String where) {
        if (sx.device() == Device.CPU) {
            assertArrayEquals(want.w(), got.w(), "the same W " + where);
            assertArrayEquals(want.b(), got.b(), "the same b " + where);
            return;
        }
        double worst = worstDifference(want.predictProba(x, n), got.predictProba(x, n));
        assertTrue(worst <= modelTolerance(), "probabilities differ by " + worst + " " + where);
    }

    /** The largest |p − q| of two arrays of probabilities. */
    static double worstDifference(float[] p, float[] q) {
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            worst = Math.max(worst, Math.abs(p[i] - q[i]));
        }
        return worst;
    }

    private static int[] identity(int n) {
        int[] all = new int[n];
        java.util.Arrays.setAll(all, i -> i);
        return all;
    }

    @Test
    void badDataIsRefusedClearly() {
        Rng rng = Rng.fresh();
        int n = 20;
        int f = 3;
        float[] x = rng.normal(n * f, 1);
        int[] y = rng.labels(n, 3);
        y[0] = 0;
        y[1] = 1;
        y[2] = 2; // three classes whatever the draw (18 draws miss one class 1 time in 1,500)
        SoftmaxRegression softmax = new SoftmaxRegression(TrainingOptions.defaults().withEpochs(3));
        int[] many = new int[n];
        java.util.Arrays.setAll(many, i -> 10 * i);
        assertMessage(IllegalArgumentException.class, () -> softmax.fit(sx, x, many, n, f), "20 distinct labels");
        assertMessage(IllegalArgumentException.class, () -> softmax.fit(sx, x, new int[n], n, f),
                "at least two classes");
        float[] nan = x.clone();
        nan[7] = Float.NaN;
        assertMessage(IllegalArgumentException.class, () -> softmax.fit(sx, nan, y, n, f), "x[2, 1] = NaN");
        float[] constant = new float[n * f];
        java.util.Arrays.fill(constant, 3f);
        assertMessage(IllegalArgumentException.class, () -> softmax.fit(sx, constant, y, n, f),
                "every feature is constant");
        int[] three = y.clone();
        three[4] = 2;
        assertMessage(IllegalArgumentException.class,
                () -> new LogisticRegression(TrainingOptions.defaults()).fit(sx, x, three, n, f), "takes two classes");
        assertMessage(org.softxent.ShapeMismatchException.class, () -> new SoftmaxRegression(
                TrainingOptions.defaults().withClassWeights(new float[] {1, 2})).fit(sx, x, y, n, f), "classes = 3");
        assertMessage(org.softxent.ShapeMismatchException.class, () -> softmax.fit(sx, x, y, n, f + 1), "x must hold");
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(TrainingOptions.defaults()
                .withOptimizer(TrainingOptions.Optimizer.SGD).withLearningRate(1e38).withEpochs(3))
                .fit(sx, x, y, n, f), "the fit would diverge");
        // An L2 term that alone makes SGD's steps diverge (it had trained a model of weights 1e10
        // in a few steps, with no error, where more steps overflowed and said "raise l2"): refused
        // before any step, with momentum and without, at a constant rate and a cosine schedule.
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(TrainingOptions.defaults()
                .withOptimizer(TrainingOptions.Optimizer.SGD).withL2(1e5).withEpochs(3))
                .fit(sx, x, y, n, f), "give a learning rate below 1.90e-05");
        int[] two = new int[n];
        for (int r = 0; r < n; r++) {
            two[r] = r % 2;
        }
        assertMessage(IllegalArgumentException.class, () -> new LogisticRegression(TrainingOptions.defaults()
                .withOptimizer(TrainingOptions.Optimizer.SGD).withMomentum(0).withL2(10).withLearningRate(0.5)
                .withSchedule(TrainingOptions.Schedule.CONSTANT)).fit(sx, x, two, n, f), "the fit would diverge");
        // A cosine schedule well above the bound (lr 0.1 against 0.082 at l2 23.18) over 100 steps:
        // the weights end 8.7e5 times larger (a rule that forgave up to 1e6 had let it pass).
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(TrainingOptions.defaults()
                .withOptimizer(TrainingOptions.Optimizer.SGD).withL2(23.18).withEpochs(100))
                .fit(sx, x, y, n, f), "the fit would diverge");
        // A cosine schedule that starts a little above the constant-rate bound comes back under it
        // and shrinks the weights again: not refused (momentum 0.9, l2 1: the bound is a rate of 1.9).
        TrainingResult near = new SoftmaxRegression(TrainingOptions.defaults().withOptimizer(
                TrainingOptions.Optimizer.SGD).withL2(1).withLearningRate(1.95).withEpochs(20)).fit(sx, x, y, n, f);
        assertTrue(near.history().size() > 0);
        // A stable constant rate (learningRate·2·l2 = 3.6 < 2·(1 + 0.9)) whose heavy ball overshoots
        // before it settles, over a few steps: not refused (a first rule had called that divergence).
        TrainingResult settling = new SoftmaxRegression(TrainingOptions.defaults().withOptimizer(
                TrainingOptions.Optimizer.SGD).withSchedule(TrainingOptions.Schedule.CONSTANT).withL2(18)
                .withLearningRate(0.1).withEpochs(5)).fit(sx, x, y, n, f);
        assertTrue(settling.history().size() > 0);
        // and the engine still works
        assertTrue(softmax.fit(sx, x, y, n, f).history().size() > 0);
    }

    /** Options that cannot apply are refused with the reason, on every engine, before any work. */
    @Test
    void optionsThatCannotApplyAreRefused() {
        Rng rng = Rng.fresh();
        int n = 60;
        int f = 3;
        float[] x = rng.normal(n * f, 1);
        int[] y = everyClass(rng, n, 3);
        TrainingOptions lbfgs = TrainingOptions.defaults();
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withLearningRate(0.5))
                .fit(sx, x, y, n, f), "learningRate applies to SGD");
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withBatchSize(8))
                .fit(sx, x, y, n, f), "batchSize applies to SGD");
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withPositiveWeight(2))
                .fit(sx, x, y, n, f), "positiveWeight applies to logistic regression");
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withValidationFraction(0)
                .withPatience(3)).fit(sx, x, y, n, f), "patience applies to early stopping");
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withValidationFraction(0)
                .withOptimizer(TrainingOptions.Optimizer.SGD).withTolerance(0.5)).fit(sx, x, y, n, f),
                "tolerance with SGD is the least improvement early stopping counts");
        // with validation rows, SGD's tolerance applies
        assertTrue(new SoftmaxRegression(lbfgs.withOptimizer(TrainingOptions.Optimizer.SGD).withTolerance(0.5)
                .withEpochs(2)).fit(sx, x, y, n, f).history().size() > 0);
        assertMessage(IllegalArgumentException.class, () -> lbfgs.withClassWeights(new float[] {0, 0, 0}), "all 0");
        Rows validation = new Rows(x, y, n, f);
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs.withValidationFraction(0.2))
                .fit(sx, new Rows(x, y, n, f), validation, null), "validation rows were given apart");
        int[] unseen = y.clone();
        unseen[9] = 5;
        assertMessage(IllegalArgumentException.class, () -> new SoftmaxRegression(lbfgs)
                .fit(sx, new Rows(x, y, n, f), new Rows(x, unseen, n, f), null), "validation labels[9] = 5");
        // With rows to validate on, early stopping watches them; the model answers in the class values.
        int[] values = y.clone();
        for (int i = 0; i < n; i++) {
            values[i] = 10 * y[i] - 7;
        }
        TrainingResult r = new SoftmaxRegression(lbfgs.withEpochs(5)).fit(sx, new Rows(x, values, n, f),
                new Rows(x, values, n, f), null);
        assertEquals(n, r.validationRows());
        assertArrayEquals(new int[] {-7, 3, 13}, r.model().labels());
    }

    /**
     * predict, predictProba and evaluate through this engine give the double reference's answers:
     * with means near zero (the scaling folded into W and b), and with features far from zero next
     * to their spread (a year, a timestamp: 1e4 to 3e7 ± a few units), where folding the mean into b
     * would leave the float products' rounding of x·W' as the logits.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theModelThroughTheEngineAgreesWithTheDoubleReference(boolean farFromZero) {
        Rng rng = Rng.fresh();
        for (LinearModel.Kind kind : LinearModel.Kind.values()) {
            int f = 23;
            int[] labels = kind == LinearModel.Kind.SOFTMAX ? new int[] {-3, 0, 4, 9, 100} : new int[] {2, 5};
            int k = kind == LinearModel.Kind.SOFTMAX ? labels.length : 1;
            float[] mean = rng.normal(f, 5);
            if (farFromZero) {
                for (int q = 0; q < f; q += 3) {
                    mean[q] = (float) ((q % 2 == 0 ? 1 : -1) * Math.pow(10, 4 + 3.5 * rng.uniform(1, 0, 1)[0]));
                }
            }
            float[] scale = rng.uniform(f, 0.2, 3);
            LinearModel m = new LinearModel(kind, f, labels, rng.normal(f * k, 0.5), rng.normal(k, 0.5), mean, scale);
            int n = 700;
            float[] x = rng.normal(n * f, 4);
            for (int i = 0; i < x.length; i++) {
                x[i] += mean[i % f];
            }
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = labels[rng.nextInt(0, labels.length)];
            }
            LinearModel.Predictions want = m.predictBoth(x, n);
            LinearModel.Predictions got = m.predictBoth(sx, x, n);
            String where = kind + (farFromZero ? ", features far from zero " : " ") + rng;
            // Rows read from a source in batches, as from a file, give the same.
            int[] every = java.util.stream.IntStream.range(0, n).toArray();
            LinearModel.Predictions read = m.predictBoth(sx, org.softxent.io.RowSource.select(
                    org.softxent.io.RowSource.of(x, n, f), every));
            org.junit.jupiter.api.Assertions.assertArrayEquals(got.probabilities(), read.probabilities(), where);
            assertClose(want.probabilities(), got.probabilities(), 1e-4, "probabilities " + where);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                differ += want.classes()[i] == got.classes()[i] ? 0 : 1;
            }
            assertTrue(differ <= 2, differ + " predictions differ (near-ties only) " + where);
            org.junit.jupiter.api.Assertions.assertArrayEquals(got.classes(), m.predict(sx, x, n), where);
            Evaluation e0 = m.evaluate(x, y, n);
            Evaluation e1 = m.evaluate(sx, x, y, n);
            assertEquals(e0.logLoss(), e1.logLoss(), 1e-4 * e0.logLoss(), "log loss " + where);
            assertEquals(e0.accuracy(), e1.accuracy(), 2.0 / n, "accuracy " + where);
            org.junit.jupiter.api.Assertions.assertArrayEquals(labels, e1.labels());
        }
    }

    static void assertMessage(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call,
                              String fragment) {
        Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' should say '" + fragment + "'");
    }
}
