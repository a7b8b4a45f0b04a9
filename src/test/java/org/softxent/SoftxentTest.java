package org.softxent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.softxent.cuda.CudaBackends;
import org.softxent.testing.Rng;

/** The entry point itself: device selection, closing, and the CPU reference's determinism. */
class SoftxentTest {
    /**
     * An L2 strength whose 2·reg·w cannot be a float is refused (1e308 had given NaN gradients where
     * w is 0); the largest one allowed computes finite gradients for weights of 1.
     */
    @Test
    void anL2BeyondFloatsRangeIsRefused() {
        for (double bad : new double[] {1e308, 2.0 * ClassifierOptions.MAX_REG, Double.NaN, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClassifierOptions.defaults().withReg(bad));
            assertTrue(e.getMessage().contains("reg") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> BinaryClassifierOptions.defaults().withReg(bad));
            assertThrows(IllegalArgumentException.class,
                    () -> org.softxent.train.TrainingOptions.defaults().withL2(bad));
        }
        try (Softxent sx = Softxent.openReference()) {
            float[] gw = new float[4];
            sx.classifier(new float[] {1, 2, 3, 4}, new float[] {1, 0, 0, 1}, null, new int[] {0, 1}, 2, 2, 2,
                    ClassifierOptions.defaults().withReg(ClassifierOptions.MAX_REG), gw, null, null);
            for (float g : gw) {
                assertTrue(Float.isFinite(g), java.util.Arrays.toString(gw));
            }
        }
    }

    /**
     * Two inputs may be one array (they are only read): the backward pass of ½Σp² (probs and
     * gradProbs both p), the classifier with x and w one square array, cross-entropy against its own
     * logits as targets; each as with a copy, on the fast engine and the reference.
     */
    @Test
    void twoInputsMayBeOneArray() {
        Rng rng = Rng.fresh();
        int n = 6;
        for (Softxent sx : new Softxent[] {Softxent.open(Device.CPU), Softxent.openReference()}) {
            try (sx) {
                float[] p = rng.normal(n * n, 1);
                float[] out = new float[n * n];
                float[] copyOut = new float[n * n];
                sx.softmaxBackward(p, p, n, n, out);
                sx.softmaxBackward(p, p.clone(), n, n, copyOut);
                assertArrayEquals(copyOut, out, rng.toString());
                int[] y = rng.labels(n, n);
                float[] gw = new float[n * n];
                float[] copyGw = new float[n * n];
                double loss = sx.classifier(p, p, null, y, n, n, n, ClassifierOptions.defaults(), gw, null, null).loss();
                double copyLoss = sx.classifier(p, p.clone(), null, y, n, n, n, ClassifierOptions.defaults(), copyGw,
                        null, null).loss();
                assertEquals(copyLoss, loss, 0.0, rng.toString());
                assertArrayEquals(copyGw, gw, rng.toString());
                float[] g = new float[n * n];
                float[] copyG = new float[n * n];
                double ce = sx.crossEntropyWithTargets(p, n, n, p, CrossEntropyOptions.defaults(), g, null).loss();
                double copyCe = sx.crossEntropyWithTargets(p, n, n, p.clone(), CrossEntropyOptions.defaults(), copyG,
                        null).loss();
                assertEquals(copyCe, ce, 0.0, rng.toString());
                assertArrayEquals(copyG, g, rng.toString());
            }
        }
    }


