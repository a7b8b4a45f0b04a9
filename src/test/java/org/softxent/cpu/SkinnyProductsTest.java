package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.assertClose;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.softxent.ClassifierOptions;
import org.softxent.ClassifierResult;
import org.softxent.Softxent;
import org.softxent.backend.NativeLibraries;
import org.softxent.testing.Oracle;
import org.softxent.testing.Rng;
import org.softxent.Reduction;

/**
 * The CPU engine's own products for few classes: each product against a double sum, on every
 * shape edge the vector tiles have (features not a multiple of the lanes, a class group cut
 * short, one row left over), and the classifier that uses them against the oracle at shapes that
 * take several blocks per task and several rounds of tasks.
 */
class SkinnyProductsTest {
    private static final double EPS = Math.ulp(1.0f) / 2;

    /** The instruction sets this CPU runs the kernels with: AVX2 (1), and AVX-512 (2) where it has it. */
    private static int[] sets() {
        Assumptions.assumeTrue(NativeLibraries.here(), "softxent's CPU kernels are built for linux-x86_64 only");
        int best = SkinnyProducts.isaInUse();
        return best == 2 ? new int[] {1, 2} : new int[] {best};
    }

    /** Runs {@code body} with each instruction set in turn, then goes back to the best. */
    static void withEachSet(java.util.function.IntConsumer body) {
        int[] sets = sets();
        try {
            for (int set : sets) {
                assertEquals(set, SkinnyProducts.useIsa(set), "the instruction set in use");
                body.accept(set);
            }
        } finally {
            SkinnyProducts.useIsa(sets[sets.length - 1]);
        }
    }

    @Test
    void loadsOnThisMachine() {
        Assumptions.assumeTrue(NativeLibraries.here(), "softxent's CPU kernels are built for linux-x86_64 only");
        Assumptions.assumeFalse("false".equals(System.getProperty(SkinnyProducts.PROPERTY)), "turned off");
        // The build compiles them with gcc wherever it runs on linux-x86_64 (src/main/c/build.sh
        // warns when it cannot), and every machine this project runs on has AVX2 at least: a missing
        // library here is a broken build, not a fallback.
        assertNull(SkinnyProducts.whyNot(), "the CPU products did not load");
        assertTrue(SkinnyProducts.applies(784, 6));
        assertTrue(!SkinnyProducts.applies(784, SkinnyProducts.MAX_CLASSES + 1));
        assertTrue(!SkinnyProducts.applies(SkinnyProducts.MAX_FEATURES + 1, 2));
    }

