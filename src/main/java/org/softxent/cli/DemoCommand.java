package org.softxent.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.ClassifierResult;
import org.softxent.CrossEntropyOptions;
import org.softxent.GradientCheck;
import org.softxent.LossResult;
import org.softxent.Softxent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo",
        description = "Runs every operation once on random data and prints what it computed and how long it took "
                + "(median of 5 runs after a warm-up), with a numerical gradient check.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOption device;

    @Option(names = "--seed", defaultValue = "2026", description = "seed of the random inputs (default 2026).")
    long seed;

    private PrintWriter out;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        SplittableRandom random = new SplittableRandom(seed);
        try (Softxent sx = device.open()) {
            out.println("softxent demo on " + sx.description());

            int n = 4096;
            int c = 1000;
            float[] logits = uniform(random, n * c, -8, 8);
            int[] labels = random.ints(n, 0, c).toArray();

            float[] probs = time("softmax", n + " x " + c, () -> sx.softmax(logits, n, c));
            double worst = 0;
            for (int r = 0; r < n; r++) {
                double s = 0;
                for (int j = 0; j < c; j++) {
                    s += probs[r * c + j];
                }
                worst = Math.max(worst, Math.abs(s - 1));
            }
            say("  every row sums to 1 within %.1e", worst);

            CrossEntropyOptions smoothed = CrossEntropyOptions.defaults()
                    .withClassWeights(uniform(random, c, 0.5f, 1.5f))
                    .withLabelSmoothing(0.1);
            LossResult ce = time("cross-entropy", n + " x " + c + ", weights, smoothing 0.1",
                    () -> sx.crossEntropy(logits, n, c, labels, smoothed));
            say("  loss %.6f", ce.loss());
            int m = 64;
            float[] head = Arrays.copyOf(logits, m * c);
            int[] headLabels = Arrays.copyOf(labels, m);
            GradientCheck.Result check = GradientCheck.of(
                    z -> sx.crossEntropy(z, m, c, headLabels, smoothed, null, null).loss(), head,
                    sx.crossEntropy(head, m, c, headLabels, smoothed).gradLogits(),
                    GradientCheck.Options.sampled(100, seed));
            say("  gradient check on the first %d rows: %s", m, check);

            float[] targets = sx.softmax(uniform(random, n * c, -2, 2), n, c);
            LossResult soft = time("cross-entropy", n + " x " + c + ", probability targets",
                    () -> sx.crossEntropyWithTargets(logits, n, c, targets, CrossEntropyOptions.defaults()));
            say("  loss %.6f", soft.loss());

            float[] upstream = uniform(random, n * c, -1, 1);
            float[] dz = time("softmax backward", n + " x " + c, () -> sx.softmaxBackward(probs, upstream, n, c));
            say("  rows of dZ sum to 0 within %.1e", maxAbsRowSum(dz, n, c));

            float[] jacobian = time("softmax Jacobian", "64 x 10", () -> sx.softmaxJacobian(Arrays.copyOf(logits, 640), 64, 10));
            say("  J[0] row 0: %s", Arrays.toString(Arrays.copyOf(jacobian, 10)));

            int k = 20;
            float[] bceLogits = uniform(random, n * k, -6, 6);
            float[] bceTargets = new float[n * k];
            for (int i = 0; i < bceTargets.length; i++) {
                bceTargets[i] = random.nextBoolean() ? 1f : 0f;
            }
            LossResult bce = time("binary cross-entropy", n + " x " + k, () -> sx.binaryCrossEntropy(
                    bceLogits, bceTargets, n, k, BinaryCrossEntropyOptions.defaults()));
            say("  loss %.6f", bce.loss());

            int d = 256;
            int classes = 100;
            float[] x = uniform(random, n * d, -1, 1);
            float[] w = uniform(random, d * classes, -0.05f, 0.05f);
            float[] b = uniform(random, classes, -0.1f, 0.1f);
            int[] y = random.ints(n, 0, classes).toArray();
            ClassifierOptions reg = ClassifierOptions.defaults().withReg(1e-3);
            ClassifierResult clf = time("classifier", n + " x " + d + " x " + classes + ", reg 1e-3",
                    () -> sx.classifier(x, w, b, y, n, d, classes, reg));
            say("  loss %.6f, |dW| = %.4e, |db| = %.4e", clf.loss(), norm(clf.gradW()), norm(clf.gradB()));
            // After the work, so that an error is the only line a failing command prints.
            DeviceOption.noteFallback(sx, spec.commandLine().getErr());
        }
        return 0;
    }

    private <T> T time(String what, String shape, Supplier<T> op) {
        T result = op.get();
        long[] times = new long[5];
        for (int i = 0; i < times.length; i++) {
            long start = System.nanoTime();
            result = op.get();
            times[i] = System.nanoTime() - start;
        }
        Arrays.sort(times);
        say("%-22s %-40s %9.2f ms", what, shape, times[times.length / 2] / 1e6);
        return result;
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
    }

    private static float[] uniform(SplittableRandom random, int size, float low, float high) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return a;
    }

    private static double maxAbsRowSum(float[] a, int rows, int cols) {
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += a[r * cols + j];
            }
            worst = Math.max(worst, Math.abs(s));
        }
        return worst;
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
