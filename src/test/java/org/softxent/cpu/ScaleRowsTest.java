package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/** The vectorised standardisation gives the Java loop's bits, with each instruction set. */
class ScaleRowsTest {
    @Test
    void theBitsOfTheJavaLoop() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        SkinnyProductsTest.withEachSet(set -> {
            for (int d : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 784}) {
                int rows = 1 + rng.nextInt(0, 40);
                float[] in = new float[rows * d + 5];
                float[] mean = new float[d];
                float[] scale = new float[d];
                for (int i = 0; i < in.length; i++) {
                    double magnitude = Math.pow(10, rng.nextInt(-30, 38));
                    in[i] = (float) ((2 * rng.nextDouble() - 1) * magnitude);
                }
                for (int q = 0; q < d; q++) {
                    mean[q] = (float) ((2 * rng.nextDouble() - 1) * Math.pow(10, rng.nextInt(-5, 38)));
                    scale[q] = (float) (rng.nextDouble() * Math.pow(10, rng.nextInt(-10, 10)) + Float.MIN_VALUE);
                }
                float[] out = new float[rows * d + 9];
                assertTrue(ScaleRows.scale(in, 5, out, 9, rows, d, mean, scale), "the vector path ran, set " + set);
                for (int i = 0; i < rows; i++) {
                    for (int q = 0; q < d; q++) {
                        float want = (float) (((double) in[5 + i * d + q] - mean[q]) / scale[q]);
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[9 + i * d + q]),
                                "row " + i + " feature " + q + " of " + d + ", set " + set + ", " + rng);
                    }
                }
            }
        });
        assertThrows(IndexOutOfBoundsException.class,
                () -> ScaleRows.scale(new float[10], 0, new float[9], 0, 5, 2, new float[2], new float[2]));
    }

    /** uint8 values converted and scaled in one pass: the bits of the Java loop on them as floats. */
    @Test
    void bytesScaledHaveTheBitsOfTheJavaLoop() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        SkinnyProductsTest.withEachSet(set -> {
            for (int d : new int[] {1, 3, 4, 5, 7, 8, 9, 17, 784}) {
                int rows = 1 + rng.nextInt(0, 40);
                byte[] in = new byte[rows * d + 5];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (byte) rng.nextInt(-128, 128);
                }
                float[] mean = new float[d];
                float[] scale = new float[d];
                for (int q = 0; q < d; q++) {
                    mean[q] = (float) (255 * rng.nextDouble());
                    scale[q] = (float) (rng.nextDouble() * Math.pow(10, rng.nextInt(-3, 3)) + Float.MIN_VALUE);
                }
                float[] out = new float[rows * d + 9 + 4];
                java.util.Arrays.fill(out, -7.5f);
                assertTrue(ScaleRows.scaleBytes(in, 5, out, 9, rows, d, mean, scale), "the vector path ran, set " + set);
                for (int i : new int[] {0, 8, rows * d + 9, out.length - 1}) {
                    assertEquals(-7.5f, out[i], "nothing written outside the rows, set " + set + ", " + rng);
                }
                for (int i = 0; i < rows; i++) {
                    for (int q = 0; q < d; q++) {
                        float v = in[5 + i * d + q] & 0xff;
                        float want = (float) (((double) v - mean[q]) / scale[q]);
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[9 + i * d + q]),
                                "row " + i + " feature " + q + " of " + d + ", set " + set + ", " + rng);
                    }
                }
            }
        });
        assertThrows(IndexOutOfBoundsException.class,
                () -> ScaleRows.scaleBytes(new byte[10], 0, new float[9], 0, 5, 2, new float[2], new float[2]));
    }

    /** Bytes and shorts, signed and unsigned, over their whole range, to floats as Java converts them. */
    @Test
    void widensEveryByteAndShortExactly() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 63, 1000, 65536 + 3}) {
            int inOff = rng.nextInt(0, 9);
            int outOff = rng.nextInt(0, 9);
            byte[] bytes = new byte[inOff + n];
            short[] shorts = new short[inOff + n];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) rng.nextInt(-128, 128);
                shorts[i] = (short) rng.nextInt(-32768, 32768);
            }
            for (int i = 0; i < Math.min(n, 256); i++) { // every byte value, the extremes of shorts
                bytes[inOff + i] = (byte) i;
                shorts[inOff + i] = (short) (i % 2 == 0 ? 0x8000 + i / 2 : 0x7fff - i / 2);
            }
            for (boolean unsigned : new boolean[] {false, true}) {
                float[] out = new float[outOff + n + 2];
                float[] outShorts = new float[outOff + n + 2];
                java.util.Arrays.fill(out, -0.5f);
                java.util.Arrays.fill(outShorts, -0.5f);
                assertTrue(ScaleRows.widen(bytes, inOff, out, outOff, n, unsigned));
                assertTrue(ScaleRows.widen(shorts, inOff, outShorts, outOff, n, unsigned));
                for (int i = 0; i < out.length; i++) {
                    int k = i - outOff;
                    boolean in = k >= 0 && k < n;
                    float want = !in ? -0.5f : unsigned ? bytes[inOff + k] & 0xff : bytes[inOff + k];
                    float wantShort = !in ? -0.5f : unsigned ? shorts[inOff + k] & 0xffff : shorts[inOff + k];
                    assertEquals(want, out[i], "byte " + k + " of " + n + (unsigned ? " unsigned " : " signed ") + rng);
                    assertEquals(wantShort, outShorts[i], "short " + k + " of " + n + (unsigned ? " unsigned " : " signed ")
                            + rng);
                }
            }
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> ScaleRows.widen(new byte[10], 2, new float[10], 0, 9, true));
        assertThrows(IndexOutOfBoundsException.class,
                () -> ScaleRows.widen(new short[10], 0, new float[10], 2, 9, false));
    }

    @Test
    void theStatisticsHaveTheBitsOfTheJavaLoop() {
        Assumptions.assumeTrue(SkinnyProducts.whyNot() == null, "the CPU products' library is not loaded");
        Rng rng = Rng.fresh();
        SkinnyProductsTest.withEachSet(set -> {
            for (int d : new int[] {1, 3, 4, 5, 8, 9, 17, 784}) {
                for (int mode = 0; mode < 3; mode++) { // every row kept, some, none
                    int rows = 1 + rng.nextInt(0, 40);
                    float[] v = new float[rows * d + 3];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) ((2 * rng.nextDouble() - 1) * Math.pow(10, rng.nextInt(-20, 30)));
                    }
                    boolean[] keep = null;
                    if (mode > 0) {
                        keep = new boolean[rows + 2];
                        for (int i = 0; i < keep.length; i++) {
                            keep[i] = mode == 1 && rng.nextInt(0, 3) > 0;
                        }
                    }
                    double[] sum = new double[d];
                    double[] squares = new double[d];
                    java.util.Arrays.fill(sum, Double.NaN); // overwritten
                    java.util.Arrays.fill(squares, Double.NaN);
                    double[] check = {1.5};
                    int n = ScaleRows.moments(v, 3, rows, d, keep, 2, sum, squares, check);
                    // Java's loop, as org.softxent.train.Scaling computes it.
                    double[] wantSum = new double[d];
                    double[] wantSquares = new double[d];
                    double wantCheck = 0;
                    int wantN = 0;
                    for (int i = 0; i < rows; i++) {
                        if (keep == null || keep[2 + i]) {
                            wantN++;
                            for (int q = 0; q < d; q++) {
                                wantSum[q] += v[3 + i * d + q];
                            }
                        } else {
                            for (int q = 0; q < d; q++) {
                                wantCheck += v[3 + i * d + q];
                            }
                        }
                    }
                    assertEquals(wantN, n, "kept rows, set " + set + ", " + rng);
                    for (int q = 0; q < d && wantN > 0; q++) {
                        wantSum[q] /= wantN;
                    }
                    for (int i = 0; i < rows && wantN > 0; i++) {
                        if (keep == null || keep[2 + i]) {
                            for (int q = 0; q < d; q++) {
                                double dev = v[3 + i * d + q] - wantSum[q];
                                wantSquares[q] += dev * dev;
                            }
                        }
                    }
                    for (int q = 0; q < d; q++) {
                        String where = "feature " + q + " of " + d + ", " + rows + " rows, mode " + mode + ", set "
                                + set + ", " + rng;
                        assertEquals(Double.doubleToRawLongBits(wantSum[q]), Double.doubleToRawLongBits(sum[q]),
                                "mean of " + where);
                        assertEquals(Double.doubleToRawLongBits(wantSquares[q]),
                                Double.doubleToRawLongBits(squares[q]), "squares of " + where);
                    }
                    assertEquals(Double.isFinite(1.5 + wantCheck), Double.isFinite(check[0]), "check, " + rng);
                }
            }
            // A held-out infinity reaches the check; a kept one the sums.
            float[] v = {1, 2, Float.POSITIVE_INFINITY, 4};
            double[] check = {0};
            double[] sum = new double[2];
            double[] squares = new double[2];
            assertEquals(1, ScaleRows.moments(v, 0, 2, 2, new boolean[] {true, false}, 0, sum, squares, check));
            assertTrue(Double.isInfinite(check[0]), "set " + set);
            check[0] = 0;
            assertEquals(1, ScaleRows.moments(v, 0, 2, 2, new boolean[] {false, true}, 0, sum, squares, check));
            assertTrue(Double.isFinite(check[0]) && Double.isInfinite(sum[0]), "set " + set);
        });
        assertThrows(IndexOutOfBoundsException.class, () -> ScaleRows.moments(new float[10], 0, 3, 4, null, 0,
                new double[4], new double[4], new double[1]));
        assertThrows(IndexOutOfBoundsException.class, () -> ScaleRows.moments(new float[12], 0, 3, 4,
                new boolean[2], 0, new double[4], new double[4], new double[1]));
    }
}