    @Test
    void autoSaysWhyItFellBackAndGpuFailsWithTheSameReason() {
        try (Softxent auto = Softxent.open(Device.AUTO)) {
            if (auto.device() == Device.CPU && CudaBackends.simulated()) {
                // Auto never chooses the simulated device; GPU opens it, and says it is simulated.
                assertTrue(auto.fallbackReason().orElseThrow().contains("softxent's simulated one"),
                        auto.fallbackReason().toString());
                try (Softxent gpu = Softxent.open(Device.GPU)) {
                    assertTrue(gpu.description().contains("simulated"), gpu.description());
                }
            } else if (auto.device() == Device.CPU) {
                String why = auto.fallbackReason().orElseThrow();
                assertFalse(why.isBlank());
                DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                        () -> Softxent.open(Device.GPU));
                assertEquals(why, e.getMessage());
            } else {
                assertTrue(auto.fallbackReason().isEmpty());
            }
        }
        try (Softxent cpu = Softxent.open(Device.CPU)) {
            assertEquals(Device.CPU, cpu.device());
            assertTrue(cpu.fallbackReason().isEmpty(), "an explicit device is no fallback");
            assertTrue(cpu.description().startsWith("CPU"));
        }
    }

    @Test
    void theCpuEngineMultipliesWithOpenBlasWhereItShipsAndTheReferenceSaysItIsExact() {
        try (Softxent cpu = Softxent.open(Device.CPU); Softxent reference = Softxent.openReference()) {
            if ("amd64".equals(System.getProperty("os.arch")) && "Linux".equals(System.getProperty("os.name"))) {
                assertTrue(cpu.description().contains("OpenBLAS"), cpu.description());
            }
            assertTrue(reference.description().startsWith("CPU reference (double accumulation"),
                    reference.description());
            assertEquals(Device.CPU, reference.device());
        }
    }

    /**
     * The CPU engine's OpenBLAS path over several chunks of rows, the last one short, and 16 blocks
     * of rows a chunk (the split follows the shape, whatever the cores): with 3 classes, dW from
     * per-block partials (4,096 features: 1,024 rows a chunk); with 600, from 4 bands of features
     * (6,976 rows a chunk). Both classifiers agree with the reference and give the same bits twice.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} x {1} x {2}")
    @org.junit.jupiter.params.provider.CsvSource({"2500, 4096, 3", "7000, 512, 600"})
    void theCpuEngineAgreesWithTheReferenceAcrossChunksBlocksAndBands(int n, int d, int c) {
        Rng rng = Rng.fresh();
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.02);
        float[] b = rng.normal(c, 0.1);
        int[] y = rng.labels(n, c);
        ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
        try (Softxent cpu = Softxent.open(Device.CPU); Softxent reference = Softxent.openReference()) {
            ClassifierResult ref = reference.classifier(x, w, b, y, n, d, c, o, new float[d * c], new float[c],
                    new float[n * d]);
            ClassifierResult one = cpu.classifier(x, w, b, y, n, d, c, o, poison(d * c), poison(c), poison(n * d));
            ClassifierResult two = cpu.classifier(x, w, b, y, n, d, c, o, poison(d * c), poison(c), poison(n * d));
            org.softxent.testing.Close.assertClose(ref.loss(), one.loss(), 1e-5, "loss " + rng);
            org.softxent.testing.Close.assertClose(ref.gradW(), one.gradW(), 1e-4, "dW " + rng);
            org.softxent.testing.Close.assertClose(ref.gradB(), one.gradB(), 1e-5, "db " + rng);
            org.softxent.testing.Close.assertClose(ref.gradX(), one.gradX(), 1e-5, "dX " + rng);
            assertEquals(Double.doubleToLongBits(one.loss()), Double.doubleToLongBits(two.loss()), "loss bits " + rng);
            assertArrayEquals(one.gradW(), two.gradW(), "dW bits " + rng);
            assertArrayEquals(one.gradX(), two.gradX(), "dX bits " + rng);
            assertArrayEquals(one.gradB(), two.gradB(), "db bits " + rng);

            float[] t = new float[n * c];
            for (int i = 0; i < t.length; i++) {
                t[i] = y[i / c] == i % c ? 1f : 0f;
            }
            BinaryClassifierOptions bo = BinaryClassifierOptions.defaults().withReg(0.01);
            ClassifierResult bref = reference.binaryClassifier(x, w, b, t, n, d, c, bo, new float[d * c],
                    new float[c], new float[n * d]);
            ClassifierResult bone = cpu.binaryClassifier(x, w, b, t, n, d, c, bo, poison(d * c), poison(c),
                    poison(n * d));
            org.softxent.testing.Close.assertClose(bref.loss(), bone.loss(), 1e-5, "binary loss " + rng);
            org.softxent.testing.Close.assertClose(bref.gradW(), bone.gradW(), 1e-4, "binary dW " + rng);
            org.softxent.testing.Close.assertClose(bref.gradB(), bone.gradB(), 1e-5, "binary db " + rng);
            org.softxent.testing.Close.assertClose(bref.gradX(), bone.gradX(), 1e-5, "binary dX " + rng);
        }
    }

    private static float[] poison(int length) {
        float[] a = new float[length];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    @Test
    void aGpuOrdinalThatDoesNotExistIsRefusedByName() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> Softxent.openGpu(7));
        if (CudaBackends.whyNoDevice() == null) {
            assertTrue(e.getMessage().contains("no CUDA device 7"), e.getMessage());
            try (Softxent first = Softxent.openGpu(0)) {
                assertEquals(Device.GPU, first.device());
            }
        } else {
            assertEquals(CudaBackends.whyNoDevice(), e.getMessage());
        }
        assertThrows(DeviceUnavailableException.class, () -> Softxent.openGpu(-1));
    }

    @Test
    void aClosedEngineRefusesWorkAndClosingTwiceIsHarmless() {
        Softxent sx = Softxent.open(Device.CPU);
        sx.close();
        sx.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sx.softmax(new float[] {1, 2}, 1, 2));
        assertTrue(e.getMessage().contains("closed"));
    }

    /** The reference must give the same bits whatever the number of threads. */
    @Test
    void theCpuReferenceIsDeterministicAcrossThreadCounts() throws Exception {
        Rng rng = Rng.fresh();
        int n = 3000;
        int c = 97;
        float[] z = rng.normal(n * c, 3);
        int[] y = rng.labels(n, c);
        float[] w = rng.uniform(c, 0.5, 2);
        int d = 40;
        float[] x = rng.normal(n * d, 1);
        float[] wm = rng.normal(d * c, 0.2);
        float[] b = rng.normal(c, 0.1);
        try (Softxent sx = Softxent.openReference()) {
            Supplier<Object[]> run = () -> {
                LossResult ce = sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults().withClassWeights(w)
                        .withLabelSmoothing(0.1), new float[n * c], new float[n * c]);
                LossResult bce = sx.binaryCrossEntropy(z, sx.softmax(z, n, c), n, c,
                        BinaryCrossEntropyOptions.defaults());
                ClassifierResult clf = sx.classifier(x, wm, b, y, n, d, c, ClassifierOptions.defaults().withReg(0.1),
                        new float[d * c], new float[c], new float[n * d]);
                return new Object[] {ce.loss(), ce.gradLogits(), ce.probs(), bce.loss(), bce.gradLogits(),
                    clf.loss(), clf.gradW(), clf.gradB(), clf.gradX()};
            };
            Object[] one = inPool(1, run);
            Object[] four = inPool(4, run);
            for (int i = 0; i < one.length; i++) {
                if (one[i] instanceof Double) {
                    assertEquals(Double.doubleToLongBits((Double) one[i]), Double.doubleToLongBits((Double) four[i]),
                            "output " + i + ", " + rng);
                } else {
                    assertArrayEquals((float[]) one[i], (float[]) four[i], "output " + i + ", " + rng);
                }
            }
        }
    }

    private static Object[] inPool(int threads, Supplier<Object[]> task) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(task::get).get();
        } finally {
            pool.shutdown();
        }
    }
}
