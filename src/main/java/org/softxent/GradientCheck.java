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
 *         z -> sx.crossEntropy(z, n, c, labels, opts, null, null).loss(), logits, r.gradLogits(),
 *         GradientCheck.Options.sampled(200, 42));
 * assert check.worstRelativeError() < 1e-4;
 * }</pre>
 *
 * <p>At coordinate i the numerical derivative is the Richardson extrapolation of two central
 * differences, with steps h and h/2 where h = step·max(1, |x_i|): four evaluations, and an error
 * of order h⁴ rather than h². Each difference divides by the distance between the float values
 * actually evaluated. The relative error is |a − n| / max(|a|, |n|, floor), where the floor (by
 * default 1e-6 of the largest |analytic| component) keeps components that are negligible next to
 * the gradient's scale from dominating. Near ±{@link Float#MAX_VALUE} the step shrinks so that
 * x_i ± h stays finite. Coordinates at −∞ (masked logits) are skipped, a NaN or +∞
 * one is refused, and so is one whose step would pass ±{@link Float#MAX_VALUE} with less than four
 * float steps of room; a point with nothing left to check gives a result that says so and passes no
 * tolerance. A NaN in the analytic gradient is the worst error, at its coordinate.
 * Use an objective computed in double (the CPU reference's losses are: {@link Softxent#openReference()}): a float32 objective's rounding
 * would swamp the differences.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /** Which coordinates to check, the step and the error floor. Immutable. */
    public static final class Options {
        /** Marks the default floor, which scales with the gradient. */
        private static final double RELATIVE_FLOOR = -1e-6;

        private final int samples;
        private final long seed;
        private final double step;
        /** The absolute floor, or minus the fraction of the largest |analytic| component. */
        private final double floor;

        private Options(int samples, long seed, double step, double floor) {
            this.samples = samples;
            this.seed = seed;
            this.step = step;
            this.floor = floor;
        }

        /** Every coordinate, step 1e-3, the default floor. */
        public static Options all() {
            return new Options(Integer.MAX_VALUE, 0L, 1e-3, RELATIVE_FLOOR);
        }

        /**
         * {@code count} coordinates drawn without replacement with the given seed (all of them when
         * there are fewer), step 1e-3, the default floor.
         */
        public static Options sampled(int count, long seed) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
            return new Options(count, seed, 1e-3, RELATIVE_FLOOR);
        }

        /**
         * The relative step h/max(1, |x_i|), in (0, 1); 1e-3 by default. For an objective rounded
         * to float32, take about 1e-2.
         */
        public Options withStep(double step) {
            if (!(step > 0.0 && step < 1.0)) {
                throw new IllegalArgumentException("step must be in (0, 1), got " + step);
            }
            return new Options(samples, seed, step, floor);
        }

        /**
         * An absolute floor for the relative error's denominator, ≥ 0, instead of the default
         * 1e-6 of the largest |analytic| component.
         */
        public Options withFloor(double floor) {
            if (!(floor >= 0.0 && floor < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("floor must be finite and >= 0, got " + floor);
            }
            return new Options(samples, seed, step, floor);
        }
    }

    /** The coordinates checked and, for each, the analytic and numerical derivatives and their error. */
    public static final class Result {
        private final int pointLength;
        private final int[] coordinates;
        private final double[] analytic;
        private final double[] numeric;
        private final double[] relativeErrors;

        private Result(int pointLength, int[] coordinates, double[] analytic, double[] numeric,
                       double[] relativeErrors) {
            this.pointLength = pointLength;
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

        /**
         * The largest relative error; NaN when no coordinate was checked (an empty point, or one
         * whose every coordinate is −inf), so that no tolerance accepts a check of nothing.
         */
        public double worstRelativeError() {
            int w = worstIndex();
            return w < 0 ? Double.NaN : relativeErrors[w];
        }

        /** Whether at least one coordinate was checked. */
        public boolean checkedAny() {
            return coordinates.length > 0;
        }

        /** The coordinate with the largest relative error, or −1 when none was checked. */
        public int worstCoordinate() {
            int w = worstIndex();
            return w < 0 ? -1 : coordinates[w];
        }

        private int worstIndex() {
            int worst = -1;
            for (int i = 0; i < relativeErrors.length; i++) {
                // The first NaN (an analytic or numeric component that is not a number) is the worst.
                if (worst < 0 || !Double.isNaN(relativeErrors[worst]) && !(relativeErrors[i] <= relativeErrors[worst])) {
                    worst = i;
                }
            }
            return worst;
        }

        @Override
        public String toString() {
            if (!checkedAny()) {
                return "nothing checked: " + (pointLength == 0 ? "the point is empty"
                        : "none of the point's " + pointLength + " coordinates is finite");
            }
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
        double floor = options.floor;
        if (floor < 0) {
            double largest = 0.0;
            for (float g : analyticGradient) {
                if (Float.isFinite(g)) { // a NaN component is an error to report, not the gradient's scale
                    largest = Math.max(largest, Math.abs(g));
                }
            }
            floor = -floor * largest;
        }
        float[] x = point.clone();
        double[] analytic = new double[coords.length];
        double[] numeric = new double[coords.length];
        double[] errors = new double[coords.length];
        for (int k = 0; k < coords.length; k++) {
            int i = coords[k];
            double h = step(x, i, options.step);
            double wide = centralDifference(objective, x, i, h);
            double narrow = centralDifference(objective, x, i, h / 2);
            analytic[k] = analyticGradient[i];
            numeric[k] = narrow + (narrow - wide) / 3.0;
            double scale = Math.max(floor, Math.max(Math.abs(analytic[k]), Math.abs(numeric[k])));
            double diff = Math.abs(analytic[k] - numeric[k]);
            errors[k] = diff == 0.0 ? 0.0 : diff / scale;
        }
        return new Result(point.length, coords, analytic, numeric, errors);
    }

    /**
     * The step h at coordinate i: step·max(1, |x_i|), or less near float's largest value, so that
     * x_i ± h stays a finite float (the objective would be handed an infinity otherwise). Where
     * that room is under {@value #FLOAT_STEPS} float steps (a coordinate that close to
     * ±{@link Float#MAX_VALUE}, whose step would pass it) no central difference fits, and the
     * coordinate is refused.
     */
    private static double step(float[] x, int i, double step) {
        double h = step * Math.max(1.0, Math.abs(x[i]));
        double room = Float.MAX_VALUE - Math.abs((double) x[i]); // how far x_i may move away from 0
        if (h > room) {
            if (room < FLOAT_STEPS * Math.ulp(x[i])) {
                throw new IllegalArgumentException("point[" + i + "] is " + x[i] + ", within " + FLOAT_STEPS
                        + " float steps of " + (x[i] < 0 ? "-" : "") + "Float.MAX_VALUE: x ± h would leave float's "
                        + "range, and no central difference fits around it");
            }
            h = room;
        }
        return h;
    }

    /** The fewest float steps between a coordinate and float's largest value that a difference needs. */
    private static final int FLOAT_STEPS = 4;

    /** (f(x + h·e_i) − f(x − h·e_i)) over the distance between the float values evaluated; x is restored. */
    private static double centralDifference(ToDoubleFunction<float[]> objective, float[] x, int i, double h) {
        float original = x[i];
        float plus = (float) (original + h);
        float minus = (float) (original - h);
        x[i] = plus;
        double fPlus = objective.applyAsDouble(x);
        x[i] = minus;
        double fMinus = objective.applyAsDouble(x);
        x[i] = original;
        return (fPlus - fMinus) / ((double) plus - (double) minus);
    }

    private static int[] chooseCoordinates(float[] point, Options options) {
        int[] finite = new int[point.length];
        int count = 0;
        for (int i = 0; i < point.length; i++) {
            if (Float.isFinite(point[i])) {
                finite[count++] = i;
            } else if (point[i] != Float.NEGATIVE_INFINITY) { // −∞ masks a logit; NaN and +∞ mask nothing
                throw new IllegalArgumentException("point[" + i + "] is " + point[i] + ": a point to differentiate at "
                        + "must be finite (−Infinity, a masked logit, is skipped)");
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
