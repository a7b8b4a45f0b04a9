package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.io.RowSource;
import org.softxent.testing.Rng;

/**
 * The classifiers with their rows read from a source block by block ({@code
 * CpuBackend#classifierFrom}, what training from a file uses) give the bits of the same calls on
 * the rows in one array, on each kind of products (softxent's kernels for few classes, OpenBLAS,
 * the exact reference's), and read each row once per call. (Where the CPU lacks the kernels'
 * instruction sets or OpenBLAS did not load, the first shapes run on the products that remain,
 * against the same array calls. The exact products read 16 MiB chunks from a source, the array's
 * rows in chunks of 2²⁰ logits: past both, the loss's sum may be grouped differently; the shape
 * here is one chunk either way.)
 */
class SourceReadsTest {
    /** rows, features, classes (or outputs), fast: one per kind of products, and few rows for OpenBLAS. */
    private static final int[][] SHAPES = {
            {1500, 600, 5, 1},  // kernels for few classes: 7 blocks of 218 rows
            {1500, 600, 40, 1}, // OpenBLAS: 4 blocks of 436 rows
            {6400, 512, 600, 1}, // OpenBLAS, dW by bands of features: 15 blocks of 436 rows, too many partials
            {100, 50, 5, 1},    // OpenBLAS: under the kernels' fewest rows
            {1500, 600, 5, 0},  // the exact reference, chunk by chunk
    };

