package org.softxent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.softxent.testing.Close.CLASSIFIER;
import static org.softxent.testing.Close.LOGITS;
import static org.softxent.testing.Close.assertClose;
import static org.softxent.testing.Close.poisoned;

import java.util.Arrays;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.softxent.testing.DeviceArrays;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;
import org.softxent.testing.SimulatedDevice;

/**
 * The GPU against the CPU reference over the sweep of shapes of the CUDA engine's issue: N in
 * {1, 7, 1024, 65,536}, C in {1, 2, 31, 32, 33, 1023, 1024, 1025, 32,000, 50,257, 131,072}, with
 * −inf masks, logits of magnitude 1e4 and the options drawn per shape; outputs poisoned with NaN.
 *
 * <p>Shapes up to 2^26 elements go through the array API and are compared whole. Every shape of
 * the sweep also goes through the device-resident API on a batch whose rows repeat a bank of 64
 * random rows (row r is bank row r % 64): the reference needs only the bank, the loss follows from
 * it exactly, and sampled rows of the output are compared, which reaches N·C = 8.6e9 elements
 * (64-bit offsets) with the gradient written over the logits in place.
 */
@GpuTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuVersusCpuTest {
    static final int[] N = {1, 7, 1024, 65_536};
    static final int[] C = {1, 2, 31, 32, 33, 1023, 1024, 1025, 32_000, 50_257, 131_072};
    static final long ARRAY_API_LIMIT = 1L << 26;
    static final int BANK = 64;
    /**
     * On the simulated device (kernels emulated on the CPU) both sweeps stop at this many elements
     * per shape: every C of the sweep still runs, with fewer rows. 64-bit offsets need a GPU.
     */
    static final long SIMULATED_LIMIT = 1L << 20;

    private static boolean tooLarge(long elements, long limit) {
        return elements > limit || (SimulatedDevice.active() && elements > SIMULATED_LIMIT);
    }

    private Softxent gpu;
    private Softxent cpu;

    @BeforeAll
    void open() {
        gpu = Softxent.open(Device.GPU);
        cpu = Softxent.openReference();
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
        cpu.close();
    }

    /** Random logits with masks (never a row's label, never a whole row) and, in some rows, magnitudes of 1e4. */
    static float[] logits(Rng rng, int rows, int cols, int[] labels) {
        float[] z = rng.normal(rows * cols, 3);
        for (int r = 0; r < rows; r++) {
            boolean huge = r % 5 == 3;
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                if (huge) {
                    z[i] *= 3000f;
                }
                if (cols > 1 && j != labels[r] && j != (labels[r] + 1) % cols && rng.nextDouble() < 0.1) {
                    z[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return z;
    }

    static CrossEntropyOptions options(Rng rng, int cols, int[] labels) {
        Reduction reduction = Reduction.values()[rng.nextInt(0, 3)];
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(reduction);
        if (rng.nextBoolean()) {
            o = o.withClassWeights(rng.uniform(cols, 0.25, 2));
        }
        if (rng.nextBoolean() && labels.length > 1) {
            labels[labels.length / 2] = -100; // an ignored row
        }
        return o; // smoothing is swept separately: with masks it makes the loss +inf on both sides
    }

    /**
     * Finite inputs whose float products overflow (x of 3e37, w of ±10), and a NaN in rows given as
     * trusted: the GPU's classifiers compute such a call again in double, as the CPU engines do, so
     * the three agree (the GPU had refused it, naming logits the caller never gave, after writing
     * gradW); every output is the call's.
     */
    @Test
    void logitsPastFloatsRangeAreComputedInDoubleAsOnTheCpu() {
        float[] x = {3e37f, 3e37f, 1f, 2f};
        float[] w = {10f, -10f, 10f, -10f};
        int[] y = {0, 1};
        float[] gw = {7, 7, 7, 7};
        float[] gwRef = new float[4];
        double loss = gpu.classifier(x, w, null, y, 2, 2, 2, ClassifierOptions.defaults(), gw, null, null).loss();
        double want = cpu.classifier(x, w, null, y, 2, 2, 2, ClassifierOptions.defaults(), gwRef, null, null).loss();
        assertEquals(want, loss, 1e-12 * Math.max(1, Math.abs(want)));
        assertTrue(Arrays.equals(gwRef, gw), Arrays.toString(gw) + " against " + Arrays.toString(gwRef));
        float[] probs = gpu.linearSoftmax(x, w, null, 2, 2, 2, new float[4], null);
        assertTrue(Arrays.equals(cpu.linearSoftmax(x, w, null, 2, 2, 2, new float[4], null), probs),
                Arrays.toString(probs));
        float[] t = {1, 0};
        float[] w1 = {20f, 20f};
        double bce = gpu.binaryClassifier(x, w1, null, t, 2, 2, 1, BinaryClassifierOptions.defaults()).loss();
        assertEquals(cpu.binaryClassifier(x, w1, null, t, 2, 2, 1, BinaryClassifierOptions.defaults()).loss(), bce,
                1e-12 * Math.max(1, Math.abs(bce)));
        float[] nan = {Float.NaN, 1f, 1f, 2f};
        ClassifierOptions trusted = ClassifierOptions.defaults().withTrustedX(true);
        assertTrue(Double.isNaN(gpu.classifier(nan, w, null, y, 2, 2, 2, trusted).loss()),
                "trusted rows with a NaN: a NaN loss, as the javadoc and the CPU engines say");
        // The engine is usable afterwards.
        assertEquals(cpu.classifier(new float[4], w, null, y, 2, 2, 2, ClassifierOptions.defaults()).loss(),
                gpu.classifier(new float[4], w, null, y, 2, 2, 2, ClassifierOptions.defaults()).loss(), 1e-6);
    }

    @Test
    void theArrayApiMatchesTheCpuOverTheSweep() {
        Rng rng = Rng.fresh();
        for (int n : N) {
            for (int c : C) {
                if (tooLarge((long) n * c, ARRAY_API_LIMIT)) {
                    continue; // covered by the device-resident sweep below
                }
                int[] y = rng.labels(n, c);
                float[] z = logits(rng, n, c, y);
                CrossEntropyOptions o = options(rng, c, y);
                String what = n + " x " + c + " " + o + " " + rng;
                float[] gGrad = poisoned(n * c);
                float[] gProbs = poisoned(n * c);
                LossResult g = gpu.crossEntropy(z, n, c, y, o, gGrad, gProbs);
                float[] cGrad = new float[n * c];
                float[] cProbs = new float[n * c];
                LossResult r = cpu.crossEntropy(z, n, c, y, o, cGrad, cProbs);
                if (o.reduction() == Reduction.NONE) {
                    assertClose(r.losses(), g.losses(), LOGITS, "losses " + what);
                } else {
                    assertClose(r.loss(), g.loss(), LOGITS, "loss " + what);
                }
                assertClose(cGrad, gGrad, LOGITS, "gradient " + what);
                assertClose(cProbs, gProbs, LOGITS, "probabilities " + what);

                float[] sm = gpu.softmax(z, n, c, poisoned(n * c));
                assertClose(cProbs, sm, LOGITS, "softmax " + what);
                float[] lsm = gpu.logSoftmax(z, n, c, poisoned(n * c));
                assertClose(cpu.logSoftmax(z, n, c), lsm, LOGITS, "log-softmax " + what);

                float[] t = rng.distributions(n, c);
                CrossEntropyOptions soft = CrossEntropyOptions.defaults().withLabelSmoothing(0.2)
                        .withClassWeights(o.classWeights()).withReduction(o.reduction());
                float[] zPlain = rng.normal(n * c, 3); // probability targets: no masks (0·inf = NaN)
                LossResult gs = gpu.crossEntropyWithTargets(zPlain, n, c, t, soft, poisoned(n * c), null);
                LossResult rs = cpu.crossEntropyWithTargets(zPlain, n, c, t, soft, new float[n * c], null);
                assertClose(rs.gradLogits(), gs.gradLogits(), LOGITS, "targets gradient " + what);

                float[] upstream = rng.normal(n * c, 1);
                assertClose(cpu.softmaxBackward(cProbs, upstream, n, c),
                        gpu.softmaxBackward(cProbs, upstream, n, c, poisoned(n * c)), LOGITS, "backward " + what);
            }
        }
    }

    @Test
    void labelSmoothingAndIgnoreIndexOnTheGpu() {
        Rng rng = Rng.fresh();
        for (int c : new int[] {2, 33, 1025, 32_000}) {
            int n = 7;
            int[] y = rng.labels(n, c);
            y[3] = Math.min(4, c - 1);
            float[] z = rng.normal(n * c, 3);
            for (double eps : new double[] {0.1, 1.0}) {
                CrossEntropyOptions o = CrossEntropyOptions.defaults().withLabelSmoothing(eps)
                        .withIgnoreIndex(Math.min(4, c - 1)).withClassWeights(rng.uniform(c, 0.5, 2));
                LossResult g = gpu.crossEntropy(z, n, c, y, o, poisoned(n * c), null);
                LossResult r = cpu.crossEntropy(z, n, c, y, o, new float[n * c], null);
                String what = c + " classes, " + o + " " + rng;
                assertClose(r.loss(), g.loss(), LOGITS, "loss " + what);
                assertClose(r.gradLogits(), g.gradLogits(), LOGITS, "gradient " + what);
            }
        }
    }

    @Test
    void theDeviceApiMatchesTheCpuOnEveryShapeOfTheSweep() {
        Rng rng = Rng.fresh();
        OnDevice dev = gpu.onDevice();
        dev.synchronize();
        for (int n : N) {
            for (int c : C) {
                if (tooLarge((long) n * c, Long.MAX_VALUE)) {
                    continue;
                }
                int bank = Math.min(BANK, n);
                int[] yBank = rng.labels(bank, c);
                float[] zBank = logits(rng, bank, c, yBank);
                CrossEntropyOptions o = options(rng, c, yBank);
                String what = n + " x " + c + " " + o + " " + rng;
                try (DeviceArrays mem = new DeviceArrays()) {
                    long total = (long) n * c;
                    CUdeviceptr z = mem.alloc(total * Float.BYTES);
                    CUdeviceptr y = mem.alloc((long) n * Integer.BYTES);
                    DeviceArrays.write(z, zBank);
                    DeviceArrays.write(y, yBank);
                    DeviceArrays.tile(z, n, c, bank, Float.BYTES, dev.stream());
                    DeviceArrays.tile(y, n, 1, bank, Integer.BYTES, dev.stream());
                    boolean none = o.reduction() == Reduction.NONE;
                    CUdeviceptr loss = mem.poisoned(none ? n : 1);
                    // The gradient over the logits, in place: the largest shapes need it to fit.
                    dev.crossEntropy(z, n, c, y, o, z, null, loss);
                    dev.synchronize();

                    float[] refGrad = new float[bank * c];
                    LossResult ref = cpu.crossEntropy(zBank, bank, c, yBank, o.withReduction(Reduction.NONE), refGrad,
                            null);
                    double[] expectedLoss = expectedLoss(ref.losses(), yBank, o, n);
                    float scale = gradScale(yBank, o, n);
                    float[] gotLoss = DeviceArrays.read(loss, none ? n : 1);
                    if (none) {
                        for (long r = 0; r < n; r += Math.max(1, n / 97)) {
                            assertClose(ref.losses()[(int) (r % bank)], gotLoss[(int) r], LOGITS,
                                    "row loss " + r + " " + what);
                        }
                    } else {
                        assertClose(expectedLoss[0], gotLoss[0], LOGITS, "loss " + what);
                    }
                    for (long r : sampleRows(rng, n)) {
                        float[] row = DeviceArrays.read(z, r * c, c);
                        float[] expected = Arrays.copyOfRange(refGrad, (int) (r % bank) * c, (int) (r % bank + 1) * c);
                        for (int j = 0; j < c; j++) {
                            expected[j] *= scale;
                        }
                        assertClose(expected, row, LOGITS, "gradient row " + r + " " + what);
                    }
                }
            }
        }
    }

    /** The loss over n rows that repeat the bank: [mean or sum] or the bank's row losses for none. */
    private static double[] expectedLoss(float[] bankLosses, int[] yBank, CrossEntropyOptions o, int n) {
        double sum = 0;
        for (int r = 0; r < n; r++) {
            sum += bankLosses[r % yBank.length];
        }
        return new double[] {o.reduction() == Reduction.MEAN ? sum / divisor(yBank, o, n) : sum};
    }

    /** The gradient of the reduced loss is the per-row gradient (that of the sum) times this. */
    private static float gradScale(int[] yBank, CrossEntropyOptions o, int n) {
        return o.reduction() == Reduction.MEAN ? (float) (1.0 / divisor(yBank, o, n)) : 1f;
    }

    /** The mean's divisor over n rows that repeat the bank: the weight of the rows not ignored. */
    private static double divisor(int[] yBank, CrossEntropyOptions o, int n) {
        double divisor = 0;
        float[] w = o.classWeights();
        for (int r = 0; r < n; r++) {
            int y = yBank[r % yBank.length];
            if (y != o.ignoreIndex()) {
                divisor += w == null ? 1 : w[y];
            }
        }
        return divisor;
    }

    private static long[] sampleRows(Rng rng, int n) {
        long[] rows = new long[Math.min(n, 12)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i == 0 ? n - 1 : rng.nextInt(0, n);
        }
        return rows;
    }

    @Test
    void theClassifierInChunksMatchesTheCpu() {
        Rng rng = Rng.fresh();
        // On a GPU, 3,000 × 32,000 logits (384 MB) and a device-sized chunk budget; on the simulated
        // device (products on the CPU) fewer rows: GpuRobustnessTest runs its many-chunk case there.
        int n = SimulatedDevice.active() ? 400 : 3000;
        int d = SimulatedDevice.active() ? 16 : 48;
        int c = 32_000;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.05);
        float[] b = rng.normal(c, 0.1);
        int[] y = rng.labels(n, c);
        ClassifierOptions o = ClassifierOptions.defaults().withReg(1e-3)
                .withCrossEntropy(CrossEntropyOptions.defaults().withLabelSmoothing(0.05));
        ClassifierResult g = gpu.classifier(x, w, b, y, n, d, c, o, poisoned(d * c), poisoned(c), poisoned(n * d));
        ClassifierResult r = cpu.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c], new float[n * d]);
        String what = n + " x " + d + " x " + c + " " + rng;
        assertClose(r.loss(), g.loss(), CLASSIFIER, "loss " + what);
        assertClose(r.gradW(), g.gradW(), CLASSIFIER, "dW " + what);
        assertClose(r.gradB(), g.gradB(), CLASSIFIER, "db " + what);
        assertClose(r.gradX(), g.gradX(), CLASSIFIER, "dX " + what);
    }

    /** TF32 rounds the products' inputs to a 10-bit mantissa: the README states this bound. */
    @Test
    void theClassifierInTf32StaysWithinItsStatedAccuracy() {
        Rng rng = Rng.fresh();
        int n = 512;
        int d = 256;
        int c = 1000;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.05);
        int[] y = rng.labels(n, c);
        ClassifierOptions tf32 = ClassifierOptions.defaults().withTf32(true);
        ClassifierResult g = gpu.classifier(x, w, null, y, n, d, c, tf32, poisoned(d * c), null, poisoned(n * d));
        ClassifierResult r = cpu.classifier(x, w, null, y, n, d, c, tf32, new float[d * c], null, new float[n * d]);
        assertClose(r.loss(), g.loss(), 1e-3, "TF32 loss " + rng);
        assertClose(r.gradW(), g.gradW(), 5e-3, "TF32 dW " + rng);
        assertClose(r.gradX(), g.gradX(), 5e-3, "TF32 dX " + rng);
    }

    @Test
    void binaryCrossEntropyAndTheJacobian() {
        Rng rng = Rng.fresh();
        for (int[] s : new int[][] {{1, 1}, {1024, 33}, {65_536, 10}}) {
            int n = s[0];
            int k = s[1];
            float[] x = rng.normal(n * k, 5);
            float[] t = rng.uniform(n * k, 0, 1);
            for (Reduction red : Reduction.values()) {
                BinaryCrossEntropyOptions o = BinaryCrossEntropyOptions.defaults().withReduction(red)
                        .withPosWeight(rng.uniform(k, 0.5, 3));
                LossResult g = gpu.binaryCrossEntropy(x, t, n, k, o, poisoned(n * k), poisoned(n * k));
                LossResult r = cpu.binaryCrossEntropy(x, t, n, k, o, new float[n * k], new float[n * k]);
                String what = n + " x " + k + " " + o + " " + rng;
                if (red == Reduction.NONE) {
                    assertClose(r.losses(), g.losses(), LOGITS, "losses " + what);
                } else {
                    assertClose(r.loss(), g.loss(), LOGITS, "loss " + what);
                }
                assertClose(r.gradLogits(), g.gradLogits(), LOGITS, "gradient " + what);
                assertClose(r.probs(), g.probs(), LOGITS, "sigmoid " + what);
            }
        }
        float[] z = rng.normal(9 * 40, 2);
        assertClose(cpu.softmaxJacobian(z, 9, 40), gpu.softmaxJacobian(z, 9, 40), LOGITS, "Jacobian " + rng);
    }

    @Test
    void theEngineDescribesItsDevice() {
        assertEquals(Device.GPU, gpu.device());
        assertTrue(gpu.description().startsWith("GPU "), gpu.description());
    }
}
