package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.softxent.ClassifierOptions;
import org.softxent.ClassifierResult;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.Rng;

/**
 * OpenBLAS's products on Java arrays: in place (pinned), and copied into native memory and back,
 * give the bits of the same product on native buffers, from offsets and at strides, C with beta;
 * only the span of C the product covers is written; bounds are refused before any native code;
 * and a classifier whose blocks take the arrays in place gives the bits of the copying path.
 */
class BlasTest {
    private static float[] values(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * rng.nextDouble() - 1);
        }
        return a;
    }

    private static FloatPointer pointer(float[] a) {
        FloatPointer p = new FloatPointer(a.length);
        p.put(a, 0, a.length);
        return p;
    }

    @Test
    void productsOfArraysHaveTheBitsOfNativeBuffersInPlaceAndCopied() {
        Assumptions.assumeTrue(Blas.whyNot() == null, "OpenBLAS did not load: " + Blas.whyNot());
        Rng rng = Rng.fresh();
        int m = 37;
        int n = 11;
        int k = 29;
        int lda = 40; // gemmTransA's A: a band of k columns of rows of 40
        float[] a = values(rng, 3 + m * lda);
        float[] bt = values(rng, 5 + n * k);
        float[] b = values(rng, 5 + k * n);
        float[] bm = values(rng, 2 + m * n);
        float[] c0 = values(rng, 7 + m * n + 3);
        float[] t0 = values(rng, 7 + k * n + 3);
        // In place where softxent's native library is loaded (else both passes copy), and copied.
        for (boolean inPlace : new boolean[] {true, false}) {
            Blas.allowInPlace(inPlace);
            try {
                String where = (inPlace ? "in place" : "copied") + ", " + rng;
                // gemm, B as [k, n] and as [n, k], beta 0.5: against the same product on native buffers.
                for (boolean transB : new boolean[] {false, true}) {
                    float[] bb = transB ? bt : b;
                    float[] want = new float[m * n];
                    FloatPointer pa = new FloatPointer(m * k);
                    float[] dense = new float[m * k];
                    System.arraycopy(a, 3, dense, 0, m * k);
                    pa.put(dense, 0, m * k);
                    FloatPointer pb = new FloatPointer(k * n);
                    pb.put(bb, 5, k * n);
                    FloatPointer pc = new FloatPointer(m * n);
                    pc.put(c0, 7, m * n);
                    Blas.gemm(m, n, k, pa, pb, transB, 0.5f, pc);
                    pc.get(want, 0, m * n);
                    float[] c = c0.clone();
                    Blas.gemm(m, n, k, Blas.Ref.of(a, 3), Blas.Ref.of(bb, 5), transB, 0.5f, Blas.Ref.of(c, 7));
                    float[] got = new float[m * n];
                    System.arraycopy(c, 7, got, 0, m * n);
                    assertArrayEquals(want, got, "gemm, transB " + transB + ", " + where);
                    for (int i = 0; i < c.length; i++) {
                        if (i < 7 || i >= 7 + m * n) {
                            assertEquals(c0[i], c[i], "C outside the product's span, " + where);
                        }
                    }
                }
                // gemmTransA: C[k, n] = A[:, band]ᵀ·B with A at stride lda, mixed with a native C.
                FloatPointer pa = pointer(a);
                FloatPointer pb = new FloatPointer(m * n);
                pb.put(bm, 2, m * n);
                FloatPointer pc = new FloatPointer(k * n);
                pc.put(t0, 7, k * n);
                Blas.gemmTransA(m, k, n, pa.getPointer(3 + 4), lda, pb, 1f, pc);
                float[] want = new float[k * n];
                pc.get(want, 0, k * n);
                float[] t = t0.clone();
                Blas.gemmTransA(m, k, n, Blas.Ref.of(a, 3 + 4), lda, Blas.Ref.of(bm, 2), 1f, Blas.Ref.of(t, 7));
                float[] got = new float[k * n];
                System.arraycopy(t, 7, got, 0, k * n);
                assertArrayEquals(want, got, "gemmTransA, " + where);
                for (int i = 0; i < t.length; i++) {
                    if (i < 7 || i >= 7 + k * n) {
                        assertEquals(t0[i], t[i], "C outside gemmTransA's span, " + where);
                    }
                }
                FloatPointer native2 = new FloatPointer(k * n);
                native2.put(t0, 7, k * n);
                Blas.gemmTransA(m, k, n, Blas.Ref.of(a, 3 + 4), lda, Blas.Ref.of(bm, 2), 1f, Blas.Ref.of(native2));
                float[] mixed = new float[k * n];
                native2.get(mixed, 0, k * n);
                assertArrayEquals(want, mixed, "gemmTransA into native memory, " + where);
                // Bounds: one element past the array, a stride shorter than a row.
                assertThrows(IndexOutOfBoundsException.class, () -> Blas.gemm(m, n, k, Blas.Ref.of(a, a.length - m * k + 1),
                        Blas.Ref.of(b, 0), false, 0f, Blas.Ref.of(new float[m * n], 0)), "A past its end, " + where);
                assertThrows(IndexOutOfBoundsException.class, () -> Blas.gemmTransA(m, k, n, Blas.Ref.of(a, 0), k - 1,
                        Blas.Ref.of(bm, 0), 0f, Blas.Ref.of(new float[k * n], 0)), "a stride under a row, " + where);
                assertThrows(IndexOutOfBoundsException.class, () -> Blas.gemm(m, n, k, Blas.Ref.of(a, 0),
                        Blas.Ref.of(b, 0), false, 0f, Blas.Ref.of(new float[m * n], -1)), "a negative offset, " + where);
            } finally {
                Blas.allowInPlace(true);
            }
        }
    }

    @Test
    void aClassifierInPlaceHasTheBitsOfTheCopies() {
        Assumptions.assumeTrue(Blas.whyNot() == null, "OpenBLAS did not load: " + Blas.whyNot());
        Assumptions.assumeTrue(Blas.inPlace(1), "no products in place here: " + SkinnyProducts.whyNot());
        Rng rng = Rng.fresh();
        int n = 3000; // 3 blocks of 1,024 rows (256 features), the last short
        int d = 256;
        int c = 20; // beyond the kernels for few classes: OpenBLAS
        float[] x = values(rng, n * d);
        float[] w = values(rng, d * c);
        float[] b = values(rng, c);
        int[] y = rng.labels(n, c);
        float[] rowWeights = rng.uniform(n, 0.5, 2);
        ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
        float[][] gw = new float[2][d * c];
        float[][] gb = new float[2][c];
        float[][] gx = new float[2][n * d];
        double[] loss = new double[2];
        try (Softxent cpu = Softxent.open(Device.CPU)) {
            for (int i = 0; i < 2; i++) {
                Blas.allowInPlace(i == 0);
                try {
                    ClassifierResult r = cpu.classifier(x, w, b, y, rowWeights, n, d, c, o, gw[i], gb[i], gx[i], null);
                    loss[i] = r.loss();
                } finally {
                    Blas.allowInPlace(true);
                }
            }
        }
        String where = n + " × " + d + " × " + c + ", " + rng;
        assertEquals(Double.doubleToLongBits(loss[1]), Double.doubleToLongBits(loss[0]), "loss, " + where);
        assertArrayEquals(gw[1], gw[0], "dW, " + where);
        assertArrayEquals(gb[1], gb[0], "db, " + where);
        assertArrayEquals(gx[1], gx[0], "dX, " + where);
    }

    /**
     * Under -Xcheck:jni HotSpot hands native code a copy of each array and writes it back whole,
     * which would undo the rows other threads write into one output: in such a JVM softxent's native
     * kernels stay off (products in place included) and the engine's description says why.
     */
    @Test
    void aJvmThatCopiesArraysForNativeCodeGetsNoNativeKernelsAndSaysWhy() throws Exception {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "softxent's native library is not loaded here");
        String launcher = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(launcher, "-Xcheck:jni", "-cp", System.getProperty("java.class.path"),
                Describe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        org.junit.jupiter.api.Assertions.assertTrue(out.contains("softxent's own kernels off: this JVM hands native "
                + "code copies of arrays"), out);
        org.junit.jupiter.api.Assertions.assertTrue(out.contains("in place false"), out);
    }

    /**
     * OpenBLAS loads at the first product that needs it, not when the engine opens: opening the
     * engine and a classifier of few classes and enough rows (softxent's own kernels) leave it
     * unloaded (not begun, not mapped into the process), one of more classes loads it and gives the
     * reference's numbers. Fresh JVMs, since a JVM loads it once.
     */
    @Test
    void openBlasLoadsAtTheFirstProductThatNeedsIt() throws Exception {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "softxent's native library is not loaded here");
        long seed = Rng.fresh().seed();
        java.util.Map<String, String> got = child(java.util.Map.of("softxent.seed", Long.toString(seed)));
        String where = "seed=" + seed + "\n" + got.get("(output)");
        assertEquals("false", got.get("opened"), where);
        assertEquals("false", got.get("few"), where);
        assertEquals("false", got.get("mappedBefore"), where);
        assertEquals("true", got.get("many"), where);
        org.junit.jupiter.api.Assertions.assertTrue(Double.parseDouble(got.get("worst")) < 1e-4, where);
        Assumptions.assumeTrue(got.get("whyNot").equals("null"), "OpenBLAS did not load here: " + where);
        assertEquals("true", got.get("mappedAfter"), where);
        org.junit.jupiter.api.Assertions.assertTrue(got.get("description").contains(Blas.name() + " and "), where);
    }

    /**
     * Where OpenBLAS cannot load (a platform JavaCPP has no files for), the product that needed it
     * is computed in Java all the same, and the description says why from then on.
     */
    @Test
    void aProductWhoseOpenBlasCannotLoadIsComputedInJavaAndTheDescriptionSaysWhy() throws Exception {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "softxent's native library is not loaded here");
        long seed = Rng.fresh().seed();
        java.util.Map<String, String> got = child(java.util.Map.of("softxent.seed", Long.toString(seed),
                "org.bytedeco.javacpp.platform", "linux-none"));
        String where = "seed=" + seed + "\n" + got.get("(output)");
        assertEquals("true", got.get("many"), where);
        org.junit.jupiter.api.Assertions.assertTrue(got.get("whyNot").startsWith("OpenBLAS did not load"), where);
        org.junit.jupiter.api.Assertions.assertTrue(got.get("description").contains(
                "in Java with double accumulation for the others (OpenBLAS did not load"), where);
        org.junit.jupiter.api.Assertions.assertTrue(Double.parseDouble(got.get("worst")) < 1e-4, where);
    }

    /** With softxent's own kernels off every product needs OpenBLAS: the engine loads it when it opens. */
    @Test
    void withoutSoftxentsKernelsOpenBlasLoadsWhenTheEngineOpens() throws Exception {
        long seed = Rng.fresh().seed();
        java.util.Map<String, String> got = child(java.util.Map.of("softxent.seed", Long.toString(seed),
                SkinnyProducts.PROPERTY, "false"));
        String where = "seed=" + seed + "\n" + got.get("(output)");
        assertEquals("true", got.get("opened"), where);
        org.junit.jupiter.api.Assertions.assertTrue(Double.parseDouble(got.get("worst")) < 1e-4, where);
    }

    private static java.util.Map<String, String> child(java.util.Map<String, String> properties) throws Exception {
        java.nio.file.Path errors = java.nio.file.Files.createTempFile("softxent-blas-child", ".log");
        try {
            return org.softxent.testing.ChildJvm.run(Load.class, properties, java.util.Map.of(), errors);
        } finally {
            java.nio.file.Files.deleteIfExists(errors);
        }
    }

    /**
     * Run by the tests above: whether OpenBLAS's load has begun (and its library is mapped) after
     * each step, and the many-class classifier against the reference's.
     */
    static final class Load {
        public static void main(String[] args) throws java.io.IOException {
            Rng rng = Rng.fresh();
            try (Softxent sx = Softxent.open(Device.CPU); Softxent ref = Softxent.openReference()) {
                System.out.println("opened=" + Blas.loadBegun());
                // Few enough classes for the kernels on AVX2 too (6 at most there).
                classifier(sx, rng, SkinnyProducts.MIN_ROWS + 7, 64, 5);
                System.out.println("few=" + Blas.loadBegun());
                System.out.println("mappedBefore=" + openBlasMapped());
                int n = 300;
                int d = 48;
                int c = SkinnyProducts.MAX_CLASSES + 9;
                float[] x = values(rng, n * d);
                float[] w = values(rng, d * c);
                float[] b = values(rng, c);
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = rng.nextInt(0, c);
                }
                ClassifierResult got = sx.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults());
                System.out.println("many=" + Blas.loadBegun());
                System.out.println("mappedAfter=" + openBlasMapped());
                System.out.println("whyNot=" + Blas.whyNot());
                System.out.println("description=" + sx.description());
                ClassifierResult want = ref.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults());
                double worst = Math.abs(got.loss() - want.loss()) / Math.abs(want.loss());
                for (int i = 0; i < want.gradW().length; i++) {
                    worst = Math.max(worst, Math.abs(got.gradW()[i] - want.gradW()[i]) / (1e-3 + Math.abs(want.gradW()[i])));
                }
                System.out.println("worst=" + worst);
            }
        }

        /** Whether an OpenBLAS library is mapped into this process (Linux's own list of its mappings), or "unknown". */
        private static String openBlasMapped() throws java.io.IOException {
            java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
            return java.nio.file.Files.isReadable(maps)
                    ? String.valueOf(java.nio.file.Files.readString(maps).contains("libopenblas")) : "unknown";
        }

        private static void classifier(Softxent sx, Rng rng, int n, int d, int c) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextInt(0, c);
            }
            sx.classifier(values(rng, n * d), values(rng, d * c), values(rng, c), y, n, d, c, ClassifierOptions.defaults());
        }
    }

    /** Prints the CPU engine's description and whether products take arrays in place (run by the test above). */
    static final class Describe {
        public static void main(String[] args) {
            try (Softxent sx = Softxent.open(Device.CPU)) {
                System.out.println(sx.description());
                System.out.println("in place " + Blas.inPlace(1));
            }
        }
    }
}
