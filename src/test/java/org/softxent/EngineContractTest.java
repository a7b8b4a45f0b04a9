package org.softxent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;
import static org.softxent.testing.Close.poisoned;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.softxent.testing.EngineTest;
import org.softxent.testing.Oracle;
import org.softxent.testing.Rng;

/**
 * What every engine must do, whatever its device: PyTorch's numbers (against an independent
 * double-precision oracle), the properties that follow from the mathematics, and outputs written
 * exactly where asked. Subclasses say which engine; validation lives in {@link ValidationContractTest}.
 * Every output buffer is poisoned with NaN before a run; inputs are fresh random numbers each run
 * (the seed is in every failure message).
 */
public abstract class EngineContractTest extends EngineTest {
    /** Shapes (N, C) from one class to beyond a block's width, tall and wide. */
    static final int[][] SHAPES = {
        {1, 1}, {7, 2}, {3, 31}, {5, 32}, {6, 33}, {64, 10}, {2, 1023}, {2, 1024}, {3, 1025}, {2, 32000},
    };

    // -------------------------------------------------------------------------------------------

    @Nested
    class Softmax {
        @Test
        void matchesTheOracleAndRowsSumToOne() {
            Rng rng = Rng.fresh();
            for (int[] s : SHAPES) {
                int n = s[0];
                int c = s[1];
                float[] z = rng.normal(n * c, 3);
                float[] p = sx.softmax(z, n, c, poisoned(n * c));
                assertClose(Oracle.softmax(z, n, c), p, LOGITS, "softmax " + n + "x" + c + " " + rng);
                for (int r = 0; r < n; r++) {
                    double sum = 0;
                    for (int j = 0; j < c; j++) {
                        sum += p[r * c + j];
                    }
                    assertEquals(1.0, sum, 1e-5, "row " + r + " of " + n + "x" + c + " " + rng);
                }
            }
        }

        @Test
        void logSoftmaxMatchesTheOracle() {
            Rng rng = Rng.fresh();
            for (int[] s : SHAPES) {
                int n = s[0];
                int c = s[1];
                float[] z = rng.normal(n * c, 3);
                float[] lp = sx.logSoftmax(z, n, c, poisoned(n * c));
                assertClose(Oracle.logSoftmax(org.softxent.testing.Close.toDoubles(z), n, c), lp, LOGITS,
                        "log-softmax " + n + "x" + c + " " + rng);
            }
        }

        @Test
        void masksGiveExactZerosAndTheRestIsTheSoftmaxOfTheUnmaskedClasses() {
            Rng rng = Rng.fresh();
            int n = 9;
            int c = 257;
            float[] z = rng.normal(n * c, 2);
            boolean[] masked = new boolean[n * c];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < c; j++) {
                    masked[r * c + j] = j != r && rng.nextDouble() < 0.5; // keep at least one class per row
                    if (masked[r * c + j]) {
                        z[r * c + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            float[] p = sx.softmax(z, n, c, poisoned(n * c));
            float[] lp = sx.logSoftmax(z, n, c, poisoned(n * c));
            for (int r = 0; r < n; r++) {
                int kept = 0;
                float[] sub = new float[c];
                for (int j = 0; j < c; j++) {
                    if (masked[r * c + j]) {
                        assertEquals(0.0f, p[r * c + j], "masked probability, " + rng);
                        assertEquals(Float.NEGATIVE_INFINITY, lp[r * c + j], "masked log-probability, " + rng);
                    } else {
                        sub[kept++] = z[r * c + j];
                    }
                }
                float[] expected = sx.softmax(Arrays.copyOf(sub, kept), 1, kept);
                float[] actual = new float[kept];
                for (int j = 0, k = 0; j < c; j++) {
                    if (!masked[r * c + j]) {
                        actual[k++] = p[r * c + j];
                    }
                }
                assertClose(expected, actual, LOGITS, "row " + r + " against its unmasked classes, " + rng);
            }
        }

        @Test
        void logitsOfMagnitude1e4AreStableAndShiftInvariant() {
            Rng rng = Rng.fresh();
            int n = 16;
            int c = 300;
            // Multiples of 2^-6 below 2^14: adding 2^14 to them is exact in float32.
            float[] z = grid(rng.uniform(n * c, -1e4, 1e4), 64);
            float[] shifted = z.clone();
            for (int r = 0; r < n; r++) {
                float k = (r % 2 == 0 ? 1 : -1) * 16384f;
                for (int j = 0; j < c; j++) {
                    shifted[r * c + j] += k;
                }
            }
            float[] p = sx.softmax(z, n, c, poisoned(n * c));
            assertClose(Oracle.softmax(z, n, c), p, LOGITS, "softmax of large logits, " + rng);
            assertClose(p, sx.softmax(shifted, n, c, poisoned(n * c)), 1e-6, "softmax after a shift, " + rng);

            int[] y = rng.labels(n, c);
            LossResult a = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults());
            LossResult b = sx.crossEntropy(shifted, n, c, y, CrossEntropyOptions.defaults());
            assertTrue(Double.isFinite(a.loss()), "loss of large logits is finite, " + rng);
            assertClose(a.loss(), b.loss(), 1e-6, "loss after a shift, " + rng);
            assertClose(a.gradLogits(), b.gradLogits(), 1e-6, "gradient after a shift, " + rng);
        }

        /**
         * Logits of 1e4 whose label is the clear favourite: the per-row losses are small (1e-2) and
         * must not drown in the rounding of max + log(sum), which is 1e-3 at that magnitude.
         */
        @Test
        void confidentPredictionsWithLargeLogitsKeepTheirSmallLosses() {
            Rng rng = Rng.fresh();
            int n = 32;
            int c = 100;
            float[] z = rng.uniform(n * c, -1e4, 1e4);
            int[] y = new int[n];
            for (int r = 0; r < n; r++) {
                int top = 0;
                for (int j = 1; j < c; j++) {
                    top = z[r * c + j] > z[r * c + top] ? j : top;
                }
                y[r] = rng.nextInt(0, c);
                z[r * c + y[r]] = z[r * c + top] + (float) (1 + 4 * rng.nextDouble()); // a margin of 1 to 5
            }
            LossResult r = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withReduction(Reduction.NONE));
            Oracle.Loss ref = Oracle.crossEntropy(z, n, c, y, null, -100, 0, Reduction.NONE);
            for (int i = 0; i < n; i++) {
                assertClose(ref.losses()[i], r.losses()[i], LOGITS, "row " + i + " loss " + rng);
            }
            float[] lp = sx.logSoftmax(z, n, c);
            double[] refLp = Oracle.logSoftmax(org.softxent.testing.Close.toDoubles(z), n, c);
            for (int i = 0; i < n; i++) {
                assertClose(refLp[i * c + y[i]], lp[i * c + y[i]], LOGITS, "row " + i + " log p of the label " + rng);
            }
        }

