package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.assertClose;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.backend.BackendAccess;
import org.softxent.io.RowSource;
import org.softxent.testing.Rng;

/**
 * Training from rows read chunk by chunk from their source ({@link SourceSteps}): the objective,
 * its gradients and the validation pass are those of the rows held whole (HostSteps on the scaled
 * copies); SGD's order keeps each chunk's rows together; and a fit streamed from a source that is
 * no array reaches the accuracy of the fit held in memory.
 */
class SourceStepsTest {
    @Test
    void theObjectiveAndValidationAreThoseOfTheRowsHeldWhole() {
        // The fast engine reads the rows itself, block by block; the reference takes them chunk by chunk.
        try (Softxent sx = Softxent.open(Device.CPU); Softxent reference = Softxent.openReference()) {
            assertTrue(BackendAccess.of(sx).readsSources(), "the fast engine reads the rows itself");
            assertTrue(!BackendAccess.of(reference).readsSources(), "the reference takes arrays");
            for (int config = 0; config < 3; config++) {
                againstTheRowsHeldWhole(sx, sx, config, Rng.fresh());
                againstTheRowsHeldWhole(reference, reference, config, Rng.fresh());
            }
        }
    }

    /**
     * SourceSteps on {@code read} against HostSteps on {@code held} over the scaled copies: config
     * 0 softmax with class weights, 1 softmax, 2 logistic with pos_weight; label smoothing and L2
     * in each; chunks of 100 rows, the last one short.
     */
    static void againstTheRowsHeldWhole(Softxent read, Softxent held, int config, Rng rng) {
        LinearModel.Kind kind = config == 2 ? LinearModel.Kind.LOGISTIC : LinearModel.Kind.SOFTMAX;
        int rows = 1337;
        int d = 23;
        int c = kind == LinearModel.Kind.LOGISTIC ? 2 : 6;
        float[] x = rng.normal(rows * d, 3);
        for (int i = 0; i < x.length; i += d) {
            x[i] += 100; // an offset the scaling takes away
        }
        int[] y = rng.labels(rows, c);
        TrainingOptions o = TrainingOptions.defaults().withL2(0.01).withLabelSmoothing(0.1);
        if (config == 0) {
            o = o.withClassWeights(rng.uniform(c, 0.5, 2));
        } else if (config == 2) {
            o = o.withPositiveWeight(2.5);
        }
        Split split = Split.stratified(y, c, 0.2, rng.seed());
        RowSource source = sliced(x, rows, d);
        Scaling scaling = Scaling.of(source, split.kept(), true);
        int[] yt = Split.rows(y, split.kept());
        int[] yv = Split.rows(y, split.heldOut());
        Problem whole = Problem.of(kind, scaling.apply(source, split.kept()), yt, yt.length, d, c, o,
                scaling.apply(source, split.heldOut()), yv);
        Problem labels = Problem.of(kind, null, yt, yt.length, d, c, o, null, yv);
        int k = whole.outputs();
        String where = kind + (config == 0 ? " with class weights " : " ") + read.description() + " " + rng;
        try (HostSteps h = new HostSteps(held, whole, 50, 0.9);
             SourceSteps s = new SourceSteps(read, labels, source, scaling, split.kept(), source, split.heldOut(),
                     100L * d, 50, 0.9)) {
            assertTrue(s.description().contains("read from their source 100 at a time"), s.description());
            assertEquals(BackendAccess.of(read).readsSources(), s.description().contains("block by block by the engine"),
                    s.description());
            float[] w = rng.normal(d * k, 0.3);
            float[] b = rng.normal(k, 0.3);
            float[][] gw = new float[2][d * k];
            float[][] gb = new float[2][k];
            Steps.Pass ph = h.objective(w, b, gw[0], gb[0]);
            Steps.Pass pr = s.objective(w, b, gw[1], gb[1]);
            assertClose(ph.loss(), pr.loss(), CLASSIFIER, "objective " + where);
            assertClose(gw[0], gw[1], CLASSIFIER, "dW " + where);
            assertClose(gb[0], gb[1], CLASSIFIER, "db " + where);
            assertTrue(ph.correct() > 0 && Math.abs(ph.correct() - pr.correct()) <= 2,
                    "rows right " + ph.correct() + ", " + pr.correct() + " (near-ties only) " + where);
            Steps.Pass vh = h.validate(w, b);
            Steps.Pass vr = s.validate(w, b);
            assertClose(vh.loss(), vr.loss(), CLASSIFIER, "validation loss " + where);
            assertTrue(Math.abs(vh.correct() - vr.correct()) <= 2, "validation rows right " + vh.correct()
                    + ", " + vr.correct() + " " + where);
        }
    }

