package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/**
 * The fast engine's vectorised row softmax (src/main/c/row_softmax.c) against the reference's Java
 * loop, with each instruction set: every probability within a few ulp, the max exactly, log Σ
 * within a few ulp; rows of every tail length, masked classes, logits past exp's normal range,
 * huge offsets; and the rows it hands back to Java (all masked) as PyTorch computes them.
 */
class RowSoftmaxTest {
    /**
     * Relative error allowed for a probability: the sums run in other orders (up to about 4e-15
     * seen over 4,099 classes), the exponential within a few ulp.
     */
    private static final double REL = 1e-14;

    private static double[] row(Rng rng, int cols, double spread, double offset, boolean masked) {
        double[] z = new double[cols + 3];
        for (int j = 0; j < z.length; j++) {
            z[j] = offset + spread * (2 * rng.nextDouble() - 1);
            if (masked && rng.nextInt(0, 5) == 0) {
                z[j] = Double.NEGATIVE_INFINITY;
            }
        }
        z[3 + rng.nextInt(0, cols)] = offset; // at least one finite logit in the row
        return z;
    }

    @Test
    void vectorRowsAgreeWithTheJavaLoop() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        int[] widths = {RowSoftmax.VECTOR_MIN_COLS, 17, 19, 23, 32, 33, 35, 39, 40, 47, 64, 100, 1000, 1003, 4099};
        double[][] ranges = {{1, 0}, {30, 0}, {2000, 0}, {5, 1e12}, {1, -3e5}};
        SkinnyProductsTest.withEachSet(set -> {
            for (int cols : widths) {
                for (double[] range : ranges) {
                    for (boolean masked : new boolean[] {false, true}) {
                        double[] z = row(rng, cols, range[0], range[1], masked);
                        RowSoftmax java = new RowSoftmax(cols);
                        RowSoftmax vector = new RowSoftmax(cols, true);
                        double[] expected = java.of(z, 3, cols).clone();
                        double[] got = vector.of(z, 3, cols);
                        double[] direct = new double[cols + 2];
                        assertTrue(RowSoftmax.vectorRow0(z, 3, cols, direct), "the vector path took the row");
                        assertEquals(got[0], direct[0], "the row through the vector path");
                        String where = "set " + set + ", cols " + cols + ", spread " + range[0] + ", offset "
                                + range[1] + (masked ? ", masked" : "") + ", " + rng;
                        double sum = 0;
                        for (int j = 0; j < cols; j++) {
                            double e = expected[j];
                            double tolerance = e < 1e-300 ? 1e-300 : REL * e;
                            assertEquals(e, got[j], tolerance, "p[" + j + "], " + where);
                            if (Double.isInfinite(z[3 + j])) {
                                assertEquals(0.0, got[j], "a masked class, " + where);
                            }
                            sum += got[j];
                        }
                        assertEquals(1.0, sum, 1e-12, "Σ p, " + where);
                        for (int j = 0; j < cols; j++) {
                            double z0 = z[3 + j];
                            if (Double.isFinite(z0)) {
                                double want = java.logProb(z0);
                                assertEquals(want, vector.logProb(z0), 1e-13 * Math.max(1, Math.abs(want)),
                                        "log p[" + j + "], " + where);
                            }
                        }
                    }
                }
            }
        });
    }

    @Test
    void theExponentialIsWithinAFewUlpOfMathExp() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        SkinnyProductsTest.withEachSet(set -> {
            int cols = 40;
            double[] z = new double[cols];
            RowSoftmax vector = new RowSoftmax(cols, true);
            for (int trial = 0; trial < 2000; trial++) {
                z[0] = 0; // the max: p_j / p_0 = exp(z_j), four roundings from it
                for (int j = 1; j < cols; j++) {
                    z[j] = -700 * rng.nextDouble();
                }
                double[] p = vector.of(z, 0, cols);
                for (int j = 1; j < cols; j++) {
                    double want = Math.exp(z[j]);
                    assertEquals(want, p[j] / p[0], 1.5e-15 * want, "exp(" + z[j] + "), set " + set + ", " + rng);
                }
            }
        });
    }

    @Test
    void rowsWithoutAFiniteMaximumAreJavasAsPyTorchGivesThem() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        SkinnyProductsTest.withEachSet(set -> {
            int cols = 37;
            double[] z = new double[cols];
            java.util.Arrays.fill(z, Double.NEGATIVE_INFINITY);
            double[] p = new RowSoftmax(cols, true).of(z, 0, cols);
            for (int j = 0; j < cols; j++) {
                assertTrue(Double.isNaN(p[j]), "an all-masked row is NaN, set " + set);
            }
            assertFalse(RowSoftmax.vectorRow0(z, 0, cols, new double[cols + 2]), "handed back to Java, set " + set);
            double[] nan = new double[cols];
            nan[cols / 2] = Double.NaN; // a NaN anywhere, even before a finite maximum: Java's loop, NaN
            nan[cols - 1] = 5;
            assertFalse(RowSoftmax.vectorRow0(nan, 0, cols, new double[cols + 2]), "a NaN row, set " + set);
            assertTrue(Double.isNaN(new RowSoftmax(cols, true).of(nan, 0, cols)[0]), "NaN, set " + set);
            z[cols - 1] = -800; // one logit, far below exp's normal range: probability 1
            p = new RowSoftmax(cols, true).of(z, 0, cols);
            for (int j = 0; j < cols; j++) {
                assertEquals(j == cols - 1 ? 1.0 : 0.0, p[j], "one finite logit, set " + set);
            }
        });
    }

    /**
     * A block of rows prepared at once gives, row by row, the bits of the per-row native path, for
     * rows of every length (few logits included, which the per-row path leaves to Java), and the
     * rows the native path refuses (all masked, a NaN) as Java's loop gives them; rows outside the
     * block, or of another array, are computed afresh.
     */
    @Test
    void aPreparedBlockOfRowsHasTheBitsOfTheNativeRows() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        SkinnyProductsTest.withEachSet(set -> {
            for (int cols : new int[] {1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 40, 1003}) {
                int rows = 13;
                int off = 5;
                double[] z = new double[off + rows * cols + 4];
                for (int i = 0; i < z.length; i++) {
                    z[i] = 30 * (2 * rng.nextDouble() - 1);
                }
                java.util.Arrays.fill(z, off + 2 * cols, off + 3 * cols, Double.NEGATIVE_INFINITY); // row 2: all masked
                z[off + 5 * cols + cols / 2] = Double.NaN; // row 5: a NaN
                z[off + 7 * cols] = Double.NEGATIVE_INFINITY; // row 7: one masked class
                String where = "set " + set + ", cols " + cols + ", " + rng;
                RowSoftmax block = new RowSoftmax(cols, true);
                block.prepare(z, off, rows, cols);
                for (int r = 0; r < rows; r++) {
                    int at = off + r * cols;
                    double[] got = block.of(z, at, cols).clone();
                    boolean lookedUp = block.lastPrepared();
                    double[] want = new double[cols + 2];
                    boolean nativeRow = RowSoftmax.vectorRow0(z, at, cols, want);
                    RowSoftmax java = new RowSoftmax(cols);
                    double[] javaRow = java.of(z, at, cols);
                    for (int j = 0; j < cols; j++) {
                        if (nativeRow) {
                            assertEquals(Double.doubleToLongBits(want[j]), Double.doubleToLongBits(got[j]),
                                    "row " + r + " p[" + j + "], " + where);
                        } else {
                            assertEquals(Double.doubleToLongBits(javaRow[j]), Double.doubleToLongBits(got[j]),
                                    "row " + r + " (refused natively) p[" + j + "], " + where);
                        }
                    }
                    // Refused: row 2 (all masked), row 5 (a NaN), and row 7 when its one masked class is all of it.
                    assertEquals(r != 2 && r != 5 && !(r == 7 && cols == 1), nativeRow,
                            "which rows the native path takes, " + where);
                    assertEquals(nativeRow, lookedUp, "row " + r + " looked up in the prepared block, " + where);
                    double z0 = z[at + cols - 1];
                    if (Double.isFinite(z0) && nativeRow) {
                        assertEquals(Math.log(want[cols + 1]), z0 - want[cols] - block.logProb(z0), 1e-12,
                                "log Σ, row " + r + ", " + where);
                    }
                }
                // A row before the block, and the same offset in another array: computed, not looked up.
                double[] other = z.clone();
                other[off + 1] += 1;
                double[] fresh = block.of(other, off, cols).clone();
                assertFalse(block.lastPrepared(), "another array's row is not looked up, " + where);
                double[] expect = new RowSoftmax(cols, true).of(other, off, cols);
                for (int j = 0; j < cols; j++) {
                    assertEquals(expect[j], fresh[j], 1e-15, "another array, p[" + j + "], " + where);
                }
                if (off >= cols) {
                    double[] before = block.of(z, off - cols, cols).clone();
                    double[] direct = new RowSoftmax(cols, true).of(z, off - cols, cols);
                    for (int j = 0; j < cols; j++) {
                        assertEquals(direct[j], before[j], 0.0, "a row before the block, " + where);
                    }
                }
            }
        });
    }

    /**
     * The fast engine's native softmax backward (RowSoftmax.backwardRows) against the Java loop,
     * with each instruction set: every output within 2 ulp (only the dot's order differs), rows of
     * every tail length from an offset, the rows around them untouched, the same bits whether the
     * rows come one call each or all in one (the dot's order depends on cols alone); bounds refused.
     */
    @Test
    void backwardRowsAgreeWithTheJavaLoop() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        int[] widths = {1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17, 23, 24, 31, 32, 33, 47, 100, 1000, 1003, 4099};
        SkinnyProductsTest.withEachSet(set -> {
            for (int cols : widths) {
                int rows = rng.nextInt(1, 6);
                int off = (cols % 2 == 1 ? 1 : rng.nextInt(0, 3)) * cols; // whole rows before the ones computed
                int total = off + rows * cols + cols;
                float[] p = new float[total];
                float[] g = new float[total];
                for (int k = 0; k < total; k++) {
                    p[k] = (float) rng.nextDouble();
                    g[k] = (float) (4 * rng.nextDouble() - 2);
                }
                float[] out = new float[total];
                java.util.Arrays.fill(out, -7f);
                String where = "set " + set + ", cols " + cols + ", rows " + rows + ", off " + off + ", " + rng;
                assertTrue(RowSoftmax.backwardRows(p, g, out, off, rows, cols), "the native path took the rows, " + where);
                for (int r = 0; r < rows; r++) {
                    int at = off + r * cols;
                    double dot = 0;
                    for (int j = 0; j < cols; j++) {
                        dot += (double) g[at + j] * p[at + j];
                    }
                    for (int j = 0; j < cols; j++) {
                        float want = (float) (p[at + j] * (g[at + j] - dot));
                        assertEquals(want, out[at + j], 2 * Math.ulp(want) + 1e-12, "out[" + (at + j) + "], " + where);
                    }
                }
                for (int k = 0; k < total; k++) {
                    if (k < off || k >= off + rows * cols) {
                        assertEquals(-7f, out[k], "out[" + k + "] outside the rows, " + where);
                    }
                }
                float[] oneByOne = new float[total];
                java.util.Arrays.fill(oneByOne, -7f);
                for (int r = 0; r < rows; r++) {
                    assertTrue(RowSoftmax.backwardRows(p, g, oneByOne, off + r * cols, 1, cols), where);
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(out, oneByOne, "one call a row, " + where);
            }
        });
        float[] a = new float[10];
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> RowSoftmax.backwardRows(a, a.clone(), a.clone(), 5, 2, 3));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> RowSoftmax.backwardRows(a, a.clone(), new float[9], 0, 2, 5));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> RowSoftmax.backwardRows(a, a.clone(), a.clone(), 0, -1, 5));
        assertFalse(RowSoftmax.backwardRows(a, a.clone(), a.clone(), 0, 0, 5), "no rows: nothing to do");
    }

    /**
     * The fast engine's softmax backward through CpuBackend (the rows in parallel ranges, each range
     * from its own offset: many rows of a hundred classes, a few rows longer than a range) against
     * the reference's Java loop: the same bounds as above.
     */
    @Test
    void theFastEnginesBackwardAgreesWithTheReferencesOverManyRanges() {
        Rng rng = Rng.fresh();
        for (int[] shape : new int[][] {{700, 100}, {3, 20000}, {1000, 17}}) {
            int n = shape[0];
            int c = shape[1];
            float[] z = new float[n * c];
            float[] g = new float[n * c];
            for (int k = 0; k < z.length; k++) {
                z[k] = (float) (6 * rng.nextDouble() - 3);
                g[k] = (float) (4 * rng.nextDouble() - 2);
            }
            float[] p = new float[n * c];
            CpuBackend.reference().softmax(z, n, c, false, p);
            float[] want = new float[n * c];
            float[] got = new float[n * c];
            CpuBackend.reference().softmaxBackward(p, g, n, c, want);
            CpuBackend.fast().softmaxBackward(p, g, n, c, got);
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], got[k], 2 * Math.ulp(want[k]) + 1e-12, "out[" + k + "], " + n + " × " + c + ", " + rng);
            }
        }
    }
}