        @Test
        void wideRowsUpTo100000Classes() {
            Rng rng = Rng.fresh();
            for (int c : new int[] {50_257, 100_000}) {
                int n = 3;
                float[] z = rng.normal(n * c, 4);
                int[] y = rng.labels(n, c);
                float[] grad = poisoned(n * c);
                float[] probs = poisoned(n * c);
                LossResult r = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), grad, probs);
                Oracle.Loss ref = Oracle.crossEntropy(z, n, c, y, null, -100, 0, Reduction.MEAN);
                assertClose(ref.loss(), r.loss(), LOGITS, "loss, C = " + c + ", " + rng);
                assertClose(ref.grad(), grad, LOGITS, "gradient, C = " + c + ", " + rng);
                assertClose(ref.probs(), probs, LOGITS, "probabilities, C = " + c + ", " + rng);
            }
        }

        @Test
        void tallBatchesOfThousandsOfRows() {
            Rng rng = Rng.fresh();
            int n = 5000;
            int c = 3;
            float[] z = rng.normal(n * c, 3);
            int[] y = rng.labels(n, c);
            float[] grad = poisoned(n * c);
            LossResult r = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), grad, null);
            Oracle.Loss ref = Oracle.crossEntropy(z, n, c, y, null, -100, 0, Reduction.MEAN);
            assertClose(ref.loss(), r.loss(), LOGITS, "loss, " + rng);
            assertClose(ref.grad(), grad, LOGITS, "gradient, " + rng);
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class CrossEntropy {
        /** Every combination of shape, reduction, class weights, ignore index and smoothing. */
        static Stream<Arguments> labelOptions() {
            return grid(new int[][] {{1, 1}, {7, 2}, {33, 5}, {12, 33}, {4, 1025}}, Reduction.values(),
                    new Boolean[] {false, true}, new Boolean[] {false, true}, new Double[] {0.0, 0.1, 1.0});
        }

        @ParameterizedTest(name = "{0}x{1} {2} weighted={3} ignoring={4} smoothing={5}")
        @MethodSource("labelOptions")
        void labelsMatchPyTorch(int n, int c, Reduction red, boolean weighted, boolean ignoring, double eps) {
            Rng rng = Rng.fresh();
            int ignore = ignoring ? Math.min(3, c - 1) : CrossEntropyOptions.DEFAULT_IGNORE_INDEX;
            float[] z = rng.normal(n * c, 3);
            int[] y = rng.labels(n, c);
            // Some rows carry the ignore index; never all, so the mean is defined.
            for (int r = 1; r < n; r += 3) {
                y[r] = ignore;
            }
            float[] w = weighted ? rng.uniform(c, 0.2, 2.0) : null;
            CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red).withClassWeights(w)
                    .withIgnoreIndex(ignore).withLabelSmoothing(eps);
            checkLabels(z, n, c, y, o, Oracle.crossEntropy(z, n, c, y, w, ignore, eps, red), n + "x" + c + " " + o + " " + rng);
        }

        static Stream<Arguments> targetOptions() {
            return grid(new int[][] {{1, 1}, {7, 2}, {33, 5}, {4, 1025}}, Reduction.values(), new Boolean[] {false, true},
                    new Double[] {0.0, 0.3});
        }

        @ParameterizedTest(name = "{0}x{1} {2} weighted={3} smoothing={4}")
        @MethodSource("targetOptions")
        void probabilityTargetsMatchPyTorch(int n, int c, Reduction red, boolean weighted, double eps) {
            Rng rng = Rng.fresh();
            float[] z = rng.normal(n * c, 3);
            float[] t = rng.distributions(n, c);
            float[] w = weighted ? rng.uniform(c, 0.2, 2.0) : null;
            CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red).withClassWeights(w)
                    .withLabelSmoothing(eps);
            LossResult r = sx.crossEntropyWithTargets(z, n, c, t, o, poisoned(n * c), poisoned(n * c));
            checkAgainst(Oracle.crossEntropyTargets(z, n, c, t, w, eps, red), r, n + "x" + c + " " + o + " " + rng);
        }

        @Test
        void maskedClassesFollowPyTorch() {
            Rng rng = Rng.fresh();
            int n = 20;
            int c = 40;
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            for (int i = 0; i < n * c; i++) {
                if (i % c != y[i / c] && rng.nextBoolean()) {
                    z[i] = Float.NEGATIVE_INFINITY;
                }
            }
            // Without smoothing the loss stays finite; with it, −log p of a masked class is +inf, as in PyTorch.
            for (double eps : new double[] {0.0, 0.1}) {
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withLabelSmoothing(eps);
                checkLabels(z, n, c, y, o, Oracle.crossEntropy(z, n, c, y, null, -100, eps, Reduction.MEAN),
                        "masked, smoothing " + eps + " " + rng);
            }
        }

        /**
         * An ignored row of −inf logits: its softmax is NaN, and so is its gradient, as PyTorch's
         * log-softmax backward (g − exp(out)·Σg, g = 0) makes it; other ignored rows' gradients are 0,
         * and the loss is that of the rows not ignored.
         */
        @Test
        void anIgnoredRowOfMinusInfinityHasTheNaNGradientPyTorchGives() {
            Rng rng = Rng.fresh();
            int n = 6;
            int c = 4 + rng.nextInt(0, 40);
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            int masked = rng.nextInt(0, n);
            int other = (masked + 1) % n;
            Arrays.fill(z, masked * c, masked * c + c, Float.NEGATIVE_INFINITY);
            y[masked] = -100;
            y[other] = -100;
            for (double eps : new double[] {0.0, 0.2}) {
                for (Reduction red : Reduction.values()) {
                    String what = "smoothing " + eps + ", " + red + ", row " + masked + " " + rng;
                    LossResult r = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withLabelSmoothing(eps)
                            .withReduction(red), new float[n * c], new float[n * c]);
                    for (int j = 0; j < c; j++) {
                        assertTrue(Float.isNaN(r.probs()[masked * c + j]), "probs " + what);
                        assertTrue(Float.isNaN(r.gradLogits()[masked * c + j]), "gradient " + what);
                        assertEquals(0f, r.gradLogits()[other * c + j], 0f, "the other ignored row " + what);
                    }
                    float[] kept = z.clone();
                    Arrays.fill(kept, masked * c, masked * c + c, 0f);
                    LossResult plain = sx.crossEntropy(kept, n, c, y, CrossEntropyOptions.defaults()
                            .withLabelSmoothing(eps).withReduction(red));
                    if (red != Reduction.NONE) {
                        assertEquals(plain.loss(), r.loss(), 1e-6 * Math.abs(plain.loss()), "loss " + what);
                    }
                }
            }
        }

        @Test
        void sumIsTheDivisorTimesTheMeanAndNoneAddsUpToSum() {
            Rng rng = Rng.fresh();
            int n = 50;
            int c = 17;
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            for (boolean weighted : new boolean[] {false, true}) {
                float[] w = weighted ? rng.uniform(c, 0.5, 1.5) : null;
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withClassWeights(w).withLabelSmoothing(0.05);
                LossResult mean = sx.crossEntropy(z, n, c, y, o);
                LossResult sum = sx.crossEntropy(z, n, c, y, o.withReduction(Reduction.SUM));
                LossResult none = sx.crossEntropy(z, n, c, y, o.withReduction(Reduction.NONE));
                double divisor = 0;
                for (int label : y) {
                    divisor += w == null ? 1 : w[label];
                }
                String what = (weighted ? "weighted, " : "unweighted, ") + rng;
                assertClose(sum.loss(), divisor * mean.loss(), 1e-6, "sum = divisor x mean, " + what);
                double total = 0;
                for (float l : none.losses()) {
                    total += l;
                }
                assertClose(sum.loss(), total, 1e-6, "none adds up to sum, " + what);
                assertClose(sum.gradLogits(), none.gradLogits(), 1e-6, "none's gradient is sum's, " + what);
                float[] scaled = mean.gradLogits().clone();
                for (int i = 0; i < scaled.length; i++) {
                    scaled[i] *= (float) divisor;
                }
                assertClose(sum.gradLogits(), scaled, 1e-5, "sum's gradient = divisor x mean's, " + what);
            }
        }

        @Test
        void ignoredRowsContributeExactlyNothing() {
            Rng rng = Rng.fresh();
            int n = 40;
            int c = 12;
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            int ignore = -1;
            boolean[] ignored = new boolean[n];
            int kept = 0;
            for (int r = 0; r < n; r++) {
                ignored[r] = r % 4 == 1;
                if (ignored[r]) {
                    y[r] = ignore;
                } else {
                    kept++;
                }
            }
            float[] zKept = new float[kept * c];
            int[] yKept = new int[kept];
            for (int r = 0, k = 0; r < n; r++) {
                if (!ignored[r]) {
                    System.arraycopy(z, r * c, zKept, k * c, c);
                    yKept[k++] = y[r];
                }
            }
            for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red).withIgnoreIndex(ignore)
                        .withClassWeights(rng.uniform(c, 0.5, 2)).withLabelSmoothing(0.2);
                LossResult all = sx.crossEntropy(z, n, c, y, o);
                LossResult sub = sx.crossEntropy(zKept, kept, c, yKept, o);
                String what = red + ", " + rng;
                assertClose(sub.loss(), all.loss(), 1e-6, "loss without the ignored rows, " + what);
                for (int r = 0, k = 0; r < n; r++) {
                    float[] row = Arrays.copyOfRange(all.gradLogits(), r * c, r * c + c);
                    if (ignored[r]) {
                        assertArrayEquals(new float[c], row, "ignored row " + r + " has a zero gradient, " + what);
                    } else {
                        assertClose(Arrays.copyOfRange(sub.gradLogits(), k * c, k * c + c), row, 1e-6,
                                "row " + r + ", " + what);
                        k++;
                    }
                }
            }
        }

        @Test
        void allRowsIgnoredGiveANaNMeanAndAZeroGradientAsInPyTorch() {
            int n = 3;
            int c = 4;
            float[] z = Rng.fresh().normal(n * c, 1);
            int[] y = {-100, -100, -100};
            LossResult mean = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), poisoned(n * c), null);
            assertTrue(Double.isNaN(mean.loss()), "0/0 mean");
            assertArrayEquals(new float[n * c], mean.gradLogits());
            assertEquals(0.0, sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults()
                    .withReduction(Reduction.SUM)).loss());
        }

        /**
         * Rows not ignored that all weigh 0: PyTorch's mean is 0/0, NaN, with NaN in each such row's
         * gradient, with label smoothing too (whose own term over the same divisor gave ±∞), and the
         * classifier alike; an ignored row's gradient stays 0.
         */
        @Test
        void aMeanOverRowsThatAllWeighNothingIsNaNWithSmoothingToo() {
            Rng rng = Rng.fresh();
            int n = 4;
            int c = 3;
            float[] z = rng.normal(n * c, 1);
            int[] y = {0, 0, -100, 0};
            float[] w = {0, 1, 2};
            for (double eps : new double[] {0, 0.2, 1}) {
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withClassWeights(w).withLabelSmoothing(eps);
                LossResult mean = sx.crossEntropy(z, n, c, y, o, poisoned(n * c), null);
                String what = "smoothing " + eps + ", " + rng;
                assertTrue(Double.isNaN(mean.loss()), "0/0 mean, " + what + ": " + mean.loss());
                for (int r = 0; r < n; r++) {
                    for (int j = 0; j < c; j++) {
                        float g = mean.gradLogits()[r * c + j];
                        assertTrue(r == 2 ? g == 0 : Float.isNaN(g), "row " + r + " class " + j + ": " + g + ", " + what);
                    }
                }
                // The sum stays a sum: finite.
                assertTrue(Double.isFinite(sx.crossEntropy(z, n, c, y, o.withReduction(Reduction.SUM)).loss()), what);
                float[] eye = {1, 0, 0, 0, 1, 0, 0, 0, 1};
                ClassifierResult linear = sx.classifier(z, eye, null, y, n, c, c,
                        ClassifierOptions.defaults().withCrossEntropy(o));
                assertTrue(Double.isNaN(linear.loss()), "the classifier's 0/0 mean, " + what + ": " + linear.loss());
            }
        }

        @Test
        void gradientsAgreeWithTheNumericalCheck() {
            Rng rng = Rng.fresh();
            try (Softxent reference = Softxent.openReference()) {
                int n = 6;
                int c = 9;
                float[] z = rng.normal(n * c, 2);
                int[] y = rng.labels(n, c);
                y[2] = 4;
                float[] w = rng.uniform(c, 0.5, 1.5);
                float[] t = rng.distributions(n, c);
                for (Reduction red : Reduction.values()) {
                    CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red).withClassWeights(w)
                            .withIgnoreIndex(4).withLabelSmoothing(0.15);
                    CrossEntropyOptions scalar = scalarOf(o);
                    assertGradient(zz -> reference.crossEntropy(zz, n, c, y, scalar, null, null).loss(), z,
                            sx.crossEntropy(z, n, c, y, o).gradLogits(), "labels " + o + " " + rng);
                    CrossEntropyOptions soft = o.withIgnoreIndex(CrossEntropyOptions.DEFAULT_IGNORE_INDEX);
                    CrossEntropyOptions softScalar = scalarOf(soft);
                    assertGradient(zz -> reference.crossEntropyWithTargets(zz, n, c, t, softScalar, null, null).loss(),
                            z, sx.crossEntropyWithTargets(z, n, c, t, soft).gradLogits(), "targets " + soft + " " + rng);
                }
            }
        }

        /**
         * Rows whose label leads the rest by 8 to 20 (p_y from 1 − 3e-4 to 1 − 2e-9): the loss −log
         * p_y and the gradient p_y − 1 are tiny, and keep their relative accuracy, however confident
         * the whole batch is. Formed from p_y or from the softmax sum in float, both would lose it.
         */
        @Test
        void confidentRowsKeepTheirTinyLossesAndGradients() {
            Rng rng = Rng.fresh();
            for (int[] s : new int[][] {{16, 2}, {16, 33}, {8, 1500}, {2, 40_000}}) {
                int n = s[0];
                int c = s[1];
                float[] z = rng.normal(n * c, 1);
                int[] y = rng.labels(n, c);
                float[] t = new float[n * c];
                for (int r = 0; r < n; r++) {
                    float top = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) {
                        top = Math.max(top, z[r * c + j]);
                    }
                    z[r * c + y[r]] = top + (float) (8 + 12 * rng.nextDouble());
                    t[r * c + y[r]] = 1f;
                }
                for (Reduction red : Reduction.values()) {
                    CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(red);
                    String what = "confident " + n + "x" + c + " " + red + " " + rng;
                    checkLabels(z, n, c, y, o, Oracle.crossEntropy(z, n, c, y, null, -100, 0, red), what);
                    checkAgainst(Oracle.crossEntropyTargets(z, n, c, t, null, 0, red),
                            sx.crossEntropyWithTargets(z, n, c, t, o, poisoned(n * c), poisoned(n * c)),
                            "one-hot targets, " + what);
                }
                float[] lp = sx.logSoftmax(z, n, c, poisoned(n * c));
                double[] refLp = Oracle.logSoftmax(org.softxent.testing.Close.toDoubles(z), n, c);
                for (int r = 0; r < n; r++) {
                    int i = r * c + y[r];
                    assertClose(refLp[i], lp[i], LOGITS, "log p of row " + r + "'s label, " + c + " classes " + rng);
                }
            }
        }

        private void checkLabels(float[] z, int n, int c, int[] y, CrossEntropyOptions o, Oracle.Loss ref, String what) {
            float[] grad = poisoned(n * c);
            float[] probs = poisoned(n * c);
            checkAgainst(ref, sx.crossEntropy(z, n, c, y, o, grad, probs), what);
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class SoftmaxBackwardAndJacobian {
        /** Near one-hot probabilities: g − Σ p·g is a tiny difference of large terms, and keeps its accuracy. */
        @Test
        void confidentRowsKeepTheirTinyBackward() {
            Rng rng = Rng.fresh();
            for (int c : new int[] {2, 40, 3000}) {
                int n = 6;
                float[] z = rng.normal(n * c, 1);
                for (int r = 0; r < n; r++) {
                    z[r * c + rng.nextInt(0, c)] += (float) (12 + 6 * rng.nextDouble());
                }
                float[] p = sx.softmax(z, n, c);
                float[] g = rng.normal(n * c, 1);
                double[] expected = new double[n * c];
                for (int r = 0; r < n; r++) {
                    double dot = 0;
                    for (int j = 0; j < c; j++) {
                        dot += (double) g[r * c + j] * p[r * c + j];
                    }
                    for (int j = 0; j < c; j++) {
                        expected[r * c + j] = p[r * c + j] * (g[r * c + j] - dot);
                    }
                }
                assertClose(expected, sx.softmaxBackward(p, g, n, c, poisoned(n * c)), LOGITS,
                        "confident backward, " + c + " classes " + rng);
            }
        }

        @Test
        void backwardMatchesTheOracleAndTheJacobianProduct() {
            Rng rng = Rng.fresh();
            for (int[] s : new int[][] {{1, 1}, {5, 2}, {8, 31}, {4, 33}, {3, 200}}) {
                int n = s[0];
                int c = s[1];
                float[] z = rng.normal(n * c, 2);
                float[] p = sx.softmax(z, n, c);
                float[] g = rng.normal(n * c, 1);
                float[] dz = sx.softmaxBackward(p, g, n, c, poisoned(n * c));
                double[] expected = new double[n * c];
                for (int r = 0; r < n; r++) {
                    double dot = 0;
                    for (int j = 0; j < c; j++) {
                        dot += (double) g[r * c + j] * p[r * c + j];
                    }
                    for (int j = 0; j < c; j++) {
                        expected[r * c + j] = p[r * c + j] * (g[r * c + j] - dot);
                    }
                }
                String what = n + "x" + c + " " + rng;
                assertClose(expected, dz, LOGITS, "backward " + what);

                float[] jac = sx.softmaxJacobian(z, n, c, poisoned(n * c * c));
                double[] viaJacobian = new double[n * c];
                for (int r = 0; r < n; r++) {
                    for (int j = 0; j < c; j++) {
                        double s2 = 0;
                        for (int i = 0; i < c; i++) {
                            s2 += (double) jac[r * c * c + i * c + j] * g[r * c + i];
                        }
                        viaJacobian[r * c + j] = s2;
                    }
                }
                assertClose(viaJacobian, dz, 1e-4, "backward = Jᵀg " + what);
            }
        }

        @Test
        void jacobianMatchesItsDefinition() {
            Rng rng = Rng.fresh();
            int n = 5;
            int c = 7;
            float[] z = rng.normal(n * c, 2);
            z[3] = Float.NEGATIVE_INFINITY;
            double[] p = Oracle.softmax(z, n, c);
            double[] expected = new double[n * c * c];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < c; i++) {
                    for (int j = 0; j < c; j++) {
                        expected[r * c * c + i * c + j] = p[r * c + i] * ((i == j ? 1 : 0) - p[r * c + j]);
                    }
                }
            }
            assertClose(expected, sx.softmaxJacobian(z, n, c), LOGITS, "Jacobian " + rng);
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class BinaryCrossEntropy {
        static Stream<Arguments> options() {
            return grid(new int[][] {{1, 1}, {64, 1}, {9, 5}, {3, 1000}}, Reduction.values(), new Boolean[] {false, true});
        }

        @ParameterizedTest(name = "{0}x{1} {2} posWeight={3}")
        @MethodSource("options")
        void matchesPyTorch(int n, int k, Reduction red, boolean weighted) {
            Rng rng = Rng.fresh();
            float[] x = rng.normal(n * k, 4);
            float[] t = rng.uniform(n * k, 0, 1);
            for (int i = 0; i < t.length; i += 2) {
                t[i] = Math.round(t[i]);
            }
            float[] pw = weighted ? rng.uniform(k, 0.5, 3) : null;
            BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(red).withPosWeight(pw);
            LossResult r = sx.binaryCrossEntropy(x, t, n, k, o, poisoned(n * k), poisoned(n * k));
            checkAgainst(Oracle.binaryCrossEntropy(x, t, n, k, pw, red), r, n + "x" + k + " " + o + " " + rng);
        }

        /** Logits of 15 to 30 on the side of their target: losses of 1e-7 to 1e-13 and their gradients survive. */
        @Test
        void confidentLogitsKeepTheirTinyLossesAndGradients() {
            Rng rng = Rng.fresh();
            int n = 40;
            int k = 3;
            float[] x = new float[n * k];
            float[] t = new float[n * k];
            for (int i = 0; i < x.length; i++) {
                boolean positive = rng.nextBoolean();
                t[i] = positive ? 1f : 0f;
                x[i] = (float) ((positive ? 1 : -1) * (15 + 15 * rng.nextDouble()));
            }
            float[] pw = rng.uniform(k, 0.5, 3);
            for (Reduction red : Reduction.values()) {
                BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(red).withPosWeight(pw);
                checkAgainst(Oracle.binaryCrossEntropy(x, t, n, k, pw, red),
                        sx.binaryCrossEntropy(x, t, n, k, o, poisoned(n * k), poisoned(n * k)),
                        "confident " + red + " " + rng);
            }
        }

        @Test
        void isStableForLargeLogits() {
            float[] x = {-1e4f, -100f, -30f, 0f, 30f, 100f, 1e4f, 88.7f};
            float[] t = {1f, 1f, 0f, 0.5f, 0f, 1f, 0f, 0.25f};
            LossResult r = sx.binaryCrossEntropy(x, t, 1, x.length,
                    BinaryCrossEntropyOptions.defaults().withReduction(Reduction.NONE), poisoned(8), poisoned(8));
            Oracle.Loss ref = Oracle.binaryCrossEntropy(x, t, 1, x.length, null, Reduction.NONE);
            assertClose(ref.losses(), r.losses(), LOGITS, "losses");
            assertClose(ref.grad(), r.gradLogits(), LOGITS, "gradient");
            assertClose(ref.probs(), r.probs(), LOGITS, "sigmoid");
            assertEquals(1e4, r.losses()[0], 1e-1, "−log σ(−1e4) = 1e4");
        }

        @Test
        void gradientsAgreeWithTheNumericalCheck() {
            Rng rng = Rng.fresh();
            try (Softxent reference = Softxent.openReference()) {
                int n = 5;
                int k = 4;
                float[] x = rng.normal(n * k, 2);
                float[] t = rng.uniform(n * k, 0, 1);
                for (Reduction red : Reduction.values()) {
                    BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(red)
                            .withPosWeight(rng.uniform(k, 0.5, 3));
                    // For none, the gradient is that of the sum: differentiate the sum, in double.
                    BinaryCrossEntropyOptions scalar = red == Reduction.NONE ? o.withReduction(Reduction.SUM) : o;
                    assertGradient(xx -> reference.binaryCrossEntropy(xx, t, n, k, scalar, null, null).loss(), x,
                            sx.binaryCrossEntropy(x, t, n, k, o).gradLogits(), o + " " + rng);
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class Classifier {
        static Stream<Arguments> shapes() {
            return grid(new int[][] {{1, 1, 1}, {7, 3, 2}, {64, 20, 10}, {33, 17, 65}, {300, 40, 5}},
                    new Boolean[] {false, true}, new Double[] {0.0, 0.01});
        }

        @ParameterizedTest(name = "{0}x{1}x{2} bias={3} reg={4}")
        @MethodSource("shapes")
        void matchesTheOracle(int n, int d, int c, boolean bias, double reg) {
            Rng rng = Rng.fresh();
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 0.3);
            float[] b = bias ? rng.normal(c, 0.1) : null;
            int[] y = rng.labels(n, c);
            Oracle.Classifier ref = Oracle.classifier(x, w, b, y, n, d, c, reg, null, -100, 0, Reduction.MEAN);
            float[] gw = poisoned(d * c);
            float[] gb = bias ? poisoned(c) : null;
            float[] gx = poisoned(n * d);
            ClassifierResult r = sx.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults().withReg(reg), gw, gb, gx);
            String what = n + "x" + d + "x" + c + (bias ? " with b" : "") + " reg " + reg + " " + rng;
            assertClose(ref.loss(), r.loss(), CLASSIFIER, "loss " + what);
            assertClose(ref.gradW(), gw, CLASSIFIER, "dW " + what);
            if (bias) {
                // db is a mean of p − y per class, which may cancel to near zero (seen: |db| 9e-5
                // on 7 rows, a float engine's rounding 1.5e-8): compared against the terms' scale.
                assertClose(ref.gradB(), gb, CLASSIFIER, 1.0 / Math.sqrt(n), "db " + what);
            }
            assertClose(ref.gradX(), gx, CLASSIFIER, "dX " + what);
            assertSame(gw, r.gradW());
            assertSame(gx, r.gradX());
        }

        @Test
        void takesTheCrossEntropyOptions() {
            Rng rng = Rng.fresh();
            int n = 30;
            int d = 8;
            int c = 6;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 0.3);
            float[] b = rng.normal(c, 0.1);
            int[] y = rng.labels(n, c);
            y[0] = 2;
            float[] cw = rng.uniform(c, 0.5, 2);
            for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                CrossEntropyOptions ce = CrossEntropyOptions.defaults().withReduction(red).withClassWeights(cw)
                        .withIgnoreIndex(2).withLabelSmoothing(0.1);
                Oracle.Classifier ref = Oracle.classifier(x, w, b, y, n, d, c, 0.1, cw, 2, 0.1, red);
                ClassifierResult r = sx.classifier(x, w, b, y, n, d, c,
                        ClassifierOptions.defaults().withReg(0.1).withCrossEntropy(ce),
                        poisoned(d * c), poisoned(c), poisoned(n * d));
                String what = ce + " " + rng;
                assertClose(ref.loss(), r.loss(), CLASSIFIER, "loss " + what);
                assertClose(ref.gradW(), r.gradW(), CLASSIFIER, "dW " + what);
                assertClose(ref.gradB(), r.gradB(), CLASSIFIER, "db " + what);
                assertClose(ref.gradX(), r.gradX(), CLASSIFIER, "dX " + what);
            }
        }

        @Test
        void computesOnlyTheGradientsAskedFor() {
            Rng rng = Rng.fresh();
            int n = 10;
            int d = 4;
            int c = 3;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 0.3);
            float[] b = rng.normal(c, 0.1);
            int[] y = rng.labels(n, c);
            ClassifierResult usual = sx.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults());
            assertNull(usual.gradX(), "dX is not computed unless asked for");
            assertEquals(c, usual.gradB().length);
            ClassifierResult lossOnly = sx.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults(),
                    null, null, null);
            assertNull(lossOnly.gradW());
            assertEquals(usual.loss(), lossOnly.loss(), 1e-6 * Math.abs(usual.loss()), rng.toString());
            assertNull(sx.classifier(x, w, null, y, n, d, c, ClassifierOptions.defaults()).gradB(), "no bias, no db");
        }

        @Test
        void gradientsAgreeWithTheNumericalCheck() {
            Rng rng = Rng.fresh();
            try (Softxent reference = Softxent.openReference()) {
                int n = 7;
                int d = 5;
                int c = 4;
                float[] x = rng.normal(n * d, 1);
                float[] w = rng.normal(d * c, 0.5);
                float[] b = rng.normal(c, 0.2);
                int[] y = rng.labels(n, c);
                ClassifierOptions o = ClassifierOptions.defaults().withReg(0.05);
                ClassifierResult r = sx.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c],
                        new float[n * d]);
                assertGradient(ww -> reference.classifier(x, ww, b, y, n, d, c, o, null, null, null).loss(), w,
                        r.gradW(), "dW " + rng);
                assertGradient(bb -> reference.classifier(x, w, bb, y, n, d, c, o, null, null, null).loss(), b,
                        r.gradB(), "db " + rng);
                assertGradient(xx -> reference.classifier(xx, w, b, y, n, d, c, o, null, null, null).loss(), x,
                        r.gradX(), "dX " + rng);
            }
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class BinaryClassifier {
        static Stream<Arguments> shapes() {
            return grid(new int[][] {{1, 1, 1}, {9, 3, 1}, {64, 20, 4}, {33, 17, 65}, {300, 40, 1}},
                    new Boolean[] {false, true}, new Double[] {0.0, 0.01}, new Boolean[] {false, true});
        }

        @ParameterizedTest(name = "{0}x{1}x{2} bias={3} reg={4} posWeight={5}")
        @MethodSource("shapes")
        void matchesTheOracle(int n, int d, int k, boolean bias, double reg, boolean weighted) {
            Rng rng = Rng.fresh();
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * k, 0.3);
            float[] b = bias ? rng.normal(k, 0.1) : null;
            float[] t = rng.uniform(n * k, 0, 1);
            float[] pw = weighted ? rng.uniform(k, 0.5, 3) : null;
            for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                Oracle.Classifier ref = Oracle.binaryClassifier(x, w, b, t, n, d, k, reg, pw, red);
                BinaryCrossEntropyOptions bce = BinaryCrossEntropyOptions.defaults().withReduction(red);
                BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(reg)
                        .withBinaryCrossEntropy(weighted ? bce.withPosWeight(pw) : bce);
                float[] gw = poisoned(d * k);
                float[] gb = bias ? poisoned(k) : null;
                float[] gx = poisoned(n * d);
                ClassifierResult r = sx.binaryClassifier(x, w, b, t, n, d, k, o, gw, gb, gx);
                String what = n + "x" + d + "x" + k + (bias ? " with b" : "") + " " + o + " " + rng;
                assertClose(ref.loss(), r.loss(), CLASSIFIER, "loss " + what);
                assertClose(ref.gradW(), gw, CLASSIFIER, "dW " + what);
                if (bias) {
                    assertClose(ref.gradB(), gb, CLASSIFIER, "db " + what);
                }
                assertClose(ref.gradX(), gx, CLASSIFIER, "dX " + what);
                assertSame(gw, r.gradW());
            }
        }

        @Test
        void computesOnlyTheGradientsAskedFor() {
            Rng rng = Rng.fresh();
            int n = 10;
            int d = 4;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d, 0.3);
            float[] b = rng.normal(1, 0.1);
            float[] t = rng.uniform(n, 0, 1);
            BinaryClassifierOptions o = BinaryClassifierOptions.defaults();
            ClassifierResult usual = sx.binaryClassifier(x, w, b, t, n, d, 1, o);
            assertNull(usual.gradX(), "dX is not computed unless asked for");
            assertEquals(1, usual.gradB().length);
            ClassifierResult lossOnly = sx.binaryClassifier(x, w, b, t, n, d, 1, o, null, null, null);
            assertNull(lossOnly.gradW());
            assertEquals(usual.loss(), lossOnly.loss(), 1e-6 * Math.abs(usual.loss()), rng.toString());
            assertNull(sx.binaryClassifier(x, w, null, t, n, d, 1, o).gradB(), "no bias, no db");
        }

        @Test
        void gradientsAgreeWithTheNumericalCheck() {
            Rng rng = Rng.fresh();
            try (Softxent reference = Softxent.openReference()) {
                int n = 8;
                int d = 5;
                int k = 3;
                float[] x = rng.normal(n * d, 1);
                float[] w = rng.normal(d * k, 0.5);
                float[] b = rng.normal(k, 0.2);
                float[] t = rng.uniform(n * k, 0, 1);
                BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(0.05).withBinaryCrossEntropy(
                        BinaryCrossEntropyOptions.defaults().withPosWeight(rng.uniform(k, 0.5, 3)));
                ClassifierResult r = sx.binaryClassifier(x, w, b, t, n, d, k, o, new float[d * k], new float[k],
                        new float[n * d]);
                assertGradient(ww -> reference.binaryClassifier(x, ww, b, t, n, d, k, o, null, null, null).loss(),
                        w, r.gradW(), "dW " + rng);
                assertGradient(bb -> reference.binaryClassifier(x, w, bb, t, n, d, k, o, null, null, null).loss(),
                        b, r.gradB(), "db " + rng);
                assertGradient(xx -> reference.binaryClassifier(xx, w, b, t, n, d, k, o, null, null, null).loss(),
                        x, r.gradX(), "dX " + rng);
            }
        }
    }

    // -------------------------------------------------------------------------------------------

    /**
     * The classifiers' predictions and the forward pass: the argmax of X·W + b (the lowest index on
     * a tie) from the same pass as the loss, and softmax(X·W + b) as the engine's softmax gives it.
     */
    @Nested
    class Predictions {
        /** X·W + b in double. */
        double[] logits(float[] x, float[] w, float[] b, int n, int d, int c) {
            double[] z = new double[n * c];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    double v = b == null ? 0 : b[j];
                    for (int k = 0; k < d; k++) {
                        v += (double) x[i * d + k] * w[k * c + j];
                    }
                    z[i * c + j] = v;
                }
            }
            return z;
        }

        /** Each prediction is a largest logit, within the products' float rounding. */
        void assertArgmax(double[] z, int n, int c, int[] predicted, String what) {
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double scale = 0;
                for (int j = 0; j < c; j++) {
                    max = Math.max(max, z[i * c + j]);
                    scale = Math.max(scale, Math.abs(z[i * c + j]));
                }
                int p = predicted[i];
                assertTrue(p >= 0 && p < c && z[i * c + p] >= max - 1e-5 * Math.max(1, scale),
                        what + ": row " + i + " predicted " + p + " (logit " + (p >= 0 && p < c ? z[i * c + p] : "-")
                                + ", the max " + max + ")");
            }
        }

        @Test
        void theClassifiersPredictionsAreTheArgmaxOfItsLogits() {
            Rng rng = Rng.fresh();
            for (int[] shape : new int[][] {{1, 3, 2}, {37, 9, 10}, {70, 5, 33}, {4, 3, 1025}}) {
                int n = shape[0];
                int d = shape[1];
                int c = shape[2];
                float[] x = rng.normal(n * d, 1);
                float[] w = rng.normal(d * c, 1);
                float[] b = rng.normal(c, 1);
                int[] y = rng.labels(n, c);
                int[] predicted = new int[n];
                Arrays.fill(predicted, -7);
                ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
                ClassifierResult r = sx.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c], null,
                        predicted);
                assertSame(predicted, r.predicted());
                assertArgmax(logits(x, w, b, n, d, c), n, c, predicted, n + "x" + d + "x" + c + " " + rng);
                ClassifierResult plain = sx.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c], null);
                assertEquals(plain.loss(), r.loss(), 0, "the loss is the same with predictions " + rng);
                assertNull(plain.predicted());
            }
            // Every logit equal: the lowest index, class 0, on every row and engine.
            int n = 40;
            int[] ties = new int[n];
            Arrays.fill(ties, 5);
            sx.classifier(rng.normal(n * 3, 1), new float[3 * 7], new float[7], rng.labels(n, 7), n, 3, 7,
                    ClassifierOptions.defaults(), null, null, null, ties);
            assertArrayEquals(new int[n], ties, "ties go to the lowest index " + rng);
        }

        @Test
        void theBinaryClassifiersPredictionsAreThePositiveLogits() {
            Rng rng = Rng.fresh();
            int n = 45;
            int d = 6;
            int k = 3;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * k, 1);
            float[] b = rng.normal(k, 1);
            int[] predicted = new int[n * k];
            Arrays.fill(predicted, -1);
            sx.binaryClassifier(x, w, b, rng.uniform(n * k, 0, 1), n, d, k, BinaryClassifierOptions.defaults(),
                    new float[d * k], null, null, predicted);
            double[] z = logits(x, w, b, n, d, k);
            for (int i = 0; i < n * k; i++) {
                if (Math.abs(z[i]) > 1e-5) {
                    assertEquals(z[i] > 0 ? 1 : 0, predicted[i], "element " + i + ", logit " + z[i] + " " + rng);
                }
            }
        }

        @Test
        void theForwardPassGivesTheSoftmaxAndTheArgmax() {
            Rng rng = Rng.fresh();
            for (int[] shape : new int[][] {{1, 1, 2}, {50, 7, 10}, {9, 20, 1100}}) {
                int n = shape[0];
                int d = shape[1];
                int c = shape[2];
                float[] x = rng.normal(n * d, 1);
                float[] w = rng.normal(d * c, 0.7);
                float[] b = rng.normal(c, 0.5);
                float[] probs = poisoned(n * c);
                int[] predicted = new int[n];
                assertSame(probs, sx.linearSoftmax(x, w, b, n, d, c, probs, predicted));
                double[] z = logits(x, w, b, n, d, c);
                float[] zf = new float[z.length];
                for (int i = 0; i < z.length; i++) {
                    zf[i] = (float) z[i];
                }
                assertClose(Oracle.softmax(zf, n, c), probs, CLASSIFIER, n + "x" + d + "x" + c + " " + rng);
                assertArgmax(z, n, c, predicted, n + "x" + d + "x" + c + " " + rng);
                float[] only = poisoned(n * c);
                sx.linearSoftmax(x, w, null, n, d, c, only, null);
                double[] zb = logits(x, w, null, n, d, c);
                float[] zbf = new float[zb.length];
                for (int i = 0; i < zb.length; i++) {
                    zbf[i] = (float) zb[i];
                }
                assertClose(Oracle.softmax(zbf, n, c), only, CLASSIFIER, "no bias " + rng);
            }
            // Logits of 1e17 and more, all equal: an even share, never 1 for each.
            int n = 3;
            float[] w = new float[2 * 4];
            Arrays.fill(w, 1e17f);
            float[] probs = sx.linearSoftmax(rng.uniform(n * 2, 1, 2), w, null, n, 2, 4, new float[n * 4], null);
            for (float p : probs) {
                assertEquals(0.25f, p, 1e-6f, rng.toString());
            }
        }

        /**
         * Logits past float's range in the float products: the predictions alone are those of the
         * logits in double (the largest, never the first of equal infinities), on every engine.
         */
        @Test
        void predictionsFromLogitsPastFloatsRangeAreTheExactArgmax() {
            Rng rng = Rng.fresh();
            int n = 3;
            int d = 2;
            int c = 4;
            float scale = 1e19f * (1 + rng.uniform(1, 0, 1)[0]);
            float[] w = new float[d * c];
            for (int k = 0; k < c; k++) {
                w[k] = (k + 1) * scale;          // row 0 of W: x·w beyond float's range for a large x
                w[c + k] = (float) rng.normal(1, 1)[0];
            }
            // Row 0: every logit +inf in float, class 3 the largest; row 1: every one −inf, class 0
            // the largest; row 2: finite, class 3.
            float[] x = {1e20f, 0f, -1e20f, 0f, 1f, 0f};
            int[] expected = {3, 0, 3};
            int[] predicted = new int[n];
            Arrays.fill(predicted, -1);
            sx.linearSoftmax(x, w, null, n, d, c, null, predicted);
            assertArrayEquals(expected, predicted, "predictions alone " + rng);
            Arrays.fill(predicted, -1);
            float[] probs = sx.linearSoftmax(x, w, null, n, d, c, new float[n * c], predicted);
            assertArrayEquals(expected, predicted, "with the probabilities " + rng);
            assertEquals(1f, probs[3], 0f, rng.toString());
            assertEquals(1f, probs[c], 0f, rng.toString());
        }

        /**
         * Logits whose x·w is within float's range but whose x·w + b is not (row 0: classes 0 and 1
         * both past it, class 1 the larger in double), and x·w past it below (row 1: class 0's
         * −inf in float is an overflow, not a masked class): every engine gives the double
         * answer (the predictions, the probabilities, and a finite loss where the label's logit is
         * the overflowed one), not the first of equal infinities or a masked class.
         */
        @Test
        void logitsPastFloatsRangeOnlyWithTheBiasAreTheExactOnes() {
            Rng rng = Rng.fresh();
            int n = 2;
            int d = 1;
            int c = 3;
            float jitter = 1 + rng.uniform(1, 0, 0.1f)[0];
            float[] w = {2.0e38f * jitter, 2.5e38f * jitter, 1f};
            float[] b = {1.5e38f, 2.0e38f, 0f};
            float[] x = {1f, -1f};
            // Row 0: x·w + b = 2e38·j + 1.5e38 and 2.5e38·j + 2e38 in double, both past float's
            // range (class 1); row 1: about −0.5e38, −0.5e38 and −1, all finite (class 2).
            int[] expected = {1, 2};
            int[] predicted = new int[n];
            Arrays.fill(predicted, -1);
            sx.linearSoftmax(x, w, b, n, d, c, null, predicted);
            assertArrayEquals(expected, predicted, "predictions alone " + rng);
            Arrays.fill(predicted, -1);
            float[] probs = sx.linearSoftmax(x, w, b, n, d, c, new float[n * c], predicted);
            assertArrayEquals(expected, predicted, "with the probabilities " + rng);
            assertEquals(1f, probs[1], 0f, "row 0's probabilities " + Arrays.toString(probs) + " " + rng);
            assertEquals(0f, probs[0], 0f, "row 0's probabilities " + Arrays.toString(probs) + " " + rng);

            // The loss with row 0's label at class 0, e^(−(4.5 − 3.5)e38·j): a loss of 1e38·j
            // in double, not infinite or NaN.
            ClassifierResult r = sx.classifier(x, w, b, new int[] {0, 2}, n, d, c, ClassifierOptions.defaults());
            double exact = ((2.5e38 - 2.0e38) * jitter + (2.0e38 - 1.5e38)) / 2; // row 1's loss is ~0
            assertEquals(exact, r.loss(), exact * 1e-5, "loss " + rng);
            for (float g : r.gradW()) {
                assertTrue(Float.isFinite(g), "dW " + Arrays.toString(r.gradW()) + " " + rng);
            }

            // No bias, x·w past float's range below for one class only: an overflow, not a mask.
            float[] x2 = {2f};
            float[] w2 = {-2.0e38f * jitter, 1f, 0f};
            ClassifierResult masked = sx.classifier(x2, w2, null, new int[] {0}, 1, 1, c,
                    ClassifierOptions.defaults());
            double exact2 = 4.0e38 * jitter + 2 + Math.log1p(Math.exp(-2));
            assertEquals(exact2, masked.loss(), exact2 * 1e-5, "no bias: loss " + rng);
        }

        @Test
        void predictionOutputsOfTheWrongSizeAreRefused() {
            float[] x = new float[6];
            float[] w = new float[6];
            ShapeMismatchException e = org.junit.jupiter.api.Assertions.assertThrows(ShapeMismatchException.class,
                    () -> sx.linearSoftmax(x, w, null, 2, 3, 2, null, new int[3]));
            assertTrue(e.getMessage().contains("predictedOut must have length rows = 2"), e.getMessage());
            NullPointerException none = org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
                    () -> sx.linearSoftmax(x, w, null, 2, 3, 2, null, null));
            assertTrue(none.getMessage().contains("nothing to compute"), none.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(ShapeMismatchException.class, () -> sx.classifier(x, w,
                    null, new int[2], 2, 3, 2, ClassifierOptions.defaults(), null, null, null, new int[1]));
            assertTrue(e.getMessage().contains("predictedOut"), e.getMessage());
            int[] same = new int[2];
            IllegalArgumentException alias = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> sx.classifier(x, w, null, same, 2, 3, 2,
                            ClassifierOptions.defaults(), null, null, null, same));
            assertTrue(alias.getMessage().contains("predictedOut"), alias.getMessage());
        }
    }

    // -------------------------------------------------------------------------------------------

    @Nested
    class Outputs {
        @Test
        void nullOutputsAreNotComputedAndGivenOnesAreReturned() {
            Rng rng = Rng.fresh();
            int n = 5;
            int c = 8;
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            LossResult bare = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), null, null);
            assertNull(bare.gradLogits());
            assertNull(bare.probs());
            float[] grad = poisoned(n * c);
            float[] probs = poisoned(n * c);
            LossResult full = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), grad, probs);
            assertSame(grad, full.gradLogits());
            assertSame(probs, full.probs());
            assertEquals(full.loss(), bare.loss(), 1e-7 * Math.abs(full.loss()), rng.toString());
        }

        @Test
        void inputsAreNeverModified() {
            Rng rng = Rng.fresh();
            int n = 6;
            int c = 5;
            float[] z = rng.normal(n * c, 2);
            int[] y = rng.labels(n, c);
            float[] t = rng.distributions(n, c);
            float[] zCopy = z.clone();
            int[] yCopy = y.clone();
            float[] tCopy = t.clone();
            sx.softmax(z, n, c);
            sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withLabelSmoothing(0.1), poisoned(n * c),
                    poisoned(n * c));
            sx.crossEntropyWithTargets(z, n, c, t, CrossEntropyOptions.defaults());
            sx.softmaxBackward(t, z, n, c);
            sx.binaryCrossEntropy(z, t, n, c, BinaryCrossEntropyOptions.defaults());
            assertArrayEquals(zCopy, z);
            assertArrayEquals(yCopy, y);
            assertArrayEquals(tCopy, t);
        }

        @Test
        void reductionNoneHasPerSampleLossesAndNoScalar() {
            Rng rng = Rng.fresh();
            LossResult r = sx.crossEntropy(rng.normal(12, 1), 4, 3, rng.labels(4, 3),
                    CrossEntropyOptions.defaults().withReduction(Reduction.NONE));
            assertEquals(4, r.losses().length);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, r::loss);
            LossResult m = sx.crossEntropy(rng.normal(12, 1), 4, 3, rng.labels(4, 3), CrossEntropyOptions.defaults());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, m::losses);
        }
    }

    // -------------------------------------------------------------------------------------------

    /**
     * Logits of every magnitude a float holds. The expected values are analytic (a row of C equal
     * logits has p = 1/C, log p = −log C and a loss of log C whatever their value), or computed in
     * the shifted form (z − max) − log Σ exp(z_j − max), which is exact in double when the logits lie
     * a few ulps apart; never as (max + log Σ) − z, whose rounding at 1e12 is already 1e-4.
     */
    @Nested
    class Magnitudes {
        /** Row lengths for every kernel shape: a warp per row, a block per row, the streamed rows. */
        private static final int[] COLS = {1, 2, 3, 10, 33, 1000, 1025, 4096};

        @Test
        void aRowOfEqualLogitsHasProbability1OverCAndLossLogCAtEveryFiniteValue() {
            Rng rng = Rng.fresh();
            float[] values = everyMagnitude(rng);
            int n = values.length;
            for (int c : COLS) {
                float[] z = new float[n * c];
                for (int r = 0; r < n; r++) {
                    Arrays.fill(z, r * c, r * c + c, values[r]);
                }
                double logC = Math.log(c);
                String what = "C = " + c + ", " + rng;
                assertEachRow(sx.softmax(z, n, c, poisoned(n * c)), c, values, 1.0 / c, "softmax, " + what);
                assertEachRow(sx.logSoftmax(z, n, c, poisoned(n * c)), c, values, -logC, "log-softmax, " + what);

                int[] y = rng.labels(n, c);
                CrossEntropyOptions none = CrossEntropyOptions.defaults().withReduction(Reduction.NONE);
                float[] grad = poisoned(n * c);
                float[] probs = poisoned(n * c);
                LossResult r = sx.crossEntropy(z, n, c, y, none, grad, probs);
                assertEachRow(r.losses(), 1, values, logC, "loss with labels, " + what);
                assertEachRow(probs, c, values, 1.0 / c, "probabilities, " + what);
                double[] expectedGrad = new double[n * c];
                for (int i = 0; i < n; i++) {
                    Arrays.fill(expectedGrad, i * c, i * c + c, 1.0 / c);
                    expectedGrad[i * c + y[i]] -= 1.0;
                }
                assertClose(expectedGrad, grad, LOGITS, "gradient with labels, " + what);
                assertClose(logC, sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults()).loss(), LOGITS,
                        "mean loss, " + what);
                assertClose(n * logC, sx.crossEntropy(z, n, c, y,
                        CrossEntropyOptions.defaults().withReduction(Reduction.SUM)).loss(), LOGITS, "sum loss, " + what);
                assertEachRow(sx.crossEntropy(z, n, c, y, none.withLabelSmoothing(0.1)).losses(), 1, values, logC,
                        "loss with smoothing 0.1, " + what);

                // −Σ t_j·log(1/C) = log C·Σ t_j, whatever the targets.
                float[] t = rng.distributions(n, c);
                float[] targetLosses = sx.crossEntropyWithTargets(z, n, c, t, none).losses();
                for (int i = 0; i < n; i++) {
                    double sumT = 0;
                    for (int j = 0; j < c; j++) {
                        sumT += t[i * c + j];
                    }
                    assertClose(logC * sumT, targetLosses[i], LOGITS,
                            "loss with probability targets, row of " + values[i] + ", " + what);
                }

                // The classifier with X = I and W = the logits: X·W + b is the rows above, exactly.
                float[] x = new float[n * n];
                for (int i = 0; i < n; i++) {
                    x[i * n + i] = 1f;
                }
                float[] gradW = poisoned(n * c);
                ClassifierResult clf = sx.classifier(x, z, null, y, n, n, c, ClassifierOptions.defaults(),
                        gradW, null, null);
                assertClose(logC, clf.loss(), LOGITS, "classifier loss, " + what);
                for (int i = 0; i < expectedGrad.length; i++) {
                    expectedGrad[i] /= n;
                }
                assertClose(expectedGrad, gradW, CLASSIFIER, "classifier dW = dS, " + what);
            }
        }

        @Test
        void rowsMixingAHugeLogitWithLogitsAFewUlpsBelowItGiveTheExactLoss() {
            Rng rng = Rng.fresh();
            int n = 256;
            for (int c : new int[] {2, 5, 37, 1025}) {
                float[] z = new float[n * c];
                float[] tops = new float[n];
                for (int r = 0; r < n; r++) {
                    // A random magnitude from 2^10 to FLT_MAX, either sign.
                    float top = (float) Math.scalb((rng.nextBoolean() ? 1 : -1) * (1 + rng.nextDouble()),
                            rng.nextInt(10, 128));
                    top = Float.isFinite(top) ? top : Float.MAX_VALUE;
                    tops[r] = top;
                    for (int j = 0; j < c; j++) {
                        float v = top;
                        // Ties with the top are frequent, and where log Σ is smallest next to the top.
                        for (int k = j == 0 ? 0 : rng.nextInt(0, 4); k > 0 && Float.isFinite(Math.nextDown(v)); k--) {
                            v = Math.nextDown(v);
                        }
                        z[r * c + j] = v;
                    }
                }
                int[] y = rng.labels(n, c);
                double eps = 0.1;
                double[] lossNone = new double[n];
                double[] lossSmoothed = new double[n];
                double[] logp = new double[n * c];
                for (int r = 0; r < n; r++) {
                    double max = tops[r];
                    double sum = 0;
                    for (int j = 0; j < c; j++) {
                        sum += Math.exp((double) z[r * c + j] - max); // exact differences: a few ulps apart
                    }
                    double smooth = 0;
                    for (int j = 0; j < c; j++) {
                        logp[r * c + j] = ((double) z[r * c + j] - max) - Math.log(sum);
                        smooth -= logp[r * c + j];
                    }
                    lossNone[r] = -logp[r * c + y[r]];
                    lossSmoothed[r] = (1 - eps) * lossNone[r] + eps / c * smooth;
                }
                CrossEntropyOptions none = CrossEntropyOptions.defaults().withReduction(Reduction.NONE);
                float[] losses = sx.crossEntropy(z, n, c, y, none, poisoned(n * c), poisoned(n * c)).losses();
                float[] smoothed = sx.crossEntropy(z, n, c, y, none.withLabelSmoothing(eps)).losses();
                float[] lp = sx.logSoftmax(z, n, c, poisoned(n * c));
                for (int r = 0; r < n; r++) {
                    String what = "row " + r + " (top " + tops[r] + "), C = " + c + ", " + rng;
                    assertClose(lossNone[r], losses[r], LOGITS, "loss, " + what);
                    assertClose(lossSmoothed[r], smoothed[r], LOGITS, "smoothed loss, " + what);
                    assertClose(Arrays.copyOfRange(logp, r * c, r * c + c), Arrays.copyOfRange(lp, r * c, r * c + c),
                            LOGITS, "log-softmax, " + what);
                }
            }
        }

        /**
         * Every binade of the floats, each sign, a random mantissa in each; with the edges (0, the
         * smallest subnormal and normal, FLT_MAX) and the values of the bug report.
         */
        private float[] everyMagnitude(Rng rng) {
            float[] edges = {0f, -0f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, Math.nextDown(Float.MAX_VALUE),
                3e38f, 1e30f, 1e20f, 1e12f, 1e4f, 1f};
            float[] values = new float[2 * edges.length + 2 * (127 + 149 + 1)];
            int k = 0;
            for (float e : edges) {
                values[k++] = e;
                values[k++] = -e;
            }
            for (int exponent = -149; exponent <= 127; exponent++) {
                float v = Math.scalb((float) (1 + 0.99 * rng.nextDouble()), exponent);
                values[k++] = v;
                values[k++] = -v;
            }
            return values;
        }

        /** Each entry of each row of {@code c} equals {@code expected}, within the logits' tolerance. */
        private void assertEachRow(float[] out, int c, float[] rowValues, double expected, String what) {
            for (int i = 0; i < out.length; i++) {
                double err = Math.abs(out[i] - expected);
                assertTrue(err <= LOGITS * Math.abs(expected) || err <= 1e-6,
                        what + ": " + out[i] + " at [" + i / c + ", " + i % c + "] (a row of "
                                + rowValues[i / c] + "), expected " + expected);
            }
        }
    }

    // -------------------------------------------------------------------------------------------

    /** The loss (or per-sample losses), the gradient and the probabilities, against the oracle. */
    /**
     * Every combination of a shape (its dimensions become the first arguments) with one value of
     * each option list, in order: the parameterized tests' option grids, said once.
     */
    static Stream<Arguments> grid(int[][] shapes, Object[]... options) {
        List<Object[]> rows = new ArrayList<>();
        for (int[] shape : shapes) {
            rows.add(Arrays.stream(shape).boxed().toArray());
        }
        for (Object[] values : options) {
            List<Object[]> next = new ArrayList<>();
            for (Object[] row : rows) {
                for (Object v : values) {
                    Object[] longer = Arrays.copyOf(row, row.length + 1);
                    longer[row.length] = v;
                    next.add(longer);
                }
            }
            rows = next;
        }
        return rows.stream().map(Arguments::of);
    }

    static void checkAgainst(Oracle.Loss ref, LossResult r, String what) {
        if (r.reduction() == Reduction.NONE) {
            assertClose(ref.losses(), r.losses(), LOGITS, "losses " + what);
        } else {
            assertClose(ref.loss(), r.loss(), LOGITS, "loss " + what);
        }
        assertClose(ref.grad(), r.gradLogits(), LOGITS, "gradient " + what);
        assertClose(ref.probs(), r.probs(), LOGITS, "probabilities " + what);
    }

    /** For none, the gradient is that of the sum: the options whose scalar loss to differentiate. */
    static CrossEntropyOptions scalarOf(CrossEntropyOptions o) {
        return o.reduction() == Reduction.NONE ? o.withReduction(Reduction.SUM) : o;
    }

    /** Central differences of a double-precision objective against the engine's gradient. */
    static void assertGradient(java.util.function.ToDoubleFunction<float[]> f, float[] at, float[] gradient,
                               String what) {
        double largest = 0;
        for (float g : gradient) {
            largest = Math.max(largest, Math.abs(g));
        }
        // Relative to the gradient's own scale: a component 1e-9 of a gradient whose largest is 1
        // cannot be resolved by any finite difference, and need not be; and an engine that sums in
        // float (the GPU's db, over rows whose dS cancel) resolves a component only to about 1e-7 of
        // the largest terms, so the floor is 1e-2 of the largest component (at 1e-3, seed
        // -7046028600376002844 failed on the simulated device with 1.04e-4).
        GradientCheck.Result check = GradientCheck.of(f, at, gradient,
                GradientCheck.Options.all().withFloor(1e-2 * largest));
        assertTrue(check.worstRelativeError() < 1e-4, what + ": " + check);
    }

    /** Rounds to multiples of 1/scale, so that shifts by powers of two stay exact. */
    static float[] grid(float[] a, int scale) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.round(a[i] * scale) / (float) scale;
        }
        return out;
    }

    // -------------------------------------------------------------------------------------------

    /**
     * Row weights, on both classifiers: an integer weight k is the row repeated k times (0: left
     * out, where the row's loss is finite; 0 times an infinite loss is NaN, as in PyTorch), for the
     * loss, dW and db, whatever the reduction and the cross-entropy's options; dX of a weighted row
     * is k times a copy's. Scaling every weight leaves a mean unchanged.
     */
    @Nested
    class RowWeights {
        /** Rows of {@code a} [n, width] repeated weight[i] times. */
        private float[] repeat(float[] a, int width, int[] weight) {
            int total = Arrays.stream(weight).sum();
            float[] out = new float[total * width];
            int at = 0;
            for (int i = 0; i < weight.length; i++) {
                for (int k = 0; k < weight[i]; k++, at++) {
                    System.arraycopy(a, i * width, out, at * width, width);
                }
            }
            return out;
        }

        private int[] repeat(int[] a, int[] weight) {
            return Arrays.stream(indices(weight)).map(i -> a[i]).toArray();
        }

        /** For each row of the repeated set, the row it copies. */
        private int[] indices(int[] weight) {
            return java.util.stream.IntStream.range(0, weight.length)
                    .flatMap(i -> java.util.stream.IntStream.range(0, weight[i]).map(k -> i)).toArray();
        }

        /** dX of the weighted rows [n, d] from the repeated set's: weight[i] times a copy's row. */
        private float[] weightedGradX(float[] copies, int[] weight, int d) {
            float[] out = new float[weight.length * d];
            for (int i = 0, at = 0; i < weight.length; i++) {
                for (int j = 0; j < d && weight[i] > 0; j++) {
                    out[i * d + j] = weight[i] * copies[at * d + j];
                }
                at += weight[i];
            }
            return out;
        }

        private float[] floats(int[] weight, double scale) {
            float[] out = new float[weight.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (weight[i] * scale);
            }
            return out;
        }

        /** 1,500 rows: the CPU engine's own kernels (from 1,024 rows) as well as its small-call path. */
        @ParameterizedTest(name = "n={0}")
        @org.junit.jupiter.params.provider.ValueSource(ints = {37, 1500})
        void softmaxClassifierWeightsRowsAsCopies(int n) {
            Rng rng = Rng.fresh();
            int d = 19;
            int c = 5;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 0.4);
            float[] b = rng.normal(c, 0.2);
            int[] y = rng.labels(n, c);
            y[n / 2] = -100; // an ignored row
            int[] weight = new int[n];
            for (int i = 0; i < n; i++) {
                weight[i] = rng.nextInt(0, 4);
            }
            weight[1] = 3; // a mean over something
            int m = Arrays.stream(weight).sum();
            float[] xr = repeat(x, d, weight);
            int[] yr = repeat(y, weight);
            for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                for (CrossEntropyOptions ce : new CrossEntropyOptions[] {CrossEntropyOptions.defaults(),
                    CrossEntropyOptions.defaults().withClassWeights(rng.uniform(c, 0.5, 2)).withLabelSmoothing(0.1)}) {
                    ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01)
                            .withCrossEntropy(ce.withReduction(red));
                    String what = n + "x" + d + "x" + c + " " + o + " " + rng;
                    ClassifierResult copy = sx.classifier(xr, w, b, yr, m, d, c, o, poisoned(d * c), poisoned(c),
                            poisoned(m * d));
                    float[] gx = poisoned(n * d);
                    ClassifierResult r = sx.classifier(x, w, b, y, floats(weight, 1), n, d, c, o, poisoned(d * c),
                            poisoned(c), gx, null);
                    assertClose(copy.loss(), r.loss(), CLASSIFIER, "loss " + what);
                    assertClose(copy.gradW(), r.gradW(), CLASSIFIER, "dW " + what);
                    assertClose(copy.gradB(), r.gradB(), CLASSIFIER, "db " + what);
                    assertClose(weightedGradX(copy.gradX(), weight, d), gx, CLASSIFIER, "dX " + what);
                    if (red == Reduction.MEAN) {
                        ClassifierResult scaled = sx.classifier(x, w, b, y, floats(weight, 0.37), n, d, c, o, null,
                                null, null, null);
                        assertClose(r.loss(), scaled.loss(), CLASSIFIER, "a mean's weights scaled by 0.37, " + what);
                    }
                }
            }
        }

        @ParameterizedTest(name = "n={0}")
        @org.junit.jupiter.params.provider.ValueSource(ints = {29, 1300})
        void binaryClassifierWeightsRowsAsCopies(int n) {
            Rng rng = Rng.fresh();
            int d = 11;
            int k = 3;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * k, 0.4);
            float[] b = rng.normal(k, 0.2);
            float[] t = rng.uniform(n * k, 0, 1);
            int[] weight = new int[n];
            for (int i = 0; i < n; i++) {
                weight[i] = rng.nextInt(0, 4);
            }
            weight[0] = 2;
            int m = Arrays.stream(weight).sum();
            float[] xr = repeat(x, d, weight);
            float[] tr = repeat(t, k, weight);
            for (Reduction red : new Reduction[] {Reduction.MEAN, Reduction.SUM}) {
                BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(0.01).withBinaryCrossEntropy(
                        BinaryCrossEntropyOptions.defaults().withReduction(red).withPosWeight(rng.uniform(k, 0.5, 3)));
                String what = n + "x" + d + "x" + k + " " + o + " " + rng;
                ClassifierResult copy = sx.binaryClassifier(xr, w, b, tr, m, d, k, o, poisoned(d * k), poisoned(k),
                        poisoned(m * d));
                float[] gx = poisoned(n * d);
                ClassifierResult r = sx.binaryClassifier(x, w, b, t, floats(weight, 1), n, d, k, o, poisoned(d * k),
                        poisoned(k), gx, null);
                assertClose(copy.loss(), r.loss(), CLASSIFIER, "loss " + what);
                assertClose(copy.gradW(), r.gradW(), CLASSIFIER, "dW " + what);
                assertClose(copy.gradB(), r.gradB(), CLASSIFIER, "db " + what);
                assertClose(weightedGradX(copy.gradX(), weight, d), gx, CLASSIFIER, "dX " + what);
            }
        }

        /** Weights of 1 are no weights: the same bits. */
        @Test
        void weightsOfOneChangeNoBit() {
            Rng rng = Rng.fresh();
            int n = 1200;
            int d = 24;
            int c = 7;
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 0.4);
            float[] b = rng.normal(c, 0.2);
            int[] y = rng.labels(n, c);
            float[] ones = new float[n];
            Arrays.fill(ones, 1f);
            ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
            ClassifierResult plain = sx.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c],
                    new float[n * d]);
            ClassifierResult weighted = sx.classifier(x, w, b, y, ones, n, d, c, o, new float[d * c], new float[c],
                    new float[n * d], null);
            assertEquals(plain.loss(), weighted.loss(), rng.toString());
            assertArrayEquals(plain.gradW(), weighted.gradW(), rng.toString());
            assertArrayEquals(plain.gradB(), weighted.gradB(), rng.toString());
            assertArrayEquals(plain.gradX(), weighted.gradX(), rng.toString());
            float[] t = rng.uniform(n * 2, 0, 1);
            float[] w2 = rng.normal(d * 2, 0.4);
            BinaryClassifierOptions bo = BinaryClassifierOptions.defaults().withReg(0.01);
            ClassifierResult plainBinary = sx.binaryClassifier(x, w2, null, t, n, d, 2, bo, new float[d * 2], null,
                    new float[n * d]);
            ClassifierResult weightedBinary = sx.binaryClassifier(x, w2, null, t, ones, n, d, 2, bo, new float[d * 2],
                    null, new float[n * d], null);
            assertEquals(plainBinary.loss(), weightedBinary.loss(), rng.toString());
            assertArrayEquals(plainBinary.gradW(), weightedBinary.gradW(), rng.toString());
            assertArrayEquals(plainBinary.gradX(), weightedBinary.gradX(), rng.toString());
        }

        @Test
        void badWeightsAreRefusedBeforeAnyWork() {
            int n = 4;
            int d = 3;
            int c = 2;
            Rng rng = Rng.fresh();
            float[] x = rng.normal(n * d, 1);
            float[] w = rng.normal(d * c, 1);
            int[] y = {0, 1, 1, 0};
            ClassifierOptions o = ClassifierOptions.defaults();
            float[] gw = new float[d * c];
            org.junit.jupiter.api.Assertions.assertThrows(ShapeMismatchException.class,
                    () -> sx.classifier(x, w, null, y, new float[3], n, d, c, o, gw, null, null, null));
            for (float bad : new float[] {-1f, Float.NaN, Float.POSITIVE_INFINITY}) {
                float[] r = {1, 1, bad, 1};
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> sx.classifier(x, w, null, y, r, n, d, c, o, gw, null, null,
                                null));
                assertTrue(e.getMessage().contains("rowWeights[2]"), e.getMessage());
            }
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> sx.binaryClassifier(x, w, null, new float[n * c], new float[n], n, d, c,
                            BinaryClassifierOptions.defaults(), null, null, null, null));
            assertTrue(e.getMessage().contains("mean over no weight"), e.getMessage());
            // Weight only on ignored rows: the mean's divisor is 0 all the same (it had given NaN
            // gradients); refused, naming the ignored rows. Every row ignored: NaN loss, zero
            // gradient, as the mean over no row without row weights.
            int[] ignoring = {-100, 0, 1, -100};
            float[] gradW = new float[d * c];
            java.util.Arrays.fill(gradW, 7f);
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> sx.classifier(x, w, null, ignoring, new float[] {1, 0, 0, 2}, n, d, c, o, gradW, null, null,
                            null));
            assertTrue(e.getMessage().contains("not ignored") && e.getMessage().contains("mean over no weight"),
                    e.getMessage());
            assertEquals(7f, gradW[0], "untouched " + rng);
            ClassifierResult none = sx.classifier(x, w, null, new int[] {-100, -100, -100, -100},
                    new float[] {1, 0, 2, 0}, n, d, c, o, gradW, null, null, null);
            assertTrue(Double.isNaN(none.loss()), "every row ignored: " + none.loss());
            for (float g : gradW) {
                assertEquals(0f, g, "every row ignored: a zero gradient " + rng);
            }
            // A sum over no weight is 0 (the L2 term aside).
            assertEquals(0.0, sx.classifier(x, w, null, y, new float[n], n, d, c, o.withCrossEntropy(
                    CrossEntropyOptions.defaults().withReduction(Reduction.SUM)), null, null, null, null).loss());
            // The engine is usable afterwards.
            assertTrue(Double.isFinite(sx.classifier(x, w, null, y, n, d, c, o).loss()));
        }
    }
}