    @Test
    void sgdVisitsEachChunkWholeInAShuffledOrder() {
        Rng rng = Rng.fresh();
        int rows = 1000;
        int d = 5;
        float[] x = rng.normal(rows * d, 1);
        int[] y = new int[rows]; // the largest of the first three features: learnable
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int k = 1; k < 3; k++) {
                best = x[r * d + k] > x[r * d + best] ? k : best;
            }
            y[r] = best;
        }
        TrainingOptions o = TrainingOptions.defaults();
        Problem labels = Problem.of(LinearModel.Kind.SOFTMAX, null, y, rows, d, 3, o, null, null);
        int[] all = new int[rows];
        Arrays.setAll(all, i -> i);
        RowSource source = sliced(x, rows, d);
        Scaling scaling = Scaling.of(source, all, true);
        try (Softxent sx = Softxent.open(Device.CPU);
             SourceSteps read = new SourceSteps(sx, labels, source, scaling, all, source, new int[0], 128L * d, 48,
                     0.9)) {
            // 128 rows' room, minibatches of 48: chunks of 96 rows (two whole minibatches), so that an
            // epoch takes ceil(1000 / 48) = 21 steps, as the trainer counts them for the schedule.
            int chunk = 96;
            int[] order = new int[rows];
            Arrays.setAll(order, i -> i);
            read.shuffle(order, new SplittableRandom(rng.seed()));
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            int[] identity = new int[rows];
            Arrays.setAll(identity, i -> i);
            assertArrayEquals(identity, sorted, "a permutation, " + rng);
            boolean moved = false;
            for (int at = 0; at < rows; ) {
                int k = order[at] / chunk;
                int m = Math.min(chunk, rows - k * chunk);
                for (int i = at; i < at + m; i++) {
                    assertEquals(k, order[i] / chunk, "chunk " + k + "'s rows together, " + rng);
                    moved |= order[i] != i;
                }
                at += m;
            }
            assertTrue(moved, "shuffled, " + rng);
            float[] w = new float[d * 3];
            float[] b = new float[3];
            read.start(w, b);
            long[] steps = {0};
            Steps.Pass first = read.epoch(order, 0, s -> {
                steps[0]++;
                return 0.1;
            });
            assertEquals(21, steps[0], "steps in an epoch, " + rng);
            Steps.Pass second = read.epoch(order, 21, s -> 0.1);
            assertTrue(first.correct() > 0 && second.correct() > 0, rng.toString());
            assertTrue(Double.isFinite(first.loss()) && second.loss() < 0.7 * Math.log(3), "SGD learns: "
                    + first.loss() + ", " + second.loss() + " " + rng);
        }
    }

    @Test
    void aFitStreamedFromASourceReachesTheAccuracyOfTheFitInMemory() {
        try (Softxent sx = Softxent.open(Device.CPU)) {
            streamedFitsAgainstTheFitInMemory(sx, "read from their source");
        }
    }

    /**
     * The digits fitted from a source that is no array with streaming asked for, by L-BFGS and by
     * SGD, on {@code sx}: the steps' description says {@code path}, and the test accuracy is that
     * of the fit in memory (L-BFGS in about as many iterations: the same objective up to float
     * rounding in the sums).
     */
    static void streamedFitsAgainstTheFitInMemory(Softxent sx, String path) {
        TrainingContractTest.Data data = StreamedTrainingTest.digits(3);
        int n = data.y().length;
        Rows source = new Rows(sliced(data.x(), n, 64), data.y());
        for (TrainingOptions.Optimizer optimizer : TrainingOptions.Optimizer.values()) {
            TrainingOptions o = TrainingOptions.defaults().withSeed(5).withOptimizer(optimizer);
            TrainingResult streamed = new SoftmaxRegression(o.withStream(true)).fit(sx, source, null, null);
            TrainingResult held = new SoftmaxRegression(o).fit(sx, data.x(), data.y(), n, 64);
            assertTrue(streamed.device().contains(path), streamed.device());
            double a = streamed.model().evaluate(data.xTest(), data.yTest(), data.yTest().length).accuracy();
            double h = held.model().evaluate(data.xTest(), data.yTest(), data.yTest().length).accuracy();
            assertTrue(a >= 0.93 && Math.abs(a - h) <= 0.02, optimizer + " on " + sx.description() + ": streamed " + a
                    + ", held " + h);
            if (optimizer == TrainingOptions.Optimizer.LBFGS) {
                assertEquals(held.history().size(), streamed.history().size(), 3.0, "iterations on "
                        + sx.description());
            }
        }
    }

    /**
     * The chunk budget sets how many rows a chunk holds (whole minibatches of the batch size), the
     * fit is that of one chunk up to the order of the sums (L-BFGS on the reference, which sums the
     * objective chunk by chunk), and the budget is refused where the rows are held whole, where
     * L-BFGS reads the rows block by block through the engine (the fast CPU engine), or below 1 MiB.
     */
    @Test
    void theChunkBudgetSetsTheRowsReadAtOnce() {
        Rng rng = Rng.fresh();
        int n = 3000;
        int d = 200;
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(0, 4);
            for (int q = 0; q < d; q++) {
                x[i * d + q] = (float) (2 * rng.nextDouble() - 1 + (q % 4 == y[i] ? 0.5 : 0));
            }
        }
        Rows source = new Rows(sliced(x, n, d), y);
        // L2 strong enough that the objective stays well away from 0 on these nearly separable rows:
        // the chunks' float sums then move L-BFGS's path by rounding only.
        TrainingOptions o = TrainingOptions.defaults().withSeed(3).withValidationFraction(0).withEpochs(15)
                .withL2(0.01).withStream(true);
        try (Softxent sx = Softxent.open(Device.CPU); Softxent reference = Softxent.openReference()) {
            TrainingResult small = new SoftmaxRegression(o.withChunkMemory(1L << 20)).fit(reference, source, null, null);
            TrainingResult one = new SoftmaxRegression(o).fit(reference, source, null, null);
            // 1 MiB = 262,144 floats: 1,310 rows of 200, 20 whole minibatches of 64 = 1,280.
            assertTrue(small.device().contains("the rows read from their source 1280 at a time"), small.device());
            assertTrue(one.device().contains("the rows read from their source 3000 at a time"), one.device());
            assertEquals(one.history().size(), small.history().size(), 2.0, "iterations, " + rng);
            double a = small.history().get(small.history().size() - 1).trainLoss();
            double b = one.history().get(one.history().size() - 1).trainLoss();
            assertEquals(b, a, 1e-5 * b, "the final loss, three chunks or one, " + rng);
            IllegalArgumentException held = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> new SoftmaxRegression(o.withStream(false)
                            .withChunkMemory(8L << 20)).fit(sx, x, y, n, d));
            assertTrue(held.getMessage().startsWith("chunkMemory applies when the rows are read from their source")
                    && held.getMessage().contains("held whole"), held.getMessage());
            IllegalArgumentException blocks = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> new SoftmaxRegression(o.withChunkMemory(1L << 20))
                            .fit(sx, source, null, null));
            assertTrue(blocks.getMessage().contains("L-BFGS on CPU") && blocks.getMessage().contains("block by block"),
                    blocks.getMessage());
            TrainingResult sgd = new SoftmaxRegression(o.withChunkMemory(1L << 20).withEpochs(2)
                    .withOptimizer(TrainingOptions.Optimizer.SGD)).fit(sx, source, null, null);
            assertTrue(sgd.device().contains("the rows read from their source 1280 at a time for SGD"), sgd.device());
        }
        IllegalArgumentException tiny = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> o.withChunkMemory((1L << 20) - 1));
        assertTrue(tiny.getMessage().startsWith("chunkMemory must be at least 1048576"), tiny.getMessage());
        assertEquals(64L << 20, o.chunkMemory(), "the default");
        assertTrue(o.withChunkMemory(1L << 20).toString().contains("chunkMemory=1048576"));
        assertTrue(!o.withChunkMemory(1L << 20).equals(o));
    }

    /** x as a source without an array behind it: every read a copy, as from a file. */
    static RowSource sliced(float[] x, int rows, int features) {
        return ScalingTest.sliced(x, rows, features);
    }
}
