package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/**
 * The confusion matrix held by its non-zero cells: the same counts as a dense tally, for few
 * classes (counted densely) and for many (counted by sorting the rows' cells), and its CSV whole up
 * to {@link Evaluation#DENSE_CSV_CLASSES} classes, by non-zero cells past it.
 */
class EvaluationTest {
    @Test
    void fewClassesCountAsADenseTally() {
        Rng rng = Rng.fresh();
        int classes = 7;
        int rows = 500;
        int[] truth = rng.labels(rows, classes);
        int[] predicted = rng.labels(rows, classes);
        int[] labels = {-3, 0, 2, 5, 8, 13, 40};
        Evaluation e = Evaluation.of(rows, 0.25, truth, predicted, labels);
        int[][] dense = new int[classes][classes];
        int right = 0;
        for (int r = 0; r < rows; r++) {
            dense[truth[r]][predicted[r]]++;
            right += truth[r] == predicted[r] ? 1 : 0;
        }
        for (int i = 0; i < classes; i++) {
            assertArrayEquals(dense[i], e.confusion()[i], "row " + i + " " + rng);
        }
        assertEquals((double) right / rows, e.accuracy(), 0, rng.toString());
        assertEquals(new Evaluation(rows, (double) right / rows, 0.25, dense, labels), e, rng.toString());
        StringBuilder csv = new StringBuilder("true\\pred,-3,0,2,5,8,13,40\n");
        for (int i = 0; i < classes; i++) {
            csv.append(labels[i]);
            for (int j = 0; j < classes; j++) {
                csv.append(',').append(dense[i][j]);
            }
            csv.append('\n');
        }
        assertEquals(csv.toString(), e.confusionCsv(), rng.toString());
    }

    @Test
    void manyClassesCountByCellWithoutAClassesSquaredMatrix() {
        Rng rng = Rng.fresh();
        int classes = 40_000; // 1.6e9 cells: a dense int[][] would take 6.4 GB
        int rows = 30_000;
        int[] truth = rng.labels(rows, classes);
        int[] predicted = truth.clone();
        for (int r = 0; r < rows; r += 3) {
            predicted[r] = rng.nextInt(0, classes);
        }
        for (int r = 0; r < 50; r++) { // some cells counted more than once
            truth[r] = 7;
            predicted[r] = 11;
        }
        int[] labels = new int[classes];
        for (int k = 0; k < classes; k++) {
            labels[k] = 2 * k + 1;
        }
        Evaluation e = Evaluation.of(rows, 1.5, truth, predicted, labels);
        Map<Long, Integer> tally = new HashMap<>();
        int[] perClass = new int[classes];
        for (int r = 0; r < rows; r++) {
            tally.merge((long) truth[r] * classes + predicted[r], 1, Integer::sum);
            perClass[truth[r]]++;
        }
        for (int r = 0; r < rows; r += 7) {
            assertEquals(tally.get((long) truth[r] * classes + predicted[r]), e.count(truth[r], predicted[r]),
                    "cell of row " + r + " " + rng);
        }
        assertEquals((int) tally.getOrDefault((long) (classes - 1) * classes, 0), e.count(classes - 1, 0), rng.toString());
        assertEquals((int) tally.getOrDefault((long) classes - 1, 0), e.count(0, classes - 1), rng.toString());
        assertArrayEquals(perClass, e.classCounts(), rng.toString());
        String[] lines = e.confusionCsv().split("\n");
        assertEquals("true,predicted,count", lines[0], rng.toString());
        assertEquals(tally.size() + 1, lines.length, rng.toString());
        long previous = -1;
        long sum = 0;
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            int t = (Integer.parseInt(f[0]) - 1) / 2;
            int p = (Integer.parseInt(f[1]) - 1) / 2;
            long key = (long) t * classes + p;
            assertTrue(key > previous, "ascending cells at line " + i + " " + rng);
            previous = key;
            assertEquals(tally.get(key), Integer.parseInt(f[2]), lines[i] + " " + rng);
            sum += Integer.parseInt(f[2]);
        }
        assertEquals(rows, sum, rng.toString());
        assertTrue(e.count(7, 11) >= 50, rng.toString());
    }
}
