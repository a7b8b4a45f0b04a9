package org.softxent;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * A numerical gradient check: central differences of a scalar function at a point, compared
 * with an analytic gradient, coordinate by coordinate. Works with any operation of this library
 * (or any other function of a float vector):
 *
 * <pre>{@code
 * LossResult r = sx.crossEntropy(logits, n, c, labels, opts);
 * GradientCheck.Result check = GradientCheck.of(
 *         z -> sx.crossEntropy(z, n, c, labels, opts).loss(), logits, r.gradLogits(),
 *         GradientCheck.Options.sampled(200, 42));
 * assert check.worstRelativeError() < 1e-4;
 * }</pre>
 *
 * <p>The numerical derivative at coordinate i is (f(x + h·e_i) − f(x − h·e_i)) / (x_i⁺ − x_i⁻), where
 * x_i^± are the float values actually evaluated and h = step·max(1, |x_i|). The relative error is
 * |a − n| / max(|a|, |n|, floor); the floor keeps coordinates whose gradient is essentially zero from
 * dominating. Non-finite coordinates (masked −inf logits) are skipped. Use an objective computed
 * in double (the CPU engine's loss is): float32 rounding of the loss would swamp the differences.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /** Which coordinates to check, the step and the error floor. Immutable. */
    public static final class Options {
        private final int samples;
        private final long seed;
        private final double step;
        private final double floor;

        private Options(int samples, long seed, double step, double floor) {
            this.samples = samples;
            this.seed = seed;
            this.step = step;
            this.floor = floor;
        }

        /** Every coordinate, step 1e-3, floor 1e-8. */
        public static Options all() {
            return new Options(Integer.MAX_VALUE, 0L, 1e-3, 1e-8);
        }

        /**
         * {@code count} coordinates drawn without replacement with the given seed (all of them when
         * there are fewer), step 1e-3, floor 1e-8.
         */
        public static Options sampled(int count, long seed) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
            return new Options(count, seed, 1e-3, 1e-8);
        }

        /**
         * The relative step h/max(1, |x_i|), in (0, 1). The default 1e-3 balances truncation error
         * (∝ h²) against the rounding of a double objective (∝ 1/h); for an objective rounded to
         * float32, take about 1e-2.
         */
        public Options withStep(double step) {
            if (!(step > 0.0 && step < 1.0)) {
                throw new IllegalArgumentException("step must be in (0, 1), got " + step);
            }
            return new Options(samples, seed, step, floor);
        }

        /** The absolute floor of the relative error's denominator; must be ≥ 0. */
        public Options withFloor(double floor) {
            if (!(floor >= 0.0 && floor < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("floor must be finite and >= 0, got " + floor);
            }
            return new Options(samples, seed, step, floor);
        }
    }

    /** The coordinates checked and, for each, the analytic and numerical derivatives and their error. */
    public static final class Result {
        private final int[] coordinates;
        private final double[] analytic;
        private final double[] numeric;
        private final double[] relativeErrors;

        private Result(int[] coordinates, double[] analytic, double[] numeric, double[] relativeErrors) {
            this.coordinates = coordinates;
            this.analytic = analytic;
            this.numeric = numeric;
            this.relativeErrors = relativeErrors;
        }

        /** The indices checked, in increasing order. */
        public int[] coordinates() {
            return coordinates.clone();
        }

        public double[] analytic() {
            return analytic.clone();
        }

        public double[] numeric() {
            return numeric.clone();
        }

        public double[] relativeErrors() {
            return relativeErrors.clone();
        }

        /** The largest relative error (0 when no coordinate was checked). */
        public double worstRelativeError() {
            int w = worstIndex();
            return w < 0 ? 0.0 : relativeErrors[w];
        }

        /** The coordinate with the largest relative error, or −1 when none was checked. */
        public int worstCoordinate() {
            int w = worstIndex();
            return w < 0 ? -1 : coordinates[w];
        }

        private int worstIndex() {
            int worst = -1;
            for (int i = 0; i < relativeErrors.length; i++) {
                if (worst < 0 || !(relativeErrors[i] <= relativeErrors[worst])) {
                    worst = i;
                }
            }
            return worst;
        }

        @Override
        public String toString() {
            return coordinates.length + " coordinates checked, worst relative error "
                    + String.format(java.util.Locale.ROOT, "%.3g", worstRelativeError())
                    + " at coordinate " + worstCoordinate();
        }
    }

    /**
     * Checks {@code analyticGradient} against central differences of {@code objective} at
     * {@code point}.
     *
     * @param objective        the scalar function; it receives a perturbed copy of the point
     * @param point            where to differentiate (not modified)
     * @param analyticGradient the gradient to check, same length as the point
     */
    public static Result of(ToDoubleFunction<float[]> objective, float[] point, float[] analyticGradient,
                            Options options) {
        Objects.requireNonNull(objective, "objective must not be null");
        Objects.requireNonNull(point, "point must not be null");
        Objects.requireNonNull(analyticGradient, "analyticGradient must not be null");
        Objects.requireNonNull(options, "options must not be null");
        if (analyticGradient.length != point.length) {
            throw new ShapeMismatchException("analyticGradient must have the point's length " + point.length
                    + ", but its length is " + analyticGradient.length);
        }
        int[] coords = chooseCoordinates(point, options);
        float[] x = point.clone();
        double[] analytic = new double[coords.length];
        double[] numeric = new double[coords.length];
        double[] errors = new double[coords.length];
        for (int k = 0; k < coords.length; k++) {
            int i = coords[k];
            float original = x[i];
            double h = options.step * Math.max(1.0, Math.abs(original));
            float plus = (float) (original + h);
            float minus = (float) (original - h);
            x[i] = plus;
            double fPlus = objective.applyAsDouble(x);
            x[i] = minus;
            double fMinus = objective.applyAsDouble(x);
            x[i] = original;
            analytic[k] = analyticGradient[i];
            numeric[k] = (fPlus - fMinus) / ((double) plus - (double) minus);
            double scale = Math.max(options.floor, Math.max(Math.abs(analytic[k]), Math.abs(numeric[k])));
            double diff = Math.abs(analytic[k] - numeric[k]);
            errors[k] = diff == 0.0 ? 0.0 : diff / scale;
        }
        return new Result(coords, analytic, numeric, errors);
    }

    private static int[] chooseCoordinates(float[] point, Options options) {
        int[] finite = new int[point.length];
        int count = 0;
        for (int i = 0; i < point.length; i++) {
            if (Float.isFinite(point[i])) {
                finite[count++] = i;
            }
        }
        if (count <= options.samples) {
            return Arrays.copyOf(finite, count);
        }
        // A partial Fisher–Yates shuffle picks `samples` distinct coordinates.
        SplittableRandom random = new SplittableRandom(options.seed);
        for (int k = 0; k < options.samples; k++) {
            int j = k + random.nextInt(count - k);
            int t = finite[k];
            finite[k] = finite[j];
            finite[j] = t;
        }
        int[] chosen = Arrays.copyOf(finite, options.samples);
        Arrays.sort(chosen);
        return chosen;
    }
}
