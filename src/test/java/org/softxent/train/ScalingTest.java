package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.softxent.io.RowSource;

/** The one-pass scaling statistics against a two-pass double reference, and its finiteness check. */
class ScalingTest {
    private final long seed = System.nanoTime();

    /** Rows with a large offset per feature (cancellation would show), one constant feature. */
    private float[] data(SplittableRandom r, int rows, int features) {
        float[] x = new float[rows * features];
        for (int i = 0; i < rows; i++) {
            for (int q = 0; q < features; q++) {
                x[i * features + q] = q == 3 ? 7.25f : (float) (1000 * q + r.nextGaussian() * (q + 1));
            }
        }
        return x;
    }

    @Test
    void kept_rows_statistics_match_two_passes_in_double() {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 5000 + r.nextInt(3000);
        int features = 9;
        float[] x = data(r, rows, features);
        int[] kept = java.util.stream.IntStream.range(0, rows).filter(i -> r.nextInt(4) != 0).toArray();
        Scaling s = Scaling.of(x, rows, features, kept, true);
        for (int q = 0; q < features; q++) {
            double mean = 0;
            for (int i : kept) {
                mean += x[i * features + q];
            }
            mean /= kept.length;
            double squares = 0;
            for (int i : kept) {
                double d = x[i * features + q] - mean;
                squares += d * d;
            }
            double sd = Math.sqrt(squares / kept.length);
            assertEquals((float) mean, s.mean()[q], Math.ulp((float) mean) * 2, "mean " + q + ", seed " + seed);
            float expected = q == 3 ? 1f : (float) sd;
            assertEquals(expected, s.scale()[q], Math.ulp(expected) * 4, "scale " + q + ", seed " + seed);
        }
        assertArrayEquals(new int[] {3}, s.constant(), "seed " + seed);
        // The same bits on one thread and through a source read in slices (as a file is), not an array.
        ForkJoinPool one = new ForkJoinPool(1);
        try {
            Scaling single = one.submit(() -> Scaling.of(sliced(x, rows, features), kept, true)).get();
            assertArrayEquals(s.mean(), single.mean(), "seed " + seed);
            assertArrayEquals(s.scale(), single.scale(), "seed " + seed);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("seed " + seed, e);
        } finally {
            one.shutdown();
        }
    }

    /** x as a source without an array behind it: every read a copy, as from a file. */
    static RowSource sliced(float[] x, int rows, int features) {
        RowSource inner = RowSource.of(x, rows, features);
        return new RowSource() {
            @Override
            public long rows() {
                return rows;
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                inner.read(first, count, dst, offset);
            }
        };
    }

    /**
     * A view of uint8 rows (a file of pixels), read as bytes and converted and scaled in one pass,
     * gives the bits of the same rows read as floats, through runs of the indices and between them.
     */
    @Test
    void a_view_of_uint8_rows_gives_the_bits_of_the_same_rows_as_floats() {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 700;
        int features = 37; // not a whole number of vectors
        byte[] stored = new byte[rows * features];
        float[] x = new float[stored.length];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (byte) r.nextInt(256);
            x[i] = stored[i] & 0xff;
        }
        int[] indices = java.util.stream.IntStream.range(0, rows).filter(i -> i % 7 != 3).toArray();
        int[] bytesRead = {0};
        RowSource bytes = new RowSource() {
            @Override
            public long rows() {
                return rows;
            }

            @Override
            public int features() {
                return features;
            }

            @Override
            public void read(long first, int count, float[] dst, int offset) {
                throw new AssertionError("read as floats, seed " + seed);
            }

            @Override
            public boolean holdsBytes() {
                return true;
            }

            @Override
            public void readBytes(long first, int count, byte[] dst, int offset) {
                System.arraycopy(stored, (int) first * features, dst, offset, count * features);
                bytesRead[0] += count;
            }
        };
        Scaling scaling = Scaling.of(RowSource.of(x, rows, features), indices, true);
        RowSource fromBytes = scaling.view(RowSource.checked(RowSource.select(bytes, java.util.stream.IntStream
                .range(0, rows).toArray())), indices);
        RowSource fromFloats = scaling.view(sliced(x, rows, features), indices);
        for (int[] range : new int[][] {{0, indices.length}, {5, 1}, {100, 250}}) {
            float[] a = new float[range[1] * features + 3];
            float[] b = new float[a.length];
            fromBytes.read(range[0], range[1], a, 3);
            fromFloats.read(range[0], range[1], b, 3);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]),
                        "value " + i + " of rows [" + range[0] + ", +" + range[1] + "), seed " + seed);
            }
        }
        // (At least the rows picked: narrow rows a few apart are read through their gap, in one span.)
        assertTrue(bytesRead[0] >= indices.length + 1 + 250, "every row read as bytes, seed " + seed);
        // Scaled into a new array (the rows a training holds in memory): from the bytes in one pass,
        // from the floats read into place and scaled there; both the formula's bits, value by value.
        float[] expected = new float[indices.length * features];
        for (int k = 0; k < indices.length; k++) {
            for (int q = 0; q < features; q++) {
                expected[k * features + q] = (float) (((double) x[indices[k] * features + q] - scaling.mean()[q])
                        / scaling.scale()[q]);
            }
        }
        int before = bytesRead[0];
        float[] applied = scaling.apply(bytes, indices);
        assertTrue(bytesRead[0] - before >= indices.length, "apply read bytes, seed " + seed);
        float[] appliedFloats = scaling.apply(sliced(x, rows, features), indices);
        float[] viewed = new float[expected.length + 5];
        fromFloats.read(0, indices.length, viewed, 5);
        for (int i = 0; i < expected.length; i++) {
            int bits = Float.floatToRawIntBits(expected[i]);
            assertEquals(bits, Float.floatToRawIntBits(applied[i]), "apply from bytes, value " + i + ", seed " + seed);
            assertEquals(bits, Float.floatToRawIntBits(appliedFloats[i]), "apply, value " + i + ", seed " + seed);
            assertEquals(bits, Float.floatToRawIntBits(viewed[5 + i]), "view, value " + i + ", seed " + seed);
        }
    }

    @Test
    void a_nan_in_a_held_out_row_or_an_infinity_in_a_kept_one_is_named() {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 3000;
        int features = 5;
        int[] kept = java.util.stream.IntStream.range(0, rows).filter(i -> i % 3 != 0).toArray();
        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
            float[] x = data(r, rows, features);
            int row = bad != bad ? 3 * (1 + r.nextInt(rows / 3 - 1)) : 3 * r.nextInt(rows / 3) + 1; // held out : kept
            int column = r.nextInt(features);
            x[row * features + column] = bad;
            for (RowSource source : new RowSource[] {RowSource.of(x, rows, features), sliced(x, rows, features)}) {
                NonFiniteFeatureException e = assertThrows(NonFiniteFeatureException.class,
                        () -> Scaling.of(source, kept, true), "seed " + seed);
                assertEquals(row, e.row(), "seed " + seed);
                assertEquals(column, e.column(), "seed " + seed);
            }
        }
    }
}
