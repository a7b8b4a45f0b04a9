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
}
