package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.assertClose;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.io.Csv;
import org.softxent.testing.EngineTest;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;
import org.softxent.testing.SimulatedDevice;

/**
 * A training set the device cannot hold, streamed through it in chunks: the steps compute what the
 * device-resident ones do (and the CPU reference), and training picks streaming by itself when the
 * set does not fit, reaching the same accuracy.
 */
@GpuTest
class StreamedTrainingTest extends EngineTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }

    @Test
    void theStreamedStepsComputeWhatTheResidentOnesDo() {
        // Softmax with class weights, softmax without (the mean's two divisors), logistic.
        for (int config = 0; config < 3; config++) {
            LinearModel.Kind kind = config == 2 ? LinearModel.Kind.LOGISTIC : LinearModel.Kind.SOFTMAX;
            Rng rng = Rng.fresh();
            int n = 1000; // not a whole number of chunks, nor of minibatches
            int d = 20;
            int c = kind == LinearModel.Kind.LOGISTIC ? 2 : 7;
            int batch = 64;
            float[] x = rng.normal(n * d, 1);
            int[] y = rng.labels(n, c);
            TrainingOptions o = TrainingOptions.defaults().withL2(0.01).withLabelSmoothing(0.1);
            if (config == 0) {
                o = o.withClassWeights(rng.uniform(c, 0.5, 2));
            } else if (config == 2) {
                o = o.withPositiveWeight(2.5);
            }
            int nv = 450; // the validation rows: streamed through the chunks in three pieces, or resident
            float[] xv = rng.normal(nv * d, 1);
            int[] yv = rng.labels(nv, c);
            Problem p = Problem.of(kind, x, y, n, d, c, o, xv, yv);
            // The same rows read from sources that are no arrays (p's labels, no x): a file's rows.
            Problem labelsOnly = Problem.of(kind, null, y, n, d, c, o, null, yv);
            int k = p.outputs();
            String where = kind + (config == 0 ? " with class weights " : " ") + rng;
            try (Softxent reference = Softxent.openReference();
                 DeviceSteps resident = DeviceSteps.resident(sx.onDevice(), "gpu", p, batch, 0.9, 5);
                 DeviceSteps streamed = DeviceSteps.streamed(sx.onDevice(), "gpu", p, batch, 0.9, 5, 3L * batch * d * 4, false);
                 DeviceSteps fromSource = DeviceSteps.streamed(sx.onDevice(), "gpu", labelsOnly, batch, 0.9, 5,
                         3L * batch * d * 4, false, ScalingTest.sliced(x, n, d), ScalingTest.sliced(xv, nv, d));
                 HostSteps cpu = new HostSteps(reference, p, batch, 0.9)) {
                assertFalse(resident.streaming());
                assertTrue(streamed.streaming());
                assertTrue(streamed.description().contains("chunks of 192 rows"), streamed.description());
                assertTrue(fromSource.description().contains("streamed from its source: chunks of 192 rows"),
                        fromSource.description());

                float[] w = rng.normal(d * k, 0.3);
                float[] b = rng.normal(k, 0.3);
                float[][] gw = new float[3][d * k];
                float[][] gb = new float[3][k];
                Steps.Pass pr = resident.objective(w, b, gw[0], gb[0]);
                Steps.Pass ps = streamed.objective(w, b, gw[1], gb[1]);
                Steps.Pass pc = cpu.objective(w, b, gw[2], gb[2]);
                double lr = pr.loss();
                double ls = ps.loss();
                double lc = pc.loss();
                assertClose(lc, lr, CLASSIFIER, "resident objective " + where);
                assertClose(lc, ls, CLASSIFIER, "streamed objective " + where);
                assertTrue(pc.correct() > 0 && Math.abs(pc.correct() - pr.correct()) <= 2
                        && Math.abs(pc.correct() - ps.correct()) <= 2, "rows right: " + pc.correct() + ", resident "
                        + pr.correct() + ", streamed " + ps.correct() + " (near-ties only) " + where);
                Steps.Pass vr = resident.validate(w, b);
                Steps.Pass vs = streamed.validate(w, b);
                Steps.Pass vc = cpu.validate(w, b);
                assertClose(vc.loss(), vr.loss(), CLASSIFIER, "resident validation loss " + where);
                assertClose(vc.loss(), vs.loss(), CLASSIFIER, "streamed validation loss " + where);
                assertTrue(Math.abs(vc.correct() - vr.correct()) <= 2 && Math.abs(vc.correct() - vs.correct()) <= 2,
                        "validation rows right: " + vc.correct() + ", " + vr.correct() + ", " + vs.correct() + " "
                        + where);
                assertClose(gw[2], gw[1], CLASSIFIER, "streamed dW " + where);
                assertClose(gb[2], gb[1], CLASSIFIER, "streamed db " + where);
                assertClose(gw[0], gw[1], CLASSIFIER, "streamed dW against the resident " + where);
                float[] gwf = new float[d * k];
                float[] gbf = new float[k];
                Steps.Pass pf = fromSource.objective(w, b, gwf, gbf);
                assertClose(lc, pf.loss(), CLASSIFIER, "objective from the source " + where);
                assertClose(gw[2], gwf, CLASSIFIER, "dW from the source " + where);
                assertClose(gb[2], gbf, CLASSIFIER, "db from the source " + where);
                assertTrue(Math.abs(pc.correct() - pf.correct()) <= 2, "rows right from the source " + pf.correct()
                        + " " + where);
                Steps.Pass vf = fromSource.validate(w, b);
                assertClose(vc.loss(), vf.loss(), CLASSIFIER, "validation loss from the source " + where);
                assertTrue(Math.abs(vc.correct() - vf.correct()) <= 2, "validation rows right from the source "
                        + vf.correct() + " " + where);

                // Two epochs of SGD in a shuffled order: the same minibatches, the same steps. The order
                // is the one the steps from a source draw: each chunk of 192 rows together, in a
                // shuffled order but the last (shorter) one last, its rows shuffled.
                resident.start(w, b);
                streamed.start(w, b);
                fromSource.start(w, b);
                for (int epoch = 0; epoch < 2; epoch++) {
                    int[] order = new int[n];
                    java.util.Arrays.setAll(order, i -> i);
                    fromSource.shuffle(order, new java.util.SplittableRandom(rng.seed() + epoch));
                    assertChunksTogether(order, 192, where);
                    Steps.Pass er = resident.epoch(order, epoch * 16L, s -> 0.05 / (1 + s));
                    Steps.Pass es = streamed.epoch(order, epoch * 16L, s -> 0.05 / (1 + s));
                    Steps.Pass ef = fromSource.epoch(order, epoch * 16L, s -> 0.05 / (1 + s));
                    assertClose(er.loss(), es.loss(), CLASSIFIER, "epoch " + epoch + " loss " + where);
                    assertClose(er.loss(), ef.loss(), CLASSIFIER, "epoch " + epoch + " loss from the source " + where);
                    assertTrue(Math.abs(er.correct() - es.correct()) <= 2 && er.correct() > 0
                            && Math.abs(er.correct() - ef.correct()) <= 2, "epoch " + epoch + " rows right "
                            + er.correct() + ", " + es.correct() + ", " + ef.correct() + " " + where);
                }
                float[][] after = {new float[d * k], new float[k], new float[d * k], new float[k], new float[d * k],
                    new float[k]};
                resident.weights(after[0], after[1]);
                streamed.weights(after[2], after[3]);
                fromSource.weights(after[4], after[5]);
                assertClose(after[0], after[2], CLASSIFIER, "W after SGD " + where);
                assertClose(after[1], after[3], CLASSIFIER, "b after SGD " + where);
                assertClose(after[0], after[4], CLASSIFIER, "W after SGD from the source " + where);
                assertClose(after[1], after[5], CLASSIFIER, "b after SGD from the source " + where);
                assertFalse(java.util.Arrays.equals(w, after[2]), "SGD moved W " + where);
            }
        }
    }

    /**
     * Rows read from their source chunk by chunk (a set larger than the heap) through the GPU
     * engine's array calls: the objective, gradients and validation of the CPU reference on the
     * rows held whole, for the softmax (with class weights, without) and the logistic classifier.
     */
    @Test
    void rowsReadFromTheirSourceComputeTheReferencesObjectiveOnTheDevice() {
        try (Softxent reference = Softxent.openReference()) {
            for (int config = 0; config < 3; config++) {
                SourceStepsTest.againstTheRowsHeldWhole(sx, reference, config, Rng.fresh());
            }
        }
    }

    @Test
    void streamingAskedForStreamsASetThatWouldFit() {
        TrainingContractTest.Data data = digits(1);
        int n = data.y().length;
        TrainingResult r = new SoftmaxRegression(TrainingOptions.defaults().withSeed(1).withStream(true))
                .fit(sx, data.x(), data.y(), n, 64);
        assertTrue(r.device().contains("the training set streamed: chunks of"), r.device());
        double accuracy = r.model().evaluate(data.xTest(), data.yTest(), data.yTest().length).accuracy();
        assertTrue(accuracy >= 0.95, "accuracy " + accuracy);
        TrainingResult resident = new SoftmaxRegression(TrainingOptions.defaults().withSeed(1))
                .fit(sx, data.x(), data.y(), n, 64);
        assertTrue(resident.device().contains("device-resident"), resident.device());
    }

    /**
     * Rows that are no array (a file's), with streaming asked for: read from their source chunk by
     * chunk into the device's buffers, never copied whole on the host, to the accuracy of the fit
     * in memory, by L-BFGS and by SGD.
     */
    @Test
    void aFitStreamedFromItsSourceReachesTheAccuracyOfTheFitInMemory() {
        SourceStepsTest.streamedFitsAgainstTheFitInMemory(sx, "the training set streamed from its source");
    }

    @Test
    void streamIsAnOptionLikeTheOthers() {
        TrainingOptions o = TrainingOptions.defaults();
        assertFalse(o.stream());
        assertTrue(o.withStream(true).stream());
        assertFalse(o.equals(o.withStream(true)));
        assertEquals(o, o.withStream(true).withStream(false));
        assertEquals(o.hashCode(), o.withStream(true).withStream(false).hashCode());
        assertTrue(o.withStream(true).toString().contains("stream=true"), o.withStream(true).toString());
    }

    @Test
    void aChunkTheDeviceRefusesIsHalvedAndNothingIsLeftHeld() {
        assumeTrue(SimulatedDevice.active(), "a refused allocation on demand needs the simulated device");
        Rng rng = Rng.fresh();
        int n = 2000;
        int d = 16;
        Problem p = Problem.of(LinearModel.Kind.SOFTMAX, rng.normal(n * d, 1), rng.labels(n, 4), n, d, 4,
                TrainingOptions.defaults(), null, null);
        sx.onDevice().synchronize();
        long held = SimulatedDevice.deviceBytesInUse();
        // The ninth allocation is the first chunk of rows (after W, b, dW, db, two velocities, the
        // losses and the count of rows right).
        SimulatedDevice.failAllocation(9);
        try (DeviceSteps s = DeviceSteps.streamed(sx.onDevice(), "gpu", p, 50, 0.9, 5, 8L * 50 * d * 4, false)) {
            assertTrue(s.description().contains("chunks of 200 rows"), s.description());
            float[] gw = new float[d * 4];
            assertTrue(Double.isFinite(s.objective(new float[d * 4], new float[4], gw, new float[4]).loss()));
        }
        assertEquals(held, SimulatedDevice.deviceBytesInUse(), "device memory back after close");
    }

    /**
     * Chunks wider than one block of the host's parallel read (about 1 MiB of rows): each chunk is
     * read from the source by several threads into its place, the objective and the validation
     * pass those of the rows held on the device.
     */
    @Test
    void aChunkReadByEveryCoreIsTheChunkOfTheRows() {
        Rng rng = Rng.fresh();
        int n = 5000; // a chunk is at most a quarter of the set
        int d = 600; // 436 rows a block of the read: chunks of 1,000 rows take three blocks
        int c = 3;
        float[] x = rng.normal(n * d, 1);
        int[] y = rng.labels(n, c);
        int nv = 1100;
        float[] xv = rng.normal(nv * d, 1);
        int[] yv = rng.labels(nv, c);
        TrainingOptions o = TrainingOptions.defaults().withL2(0.01);
        Problem p = Problem.of(LinearModel.Kind.SOFTMAX, x, y, n, d, c, o, xv, yv);
        Problem labelsOnly = Problem.of(LinearModel.Kind.SOFTMAX, null, y, n, d, c, o, null, yv);
        try (DeviceSteps resident = DeviceSteps.resident(sx.onDevice(), "gpu", p, 50, 0.9, 5);
             DeviceSteps fromSource = DeviceSteps.streamed(sx.onDevice(), "gpu", labelsOnly, 50, 0.9, 5,
                     1000L * d * 4, false, ScalingTest.sliced(x, n, d), ScalingTest.sliced(xv, nv, d))) {
            assertTrue(fromSource.description().contains("chunks of 1000 rows"), fromSource.description());
            float[] w = rng.normal(d * c, 0.05);
            float[] b = rng.normal(c, 0.3);
            float[][] gw = new float[2][d * c];
            float[][] gb = new float[2][c];
            Steps.Pass pr = resident.objective(w, b, gw[0], gb[0]);
            Steps.Pass pf = fromSource.objective(w, b, gw[1], gb[1]);
            assertClose(pr.loss(), pf.loss(), CLASSIFIER, "objective " + rng);
            assertClose(gw[0], gw[1], CLASSIFIER, "dW " + rng);
            assertClose(gb[0], gb[1], CLASSIFIER, "db " + rng);
            assertClose(resident.validate(w, b).loss(), fromSource.validate(w, b).loss(), CLASSIFIER,
                    "validation loss " + rng);
        }
    }

    /** A permutation whose chunks of {@code chunk} rows stay together, each starting at a multiple of it, the short one last. */
    static void assertChunksTogether(int[] order, int chunk, String where) {
        int[] sorted = order.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i], "a permutation " + where);
        }
        boolean moved = false;
        for (int at = 0; at < order.length; at += chunk) {
            int k = order[at] / chunk;
            int m = Math.min(chunk, order.length - k * chunk);
            assertTrue(m == chunk || at + m == order.length, "the short chunk last " + where);
            for (int i = at; i < at + m; i++) {
                assertEquals(k, order[i] / chunk, "chunk " + k + "'s rows together " + where);
                moved |= order[i] != i;
            }
        }
        assertTrue(moved, "shuffled " + where);
    }

    static TrainingContractTest.Data digits(long seed) {
        try {
            TrainingContractTest.digits = Csv.read(Path.of("src/test/resources/data/digits.csv.gz"), -1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return TrainingContractTest.Data.split(seed);
    }

    @Test
    void aSetTheDeviceCannotHoldIsStreamedToTheSameAccuracy() {
        assumeTrue(SimulatedDevice.active(), "a device smaller than the set needs the simulated device");
        TrainingContractTest.Data data = digits(3);
        int n = data.y().length;
        long total = SimulatedDevice.memoryBytes();
        long pinned = SimulatedDevice.pinnedBytesInUse();
        long held = SimulatedDevice.deviceBytesInUse();
        try (Softxent gpu = Softxent.open(Device.GPU)) {
            // Warm: cuBLAS and the classifier's buffers held, then room for 60 % of the set's rows.
            new SoftmaxRegression(TrainingOptions.defaults().withEpochs(1)).fit(gpu, data.x(), data.y(), n, 64);
            SimulatedDevice.setMemoryBytes(SimulatedDevice.deviceBytesInUse() + (long) (0.6 * n * 64 * 4));
            for (TrainingOptions o : new TrainingOptions[] {TrainingOptions.defaults().withSeed(3),
                TrainingOptions.defaults().withSeed(3).withOptimizer(TrainingOptions.Optimizer.SGD).withEpochs(30)}) {
                TrainingResult r = new SoftmaxRegression(o).fit(gpu, data.x(), data.y(), n, 64);
                assertTrue(r.device().contains("the training set streamed, as the device cannot hold it"), r.device());
                double accuracy = r.model().evaluate(data.xTest(), data.yTest(), data.yTest().length).accuracy();
                assertTrue(accuracy >= 0.95, o.optimizer() + ": accuracy " + accuracy + " (" + r.device() + ")");
                // The CPU reference's model from the same seed, within the README's 1e-3 in every probability.
                try (Softxent cpu = Softxent.openReference()) {
                    LinearModel reference = new SoftmaxRegression(o).fit(cpu, data.x(), data.y(), n, 64).model();
                    double worst = TrainingContractTest.worstDifference(r.model().predictProba(data.xTest(),
                            data.yTest().length), reference.predictProba(data.xTest(), data.yTest().length));
                    assertTrue(worst <= 1e-3, o.optimizer() + ": probabilities differ from the CPU reference's by "
                            + worst + " (" + r.device() + ")");
                }
            }
        } finally {
            SimulatedDevice.setMemoryBytes(total);
        }
        assertEquals(pinned, SimulatedDevice.pinnedBytesInUse(), "pinned memory back at close");
        assertEquals(held, SimulatedDevice.deviceBytesInUse(), "device memory back at close");
    }
}