    @Test
    void theSoftmaxClassifierFromASourceHasTheBitsOfTheArrays() {
        Rng rng = Rng.fresh();
        for (int[] s : SHAPES) {
            for (boolean weighted : new boolean[] {false, true}) {
                int n = s[0];
                int d = s[1];
                int c = s[2];
                boolean fast = s[3] == 1;
                float[] x = rng.normal(n * d, 2);
                float[] w = rng.normal(d * c, 0.1);
                float[] b = rng.normal(c, 0.5);
                int[] labels = rng.labels(n, c);
                labels[3] = -100; // ignored
                float[] rowWeights = weighted ? rng.uniform(n, 0, 2) : null;
                ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01).withCrossEntropy(
                        CrossEntropyOptions.defaults().withLabelSmoothing(0.1).withClassWeights(rng.uniform(c, 0.5, 2)));
                String where = n + " × " + d + " × " + c + (fast ? " fast" : " exact")
                        + (weighted ? " with row weights " : " ") + rng;
                float[][] gw = new float[2][d * c];
                float[][] gb = new float[2][c];
                int[][] predicted = new int[2][n];
                double inArray = CpuClassifier.run(new ClassifierProblem(x, w, b, labels, rowWeights, n, d, c, o, gw[0],
                        gb[0], null, predicted[0]), fast, null);
                Counted source = new Counted(x, n, d);
                double fromSource = CpuClassifier.run(new ClassifierProblem(null, w, b, labels, rowWeights, n, d, c, o,
                        gw[1], gb[1], null, predicted[1]), fast, source);
                assertTheSameCall(inArray, fromSource, gw, gb, predicted, source, n, where);
            }
        }
    }

    @Test
    void theSigmoidClassifierFromASourceHasTheBitsOfTheArrays() {
        Rng rng = Rng.fresh();
        for (int[] s : SHAPES) {
            int n = s[0];
            int d = s[1];
            int k = s[2] == 40 ? 20 : s[2] == 5 ? 1 : s[2];
            boolean fast = s[3] == 1;
            float[] x = rng.normal(n * d, 2);
            float[] w = rng.normal(d * k, 0.1);
            float[] b = rng.normal(k, 0.5);
            float[] targets = rng.uniform(n * k, 0, 1);
            float[] rowWeights = rng.uniform(n, 0, 2);
            BinaryClassifierOptions o = BinaryClassifierOptions.defaults().withReg(0.01).withBinaryCrossEntropy(
                    BinaryCrossEntropyOptions.defaults().withPosWeight(rng.uniform(k, 0.5, 3)));
            String where = n + " × " + d + " × " + k + (fast ? " fast " : " exact ") + rng;
            float[][] gw = new float[2][d * k];
            float[][] gb = new float[2][k];
            int[][] predicted = new int[2][n * k];
            double inArray = CpuClassifier.run(new BinaryClassifierProblem(x, w, b, targets, rowWeights, n, d, k, o,
                    gw[0], gb[0], null, predicted[0]), fast, null);
            Counted source = new Counted(x, n, d);
            double fromSource = CpuClassifier.run(new BinaryClassifierProblem(null, w, b, targets, rowWeights, n, d, k,
                    o, gw[1], gb[1], null, predicted[1]), fast, source);
            assertTheSameCall(inArray, fromSource, gw, gb, predicted, source, n, where);
        }
    }

    @Test
    void onlyTheFastEngineReadsSourcesAndItRefusesWhatDoesNotApply() {
        Rng rng = Rng.fresh();
        int n = 300;
        int d = 8;
        int c = 3;
        float[] x = rng.normal(n * d, 1);
        float[] w = rng.normal(d * c, 0.1);
        int[] labels = rng.labels(n, c);
        ClassifierOptions o = ClassifierOptions.defaults();
        try (CpuBackend fast = CpuBackend.fast(); CpuBackend exact = CpuBackend.reference()) {
            assertTrue(fast.readsSources(), "the fast engine reads sources");
            assertTrue(!exact.readsSources(), "the reference takes arrays");
            RowSource source = new Counted(x, n, d);
            assertThrows(UnsupportedOperationException.class, () -> exact.classifierFrom(new ClassifierProblem(null,
                    w, null, labels, null, n, d, c, o, new float[d * c], null, null, null), source));
            IllegalArgumentException withX = assertThrows(IllegalArgumentException.class, () ->
                    fast.classifierFrom(new ClassifierProblem(null, w, null, labels, null, n, d, c, o, new float[d * c],
                            null, new float[n * d], null), source));
            assertTrue(withX.getMessage().contains("gradX"), withX.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () ->
                    fast.classifierFrom(new ClassifierProblem(null, w, null, labels, null, n, d, c, o, new float[d * c],
                            null, null, null), new Counted(x, n - 1, d)));
            assertTrue(shape.getMessage().contains((n - 1) + " × " + d), shape.getMessage());
            float[] bad = w.clone();
            bad[5] = Float.NaN;
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () ->
                    fast.classifierFrom(new ClassifierProblem(null, bad, null, labels, null, n, d, c, o,
                            new float[d * c], null, null, null), source));
            assertTrue(nan.getMessage().startsWith("w["), nan.getMessage());
        }
    }

    /** The call on the array ([0]) and from the source ([1]): the same bits, each of the n rows read once. */
    private static void assertTheSameCall(double inArray, double fromSource, float[][] gw, float[][] gb,
                                          int[][] predicted, Counted source, int n, String where) {
        assertEquals(inArray, fromSource, "loss " + where);
        assertArrayEquals(gw[0], gw[1], "dW " + where);
        assertArrayEquals(gb[0], gb[1], "db " + where);
        assertArrayEquals(predicted[0], predicted[1], "predicted " + where);
        assertEquals(n, source.rowsRead.get(), "each row read once " + where);
    }

    /** Rows of an array read through a source that is no array, counting the rows read. */
    private static final class Counted implements RowSource {
        final float[] x;
        final long rows;
        final int d;
        final AtomicLong rowsRead = new AtomicLong();

        Counted(float[] x, long rows, int d) {
            this.x = x;
            this.rows = rows;
            this.d = d;
        }

        @Override
        public long rows() {
            return rows;
        }

        @Override
        public int features() {
            return d;
        }

        @Override
        public void read(long first, int count, float[] dst, int offset) {
            assertTrue(first >= 0 && first + count <= rows, "rows [" + first + ", " + (first + count) + ") of " + rows);
            System.arraycopy(x, (int) first * d, dst, offset, count * d);
            rowsRead.addAndGet(count);
        }
    }
}
