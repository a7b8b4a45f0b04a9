package org.softxent.bench;

import java.util.List;
import java.util.SplittableRandom;
import org.softxent.Softxent;
import org.softxent.train.Epoch;
import org.softxent.train.SoftmaxRegression;
import org.softxent.train.TrainingOptions;
import org.softxent.train.TrainingResult;

/**
 * The training workload: softxent's own training loop ({@link SoftmaxRegression}) on a synthetic
 * set of N × D features and C classes, as a user runs it.
 *
 * <ul>
 *   <li>SGD: epochs of minibatch SGD (batch 256, learning rate 0.1, momentum 0.9, no L2, no
 *       standardisation, no validation split, as bench/numpy_baseline.py's loop): samples per
 *       second over the epochs after the first (the median epoch);</li>
 *   <li>L-BFGS: up to 100 iterations (L2 1e-4, tolerance 0): the time to come within 0.1 % of the
 *       way from the first objective to the lowest one the run reached.</li>
 * </ul>
 * On the GPU each runs twice: with the set uploaded once, and streamed through the device in chunks
 * (variant "streamed", {@link TrainingOptions#withStream}), as when the device cannot hold it.
 * The set: standard normal features; the label is the argmax of the first C features plus noise
 * (scale 0.5), so that the problem is learnable but not separable.
 */
final class TrainingWorkload {
    static final int BATCH = 256;
    static final double LEARNING_RATE = 0.1;
    static final double MOMENTUM = 0.9;
    static final int LBFGS_ITERATIONS = 100;

    private final Softxent sx;
    private final int n;
    private final int d;
    private final int c;
    private final float[] x;
    private final int[] y;

    TrainingWorkload(Softxent sx, int n, int d, int c, long seed) {
        this.sx = sx;
        this.n = n;
        this.d = d;
        this.c = c;
        SplittableRandom random = new SplittableRandom(seed);
        x = new float[Math.multiplyExact(n, d)];
        y = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) gaussian(random);
            }
            for (int k = 0; k < c; k++) {
                double score = x[i * d + k] + 0.5 * gaussian(random);
                if (score > bestScore) {
                    bestScore = score;
                    best = k;
                }
            }
            y[i] = best;
        }
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * random.nextDouble());
    }

    String shape() {
        return n + " x " + d + " x " + c;
    }

    /**
     * SGD for {@code epochs} epochs (at least 2): the median epoch after the first, as samples per
     * second; with {@code stream}, the set streamed through the GPU (variant "streamed").
     */
    Result sgd(String device, int epochs, boolean stream) {
        TrainingOptions o = TrainingOptions.defaults().withOptimizer(TrainingOptions.Optimizer.SGD)
                .withEpochs(Math.max(2, epochs)).withBatchSize(BATCH).withLearningRate(LEARNING_RATE)
                .withMomentum(MOMENTUM).withSchedule(TrainingOptions.Schedule.CONSTANT).withL2(0)
                .withStandardize(false).withValidationFraction(0).withSeed(2026).withStream(stream);
        TrainingResult r = new SoftmaxRegression(o).fit(sx, x, y, n, d);
        List<Epoch> h = r.history();
        double[] ms = new double[h.size() - 1];
        for (int i = 1; i < h.size(); i++) {
            ms[i - 1] = (h.get(i).seconds() - h.get(i - 1).seconds()) * 1e3;
        }
        Stats t = Stats.of(ms);
        return new Result("training: SGD epoch", shape(), device, stream ? "streamed" : "", t,
                n / (t.medianMs() / 1e3), "samples/s", Double.NaN, "", -1);
    }

    /**
     * L-BFGS: the time to within 0.1 % of the way to the lowest objective of the run, as one sample;
     * with {@code stream}, the set streamed through the GPU.
     */
    Result lbfgs(String device, boolean stream) {
        TrainingOptions o = TrainingOptions.defaults().withOptimizer(TrainingOptions.Optimizer.LBFGS)
                .withEpochs(LBFGS_ITERATIONS).withL2(1e-4).withTolerance(0).withStandardize(false)
                .withValidationFraction(0).withSeed(2026).withStream(stream);
        long t0 = System.nanoTime();
        TrainingResult r = new SoftmaxRegression(o).fit(sx, x, y, n, d);
        double totalMs = (System.nanoTime() - t0) / 1e6;
        List<Epoch> h = r.history();
        double first = h.get(0).objective();
        double best = h.stream().mapToDouble(Epoch::objective).min().orElse(first);
        double target = best + 1e-3 * (first - best);
        Epoch reached = h.stream().filter(e -> e.objective() <= target).findFirst().orElse(h.get(h.size() - 1));
        double ms = reached.seconds() * 1e3;
        return new Result("training: L-BFGS to loss", shape(), device, stream ? "streamed" : "", Stats.of(new double[] {ms}),
                reached.epoch(), "iterations", Double.NaN,
                String.format(java.util.Locale.ROOT, "objective %.6f of best %.6f; %d iterations in %.0f ms",
                        reached.objective(), best, h.size(), totalMs), -1);
    }
}