    @Test
    void everyProductMatchesADoubleSumOnEveryEdge() {
        Rng rng = Rng.fresh();
        int[] features = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 100};
        withEachSet(set -> {
            for (int d : features) {
                for (int c = 1; c <= SkinnyProducts.MAX_CLASSES; c++) {
                    for (int rows = 1; rows <= 5; rows += 2) {
                        check(rng, rows, d, c, set);
                    }
                }
            }
            check(rng, 9, 784, 10, set);
            check(rng, 4, 2050, 16, set);
        });
    }

    private static void check(Rng rng, int rows, int d, int c, int set) {
        String what = rows + " rows × " + d + " features × " + c + " classes, " + (set == 2 ? "AVX-512" : "AVX2")
                + ", " + rng;
        int xOff = rng.nextInt(0, 5);
        float[] x = rng.normal(xOff + rows * d + 3, 1);
        float[] wT = rng.normal(c * d, 1);
        int outOff = rng.nextInt(0, 5);
        float[] out = rng.normal(outOff + rows * c + 2, 1);
        float[] outBefore = out.clone();
        SkinnyProducts.logits(x, xOff, rows, d, wT, c, out, outOff);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < c; j++) {
                double sum = 0;
                double abs = 0;
                for (int k = 0; k < d; k++) {
                    double t = (double) x[xOff + i * d + k] * wT[j * d + k];
                    sum += t;
                    abs += Math.abs(t);
                }
                within(sum, abs, d, out[outOff + i * c + j], "logits[" + i + ", " + j + "] of " + what);
            }
        }
        untouchedOutside(outBefore, out, outOff, rows * c, "logits of " + what);

        float[] ds = rng.normal(outOff + rows * c, 1);
        float[] start = rng.normal(c * d, 1);
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] g = java.util.Arrays.copyOf(start, c * d + 3);
            g[c * d] = 7f;
            g[c * d + 1] = -7f;
            g[c * d + 2] = 0.5f;
            float[] gBefore = g.clone();
            SkinnyProducts.weightGradient(x, xOff, rows, d, ds, outOff, c, g, accumulate);
            untouchedOutside(gBefore, g, 0, c * d, "dWT (accumulate " + accumulate + ") of " + what);
            for (int j = 0; j < c; j++) {
                for (int k = 0; k < d; k++) {
                    double sum = accumulate ? start[j * d + k] : 0;
                    double abs = Math.abs(sum);
                    for (int i = 0; i < rows; i++) {
                        double t = (double) ds[outOff + i * c + j] * x[xOff + i * d + k];
                        sum += t;
                        abs += Math.abs(t);
                    }
                    within(sum, abs, rows + 1, g[j * d + k],
                            "dWT[" + j + ", " + k + "] (accumulate " + accumulate + ") of " + what);
                }
            }
        }

        float[] dx = rng.normal(xOff + rows * d + 3, 1);
        float[] dxBefore = dx.clone();
        SkinnyProducts.inputGradient(ds, outOff, rows, c, wT, d, dx, xOff);
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < d; k++) {
                double sum = 0;
                double abs = 0;
                for (int j = 0; j < c; j++) {
                    double t = (double) ds[outOff + i * c + j] * wT[j * d + k];
                    sum += t;
                    abs += Math.abs(t);
                }
                within(sum, abs, c, dx[xOff + i * d + k], "dX[" + i + ", " + k + "] of " + what);
            }
        }
        untouchedOutside(dxBefore, dx, xOff, rows * d, "dX of " + what);
    }

    /** A float sum of n products, in any order, is within γ_n·Σ|terms| of the exact one. */
    private static void within(double exact, double abs, int n, float got, String what) {
        double gamma = (n + 1) * EPS / (1 - (n + 1) * EPS);
        if (!(Math.abs(got - exact) <= gamma * abs + Float.MIN_NORMAL)) {
            fail(what + ": " + got + ", expected " + exact + " within " + gamma * abs);
        }
    }

    private static void untouchedOutside(float[] before, float[] after, int from, int length, String what) {
        for (int i = 0; i < before.length; i++) {
            if ((i < from || i >= from + length) && Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i])) {
                fail(what + ": element " + i + " outside [" + from + ", " + (from + length) + ") was written");
            }
        }
    }

    @Test
    void boundsAreCheckedBeforeTheNativeCode() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products are not loaded");
        float[] x = new float[10];
        float[] wT = new float[10];
        float[] out = new float[4];
        assertThrows(IndexOutOfBoundsException.class, () -> SkinnyProducts.logits(x, 1, 2, 5, wT, 2, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> SkinnyProducts.logits(x, 0, 2, 5, wT, 3, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> SkinnyProducts.logits(x, 0, 2, 5, wT, 2, out, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> SkinnyProducts.logits(x, -1, 1, 5, wT, 2, out, 0));
        assertThrows(IndexOutOfBoundsException.class,
                () -> SkinnyProducts.weightGradient(x, 0, 3, 5, out, 0, 2, wT, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> SkinnyProducts.inputGradient(out, 0, 2, 2, wT, 5, new float[9], 0));
        // Negative dimensions whose products come out positive are refused too.
        assertThrows(IllegalArgumentException.class, () -> SkinnyProducts.logits(x, 0, -2, -5, wT, 2, out, 0));
        assertThrows(IllegalArgumentException.class, () -> SkinnyProducts.logits(x, 0, 2, 5, wT, -2, out, 0));
        // And the library still works afterwards.
        SkinnyProducts.logits(x, 0, 2, 5, wT, 2, out, 0);
    }

    /**
     * Logits that overflow float in the products, in a block after the first, by the kernels (5
     * classes, within every instruction set's limit) and by OpenBLAS (40): the call is computed
     * again with the products in double, so that it gives the reference's result (which computes
     * in double) and every output is this call's, none left from the float pass that stopped (the
     * engine had refused such a call after writing most of dX and the predictions).
     */
    @ParameterizedTest(name = "{0} classes")
    @CsvSource({"5", "40"})
    void logitsThatOverflowFloatAreComputedInDouble(int c) {
        int d = 64;
        if (c <= SkinnyProducts.AVX2_CLASSES) {
            Assumptions.assumeTrue(SkinnyProducts.applies(d, c), "the CPU kernels are not loaded");
        } else {
            Assumptions.assumeTrue(Blas.whyNot() == null, "OpenBLAS is not loaded");
        }
        Rng rng = Rng.fresh();
        int n = 10_000;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.1);
        int[] y = rng.labels(n, c);
        // Beyond the first block of either path (kernels: 2,048 rows at 64 features; OpenBLAS: 4,096).
        int row = rng.nextInt(4200, n);
        int k = rng.nextInt(0, c);
        for (int q = 0; q < d; q++) {
            x[row * d + q] = 1e30f;
            w[q * c + k] = 1e10f;
        }
        float[] gw = new float[d * c];
        float[] gx = new float[n * d];
        int[] predicted = new int[n];
        java.util.Arrays.fill(gx, Float.NaN);
        java.util.Arrays.fill(predicted, -1);
        float[] gwRef = new float[d * c];
        float[] gxRef = new float[n * d];
        int[] predictedRef = new int[n];
        try (Softxent sx = Softxent.open(org.softxent.Device.CPU); Softxent ref = Softxent.openReference()) {
            double loss = sx.classifier(x, w, null, y, null, n, d, c, ClassifierOptions.defaults(), gw, null, gx,
                    predicted).loss();
            double want = ref.classifier(x, w, null, y, null, n, d, c, ClassifierOptions.defaults(), gwRef, null, gxRef,
                    predictedRef).loss();
            assertTrue(Double.isFinite(loss) && Math.abs(loss - want) <= 1e-9 * Math.abs(want),
                    loss + " against the reference's " + want + " " + rng);
            org.junit.jupiter.api.Assertions.assertArrayEquals(predictedRef, predicted, rng.toString());
            // The same products in double; the softmax's exponentials may differ in their last bits.
            for (float[][] pair : new float[][][] {{gwRef, gw}, {gxRef, gx}}) {
                float largest = 0;
                for (float v : pair[0]) {
                    largest = Math.max(largest, Math.abs(v));
                }
                for (int i = 0; i < pair[0].length; i++) {
                    assertEquals(pair[0][i], pair[1][i], 1e-5 * largest, "entry " + i + " " + rng);
                }
            }
            assertEquals(k, predicted[row], rng.toString());
            for (int q = 0; q < d; q++) {
                x[row * d + q] = 1f;
                w[q * c + k] = 0.1f;
            }
            assertTrue(Double.isFinite(sx.classifier(x, w, null, y, n, d, c, ClassifierOptions.defaults()).loss()),
                    "usable afterwards, " + rng);
        }
    }

    /**
     * The classifier on the fast engine at shapes that split into several blocks per task (784
     * features: blocks of 167 rows) and into several rounds of tasks (8,192 features, 12 classes),
     * with b, L2 and dX, against the double oracle; and the same bits from a pool of one thread.
     */
    @ParameterizedTest(name = "{0}x{1}x{2}")
    @CsvSource({"6685, 784, 10", "1024, 8192, 12", "3001, 100, 16", "1777, 33, 2", "2500, 600, 5"})
    void theClassifierMatchesTheOracleAndGivesTheSameBitsOnOneThread(int n, int d, int c) {
        Rng rng = Rng.fresh();
        withEachSet(set -> {
            if (SkinnyProducts.applies(d, c)) {
                classifier(rng, n, d, c, set);
            }
        });
    }

    private static void classifier(Rng rng, int n, int d, int c, int set) {
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.05);
        float[] b = rng.normal(c, 0.1);
        int[] y = rng.labels(n, c);
        double reg = 0.01;
        String what = n + "x" + d + "x" + c + " " + (set == 2 ? "AVX-512" : "AVX2") + " " + rng;
        Oracle.Classifier ref = Oracle.classifier(x, w, b, y, n, d, c, reg, null, -100, 0, Reduction.MEAN);
        try (Softxent sx = Softxent.open(org.softxent.Device.CPU)) {
            assertTrue(sx.description().contains("kernels for few classes"), sx.description());
            ClassifierOptions o = ClassifierOptions.defaults().withReg(reg);
            float[] gw = new float[d * c];
            float[] gb = new float[c];
            float[] gx = new float[n * d];
            int[] predicted = new int[n];
            ClassifierResult r = sx.classifier(x, w, b, y, n, d, c, o, gw, gb, gx, predicted);
            assertClose(ref.loss(), r.loss(), CLASSIFIER, "loss " + what);
            assertClose(ref.gradW(), gw, CLASSIFIER, "dW " + what);
            assertClose(ref.gradB(), gb, CLASSIFIER, "db " + what);
            assertClose(ref.gradX(), gx, CLASSIFIER, "dX " + what);

            float[] gw1 = new float[d * c];
            float[] gb1 = new float[c];
            float[] gx1 = new float[n * d];
            int[] predicted1 = new int[n];
            ForkJoinPool one = new ForkJoinPool(1);
            try {
                double loss1 = one.submit(() -> sx.classifier(x, w, b, y, n, d, c, o, gw1, gb1, gx1, predicted1).loss())
                        .get();
                assertEquals(r.loss(), loss1, "the loss on one thread, " + what);
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new AssertionError(what, e);
            } finally {
                one.shutdown();
            }
            assertArrayEquals(gw, gw1, "dW on one thread, " + what);
            assertArrayEquals(gb, gb1, "db on one thread, " + what);
            assertArrayEquals(gx, gx1, "dX on one thread, " + what);
            assertArrayEquals(predicted, predicted1, "predictions on one thread, " + what);

            // dX alone, without b: no dW partials to add up.
            float[] gxOnly = new float[n * d];
            sx.classifier(x, w, null, y, n, d, c, o, null, null, gxOnly);
            Oracle.Classifier noBias = Oracle.classifier(x, w, null, y, n, d, c, reg, null, -100, 0, Reduction.MEAN);
            assertClose(noBias.gradX(), gxOnly, CLASSIFIER, "dX alone, no b, " + what);
        }
    }
}
