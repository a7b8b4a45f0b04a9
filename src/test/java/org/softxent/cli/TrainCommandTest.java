package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/** train, predict and evaluate from the command line, on the CPU (GpuCommandLineTest runs train on the GPU). */
class TrainCommandTest {
    static final String DIGITS = "src/test/resources/data/digits.csv.gz";

    @TempDir
    Path dir;

    static double lastAccuracy(CommandLineTest.Run r, String prefix) {
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith(prefix + " "), "the last line is '" + prefix + " <fraction>': " + last);
        return Double.parseDouble(last.substring(prefix.length() + 1));
    }

    @Test
    void theLossPanelNamesOnlyTheOptionsThatWeigh() {
        org.softxent.train.TrainingOptions o = org.softxent.train.TrainingOptions.defaults();
        assertEquals("mean log loss", TrainCommand.lossName(o));
        assertEquals("mean log loss", TrainCommand.lossName(o.withPositiveWeight(1)), "a weight of 1 weighs nothing");
        assertEquals("mean loss with positive weight", TrainCommand.lossName(o.withPositiveWeight(3)));
        assertEquals("mean loss with class weights, label smoothing",
                TrainCommand.lossName(o.withClassWeights(new float[] {1, 2}).withLabelSmoothing(0.1)));
    }

    @Test
    void trainsPredictsAndEvaluatesTheDigits() throws Exception {
        Path model = dir.resolve("model");
        CommandLineTest.Run r = CommandLineTest.run("train", "--data", DIGITS, "--out", model.toString(),
                "--device", "cpu", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        assertTrue(lastAccuracy(r, "test accuracy") >= 0.95, r.out());
        assertTrue(r.out().contains("confusion matrix on the 450 test rows") || r.out().contains("451 test rows"),
                r.out());
        assertTrue(r.err().contains("epoch 1/100"), "plain progress lines when not a terminal: " + r.err());
        for (String f : new String[] {"w.npy", "b.npy", "mean.npy", "scale.npy", "model.json", "curves.png",
                                      "history.csv"}) {
            assertTrue(Files.size(model.resolve(f)) > 0, f);
        }
        assertEquals(64 * 10, Npy.read(model.resolve("w.npy")).size());

        Path predictions = dir.resolve("pred");
        r = CommandLineTest.run("predict", "--model", model.toString(), "--data", DIGITS, "--out",
                predictions.toString());
        assertEquals(0, r.status(), r.err());
        NpyArray p = Npy.read(predictions.resolve("probabilities.npy"));
        NpyArray c = Npy.read(predictions.resolve("classes.npy"));
        assertEquals(1797 * 10, p.size());
        assertEquals(1797, c.size());

        r = CommandLineTest.run("evaluate", "--model", model.toString(), "--data", DIGITS);
        assertEquals(0, r.status(), r.err());
        assertTrue(lastAccuracy(r, "accuracy") >= 0.97, r.out());
    }

    @Test
    void npyFilesAndLogisticRegression() throws Exception {
        float[] x = new float[200 * 2];
        long[] y = new long[200];
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            y[i] = i % 2;
            x[2 * i] = (float) (random.nextGaussian() + 2 * y[i]);
            x[2 * i + 1] = (float) random.nextGaussian();
        }
        Path xs = dir.resolve("x.npy");
        Path ys = dir.resolve("y.npy");
        Npy.write(xs, NpyArray.ofFloats(x, 200, 2));
        Npy.write(ys, NpyArray.ofLongs(y, 200));
        CommandLineTest.Run r = CommandLineTest.run("train", "--data", xs.toString(), "--labels", ys.toString(),
                "--kind", "logistic", "--optimizer", "sgd", "--epochs", "20", "--out", dir.resolve("m").toString(),
                "--device", "cpu");
        assertEquals(0, r.status(), r.err());
        assertTrue(lastAccuracy(r, "test accuracy") >= 0.75, r.out());
    }

    /**
     * predict writes its probabilities batch by batch as they are computed: a .npy of more rows than
     * one batch reads (70,000 × 64: two batches) gives the predictions of the model called on the
     * rows held whole.
     */
    @Test
    void predictStreamsBatchesIntoItsFiles() throws Exception {
        Path model = dir.resolve("model");
        assertEquals(0, CommandLineTest.run("train", "--data", DIGITS, "--out", model.toString(), "--device", "cpu")
                .status());
        org.softxent.testing.Rng rng = org.softxent.testing.Rng.fresh();
        int rows = 70_000;
        float[] x = rng.uniform(rows * 64, 0, 16);
        Path xs = dir.resolve("many.npy");
        Npy.write(xs, NpyArray.ofFloats(x, rows, 64));
        Path predictions = dir.resolve("pred");
        CommandLineTest.Run r = CommandLineTest.run("predict", "--model", model.toString(), "--data", xs.toString(),
                "--out", predictions.toString(), "--device", "cpu");
        assertEquals(0, r.status(), r.err());
        float[] p = Npy.read(predictions.resolve("probabilities.npy")).floats();
        long[] c = Npy.read(predictions.resolve("classes.npy")).longs();
        org.softxent.train.LinearModel m = org.softxent.train.LinearModel.load(model);
        try (org.softxent.Softxent sx = org.softxent.Softxent.open(org.softxent.Device.CPU)) {
            org.softxent.train.LinearModel.Predictions whole = m.predictBoth(sx, x, rows);
            assertEquals(whole.probabilities().length, p.length);
            for (int i = 0; i < p.length; i++) {
                assertEquals(whole.probabilities()[i], p[i], 1e-6, "probability " + i + ", " + rng);
            }
            int differ = 0;
            for (int i = 0; i < rows; i++) {
                differ += whole.classes()[i] == c[i] ? 0 : 1;
            }
            assertTrue(differ <= 2, differ + " classes differ (near-ties only), " + rng);
        }
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path oneClass = dir.resolve("one.csv");
        Files.writeString(oneClass, "1,2,0\n3,4,0\n5,6,0\n7,8,0\n");
        Path out = dir.resolve("never");
        CommandLineTest.Run r = CommandLineTest.run("train", "--data", oneClass.toString(), "--out", out.toString(),
                "--device", "cpu", "--test-fraction", "0.5");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("at least two classes") || r.err().contains("no test"), r.err());
        assertFalse(Files.exists(out), "nothing written");

        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, "1,2,0\n3,nan,1\n5,6,0\n7,8,1\n1,1,0\n2,2,1\n3,3,0\n4,4,1\n");
        r = CommandLineTest.run("train", "--data", nan.toString(), "--out", out.toString(), "--device", "cpu");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("must be finite"), r.err());

        Path text = dir.resolve("text.csv");
        Files.writeString(text, "1,2,0\n3,four,1\n");
        r = CommandLineTest.run("train", "--data", text.toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("line 2 column 1") && r.err().contains("'four' is not a number"), r.err());

        r = CommandLineTest.run("train", "--data", "src/test/resources/data/digits.csv.gz", "--out", out.toString(),
                "--label-smoothing", "2");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--label-smoothing"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = CommandLineTest.run("evaluate", "--model", dir.toString(), "--data", "src/test/resources/data/digits.csv.gz");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--model") && r.err().contains("no model.json"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
