package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import org.softxent.testing.Rng;

/** The trained model on its own: its predictions, its evaluation, and its files. */
class LinearModelTest {
    @TempDir
    Path dir;

    private static LinearModel model(Rng rng, LinearModel.Kind kind, int f, int c) {
        int k = kind == LinearModel.Kind.SOFTMAX ? c : 1;
        return new LinearModel(kind, f, c, rng.normal(f * k, 1), rng.normal(k, 1), rng.normal(f, 1),
                rng.uniform(f, 0.5, 2));
    }

    @Test
    void predictionsFollowTheFormulaOfTheFiles() {
        Rng rng = Rng.fresh();
        int f = 5;
        int c = 4;
        int n = 30;
        LinearModel m = model(rng, LinearModel.Kind.SOFTMAX, f, c);
        float[] x = rng.normal(n * f, 2);
        float[] p = m.predictProba(x, n);
        int[] predicted = m.predict(x, n);
        float[] w = m.w();
        for (int r = 0; r < n; r++) {
            double[] z = new double[c];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                z[j] = m.b()[j];
                for (int q = 0; q < f; q++) {
                    z[j] += (x[r * f + q] - m.mean()[q]) / m.scale()[q] * w[q * c + j];
                }
                max = Math.max(max, z[j]);
            }
            double sum = 0;
            for (double v : z) {
                sum += Math.exp(v - max);
            }
            int best = 0;
            for (int j = 0; j < c; j++) {
                assertEquals(Math.exp(z[j] - max) / sum, p[r * c + j], 1e-6, "row " + r + " " + rng);
                best = z[j] > z[best] ? j : best;
            }
            assertEquals(best, predicted[r], rng.toString());
        }
        LinearModel.Predictions both = m.predictBoth(x, n);
        assertArrayEquals(p, both.probabilities(), "predictBoth's probabilities " + rng);
        assertArrayEquals(predicted, both.classes(), "predictBoth's classes " + rng);
        int[] labels = rng.labels(n, c);
        Evaluation e = m.evaluate(x, labels, n);
        int right = 0;
        double loss = 0;
        for (int r = 0; r < n; r++) {
            right += predicted[r] == labels[r] ? 1 : 0;
            loss -= Math.log(p[r * c + labels[r]]);
        }
        assertEquals((double) right / n, e.accuracy(), 1e-12);
        assertEquals(loss / n, e.logLoss(), 1e-5 * loss / n);
        int total = 0;
        for (int[] row : e.confusion()) {
            for (int v : row) {
                total += v;
            }
        }
        assertEquals(n, total);
    }

    @Test
    void savedModelsLoadTheSameAndNumPyReadsThem() throws Exception {
        Rng rng = Rng.fresh();
        for (LinearModel.Kind kind : LinearModel.Kind.values()) {
            LinearModel m = model(rng, kind, 6, kind == LinearModel.Kind.SOFTMAX ? 3 : 2);
            Path folder = dir.resolve(kind.name());
            m.save(folder);
            LinearModel back = LinearModel.load(folder);
            assertEquals(m.kind(), back.kind());
            assertArrayEquals(m.w(), back.w());
            assertArrayEquals(m.b(), back.b());
            assertArrayEquals(m.mean(), back.mean());
            assertArrayEquals(m.scale(), back.scale());
            float[] x = rng.normal(4 * 6, 1);
            assertArrayEquals(m.predictProba(x, 4), back.predictProba(x, 4));
            NpyArray w = Npy.read(folder.resolve("w.npy"));
            assertArrayEquals(new int[] {6, m.outputs()}, w.shape());
        }
    }

    /**
     * Two models saved into one folder at once, with loads between them: every load and the folder
     * at the end are one model's files, never a mix, and nothing is left aside.
     */
    @Test
    void savingOntoAFileSaysAModelIsAFolder() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "not a model");
        LinearModel m = model(Rng.fresh(), LinearModel.Kind.SOFTMAX, 4, 3);
        java.nio.file.FileAlreadyExistsException e = assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> m.save(file));
        assertTrue(e.getMessage().contains("a model is saved into a folder"), e.getMessage());
        assertEquals("not a model", Files.readString(file), "the file is left as it was");
    }

    @Test
    void savesIntoOneFolderAtOnceLeaveOneModelWhole() throws Exception {
        Rng rng = Rng.fresh();
        LinearModel a = model(rng, LinearModel.Kind.SOFTMAX, 7, 3);
        LinearModel b = model(rng, LinearModel.Kind.SOFTMAX, 7, 3);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 40; round++) {
                Path folder = dir.resolve("round" + round);
                java.util.List<java.util.concurrent.Future<LinearModel>> loads = new java.util.ArrayList<>();
                java.util.concurrent.Future<?> saveA = pool.submit(() -> {
                    a.save(folder);
                    return null;
                });
                java.util.concurrent.Future<?> saveB = pool.submit(() -> {
                    b.save(folder);
                    return null;
                });
                loads.add(pool.submit(() -> {
                    while (!Files.exists(folder.resolve("model.json"))) {
                        Thread.onSpinWait();
                    }
                    return LinearModel.load(folder);
                }));
                saveA.get();
                saveB.get();
                loads.add(pool.submit(() -> LinearModel.load(folder)));
                for (java.util.concurrent.Future<LinearModel> f : loads) {
                    LinearModel got = f.get();
                    LinearModel expected = java.util.Arrays.equals(got.w(), a.w()) ? a : b;
                    String what = "round " + round + " " + rng;
                    assertArrayEquals(expected.w(), got.w(), what);
                    assertArrayEquals(expected.b(), got.b(), what);
                    assertArrayEquals(expected.mean(), got.mean(), what);
                    assertArrayEquals(expected.scale(), got.scale(), what);
                }
                try (java.util.stream.Stream<Path> files = Files.list(folder)) {
                    assertEquals(java.util.Set.of("w.npy", "b.npy", "mean.npy", "scale.npy", "model.json"),
                            files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                            "round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aModelOfAnotherVersionOrNoModelIsRefused() throws Exception {
        Rng rng = Rng.fresh();
        LinearModel m = model(rng, LinearModel.Kind.SOFTMAX, 3, 2);
        m.save(dir);
        Path json = dir.resolve("model.json");
        Files.writeString(json, Files.readString(json).replace("\"version\": 2", "\"version\": 3"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LinearModel.load(dir));
        assertTrue(e.getMessage().contains("version 3") && e.getMessage().contains("reads versions 1 to 2"),
                e.getMessage());
        Files.delete(json);
        e = assertThrows(ModelFormatException.class, () -> LinearModel.load(dir));
        assertTrue(e.getMessage().contains("no model.json"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.evaluate(new float[3], new int[] {2}, 1));
    }

    @Test
    void theSplitIsStratifiedAndDrawnFromTheSeed() {
        int[] labels = new int[400];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2; // 70 %, 20 %, 10 %
        }
        Split s = Split.stratified(labels, 3, 0.25, 7);
        assertEquals(100, s.heldOut().length);
        int[] counts = Labels.counts(Split.rows(labels, s.heldOut()), 3);
        assertArrayEquals(new int[] {70, 20, 10}, counts);
        assertArrayEquals(s.heldOut(), Split.stratified(labels, 3, 0.25, 7).heldOut());
        assertTrue(!java.util.Arrays.equals(s.heldOut(), Split.stratified(labels, 3, 0.25, 8).heldOut()));
    }

    @Test
    void probabilitiesAreExactAtEveryMagnitude() {
        Rng rng = Rng.fresh();
        int f = 3;
        int c = 3;
        // Every class the same logit, 1e17 and more: each row shares its probability evenly.
        float[] w = new float[f * c];
        java.util.Arrays.fill(w, 1e17f);
        LinearModel tied = new LinearModel(LinearModel.Kind.SOFTMAX, f, c, w, new float[c], new float[f],
                new float[] {1, 1, 1});
        float[] x = rng.uniform(5 * f, 1, 2);
        float[] p = tied.predictProba(x, 5);
        for (int r = 0; r < 5; r++) {
            for (int j = 0; j < c; j++) {
                assertEquals(1.0 / 3, p[r * c + j], 1e-7, "row " + r + " " + rng);
            }
        }
        // One class ahead by a margin of 1e16: probability 1 for it, 0 for the rest, a loss of 0.
        float[] apart = new float[f * c];
        apart[0] = 1e16f;
        LinearModel ahead = new LinearModel(LinearModel.Kind.SOFTMAX, f, c, apart, new float[c], new float[f],
                new float[] {1, 1, 1});
        float[] ones = {1, 0, 0};
        assertArrayEquals(new float[] {1, 0, 0}, ahead.predictProba(ones, 1));
        assertEquals(0, ahead.evaluate(ones, new int[] {0}, 1).logLoss(), 0);
        assertEquals(1e16, ahead.evaluate(ones, new int[] {1}, 1).logLoss(), 1e16 * 1e-6, "the margin, exactly");
        // Logistic regression far out: each side from its own formula, so the small one is not 0.
        LinearModel logistic = new LinearModel(LinearModel.Kind.LOGISTIC, 1, 2, new float[] {50}, new float[1],
                new float[1], new float[] {1});
        float[] q = logistic.predictProba(new float[] {1}, 1);
        assertEquals(Math.exp(-50), q[0], Math.exp(-50) * 1e-6);
        assertEquals(1f, q[1]);
    }

    @Test
    void aModelAnswersInItsClassValues() {
        Rng rng = Rng.fresh();
        LinearModel m = new LinearModel(LinearModel.Kind.LOGISTIC, 2, new int[] {3, 7}, new float[] {4, 0},
                new float[1], new float[2], new float[] {1, 1});
        assertArrayEquals(new int[] {3, 7}, m.predict(new float[] {-1, 0, 1, 0}, 2));
        assertEquals(1.0, m.evaluate(new float[] {-1, 0, 1, 0}, new int[] {3, 7}, 2).accuracy());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.evaluate(new float[] {-1, 0, 1, 0}, new int[] {3, 1}, 2));
        assertTrue(e.getMessage().contains("labels[1] = 1 is not one of the model's 2 classes [3, 7]"),
                e.getMessage());
        assertTrue(m.toString().contains("[3, 7]"), m.toString());
        float[] nan = rng.normal(2, 1);
        nan[1] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> new LinearModel(LinearModel.Kind.LOGISTIC, 2,
                new int[] {3, 7}, nan, new float[1], new float[2], new float[] {1, 1}));
        assertTrue(e.getMessage().contains("w[1, 0] is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LinearModel(LinearModel.Kind.SOFTMAX, 2,
                new int[] {7, 3}, new float[4], new float[2], new float[2], new float[] {1, 1}));
        assertTrue(e.getMessage().contains("distinct and ascending"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LinearModel(LinearModel.Kind.SOFTMAX, 1,
                new int[] {0, 1}, new float[2], new float[] {0, Float.POSITIVE_INFINITY}, new float[1],
                new float[] {1}));
        assertTrue(e.getMessage().contains("b[1] is Infinity"), e.getMessage());
    }

    @Test
    void theSavedFolderKeepsTheClassesAndTheInput() throws Exception {
        Rng rng = Rng.fresh();
        LinearModel m = new LinearModel(LinearModel.Kind.SOFTMAX, 3, new int[] {-5, 2, 40}, rng.normal(9, 1),
                rng.normal(3, 1), rng.normal(3, 1), rng.uniform(3, 0.5, 2))
                .withInput(LinearModel.Input.csv(4, 0, true));
        m.save(dir);
        LinearModel back = LinearModel.load(dir);
        assertArrayEquals(new int[] {-5, 2, 40}, back.labels());
        assertEquals(LinearModel.Input.csv(4, 0, true), back.input().orElseThrow());
        float[] x = rng.normal(6, 1);
        assertArrayEquals(m.predict(x, 2), back.predict(x, 2));
        // The header's names, kept and compared without the label's; a model without them reads as before.
        java.util.List<String> names = java.util.List.of("y", "a", "b, c", "\"d\"");
        m.withInput(LinearModel.Input.csv(4, 0, true, names)).save(dir);
        LinearModel.Input in = LinearModel.load(dir).input().orElseThrow();
        assertEquals(names, in.names());
        assertEquals(java.util.List.of("a", "b, c", "\"d\""), in.featureNames());
        assertNull(LinearModel.Input.csv(4, 0, true).featureNames());
        Path json = dir.resolve("model.json");
        Files.writeString(json, Files.readString(json).replace("\"y\",", ""));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LinearModel.load(dir));
        assertTrue(e.getMessage().contains("\"names\" must be an array of 4 strings"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearModel.Input.csv(4, 0, false, names));
        assertThrows(IllegalArgumentException.class, () -> LinearModel.Input.csv(3, 0, true, names));
    }
}
