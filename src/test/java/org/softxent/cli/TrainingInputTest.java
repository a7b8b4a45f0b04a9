package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.softxent.cuda.CudaBackends;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * The catalogue of train, predict and evaluate against what a hostile new user gives them, on
 * every device train runs on: each bad case exits 2 with one line on standard error naming the
 * flag, the file and the place (line and column, or row), with nothing written, nothing changed
 * and, where the case says so, before any work; each good case is one that once gave a wrong or
 * surprising answer with exit 0, and must now give the right one.
 *
 * <p>The fixture is small and random (the seed is in every message): three classes of 240 rows
 * and 4 features, well apart, written as a CSV with the label last, the same with the label
 * first, and as .npy files; and a model trained from each.
 */
class TrainingInputTest {
    private static final String[] DEVICES = {"cpu", "gpu"};
    private static final String GPU_MISSING = CudaBackends.whyNoDevice();
    static final int ROWS = 240;
    static final int D = 4;

    static Path base;
    static long seed;

    /** What a case must show. */
    interface Check {
        void check(CommandLineTest.Run r, Fixture f) throws Exception;
    }

    interface Setup {
        String[] args(Fixture f) throws Exception;
    }

    /**
     * One command line: its status; for a refusal, whether it comes before any work (nothing on
     * standard output) and what the one line must name; for a success, what it must show.
     */
    record Case(String name, int status, boolean beforeAnyWork, boolean perDevice, Setup setup, Check check,
                String... mustName) {
    }

    /** Refused before any work, on every device (train) or once (predict, evaluate: no device). */
    static Case bad(String name, Setup setup, String... mustName) {
        return new Case(name, Main.EXIT_BAD_INPUT, true, true, setup, null, mustName);
    }

    /** Right, with exit 0, on every device. */
    static Case good(String name, Setup setup, Check check) {
        return new Case(name, 0, false, true, setup, check);
    }

    /** predict and evaluate, which take no --device: refused once. */
    static Case badOnce(String name, Setup setup, String... mustName) {
        return new Case(name, Main.EXIT_BAD_INPUT, true, false, setup, null, mustName);
    }

    /** predict and evaluate: right once. */
    static Case goodOnce(String name, Setup setup, Check check) {
        return new Case(name, 0, false, false, setup, check);
    }

    @BeforeAll
    static void fixture() throws Exception {
        base = Files.createTempDirectory("training-input");
        seed = System.nanoTime();
        Fixture.writeBase(base, seed);
    }

    @AfterAll
    static void clean() throws IOException {
        try (Stream<Path> walk = Files.walk(base)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @TestFactory
    Stream<DynamicNode> everyCaseOnEveryDevice() {
        List<Case> all = cases();
        List<DynamicNode> nodes = new ArrayList<>();
        for (String device : DEVICES) {
            nodes.add(DynamicContainer.dynamicContainer("--device " + device, all.stream()
                    .filter(c -> c.perDevice() || device.equals("cpu"))
                    .map(c -> DynamicTest.dynamicTest(c.name(), () -> run(device, c)))));
        }
        return nodes.stream();
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.addAll(labelColumnCases());
        cases.addAll(classCases());
        cases.addAll(modelFolderCases());
        cases.addAll(probabilityCases());
        cases.addAll(optionCases());
        cases.addAll(earlyCheckCases());
        cases.addAll(messageCases());
        cases.addAll(trialCases());
        return cases;
    }

    // ---------------------------------------------------------------------------------------------
    // 1. The label column: a model reads its own kind of file, and refuses one that does not fit.

    static List<Case> labelColumnCases() {
        return List.of(
            goodOnce("a model trained with the label in column 0 predicts that kind of file with no flag", f -> f.predict(
                    "model0", f.file("label0.csv")), (r, f) -> assertAccurate(f, f.predicted(), f.truth())),
            goodOnce("... and evaluates it with no flag", f -> f.evaluate("model0", f.file("label0.csv")),
                    (r, f) -> assertTrue(lastNumber(r, "accuracy") >= 0.95, r.out())),
            goodOnce("... and predicts the same rows without their label column", f -> f.predict("model0",
                    f.file("features.csv")), (r, f) -> assertAccurate(f, f.predicted(), f.truth())),
            good("train with --label-column 0 records it in model.json", f -> f.train("--data", f.file("label0.csv"),
                    "--label-column", "0"), (r, f) -> {
                    String json = Files.readString(f.out.resolve("model.json"));
                    assertTrue(json.contains("\"label_column\": 0") && json.contains("\"columns\": 5"), json);
                    assertTrue(lastNumber(r, "test accuracy") >= 0.95, r.out());
                }),
            badOnce("predict: --label-column on a file as wide as the model's features", f -> f.predict("model",
                    f.file("features.csv"), "--label-column", "0"), "--label-column 0", "4 columns", "no label column"),
            badOnce("evaluate: a file without a label column", f -> f.evaluate("model", f.file("features.csv")),
                    "--data", "features.csv", "no label column", "evaluate needs the labels"),
            badOnce("predict: a file with one column more than a label", f -> f.predict("model", f.write("wide.csv",
                    widen(f.text("train.csv")))), "--data", "wide.csv", "6 columns", "4 features",
                    "5 columns with the label in column 4"),
            badOnce("predict: a file with fewer columns than the model's features", f -> f.predict("model",
                    f.write("narrow.csv", narrow(f.text("features.csv")))), "--data", "narrow.csv", "3 columns",
                    "the model takes 4 features"),
            bad("--label-column -2", f -> f.train("--data", f.file("train.csv"), "--label-column", "-2"),
                    "--label-column -2", "a column from 0", "'last'"),
            bad("--label-column abc", f -> f.train("--data", f.file("train.csv"), "--label-column", "abc"),
                    "--label-column abc"),
            bad("train: --label-column beyond the columns", f -> f.train("--data", f.file("train.csv"),
                    "--label-column", "9"), "--data", "train.csv", "line 1", "5 columns", "no column 9"),
            badOnce("predict: a model from .npy files and a CSV with a label column", f -> f.predict("modelnpy",
                    f.file("train.csv")), "--data", "train.csv", "trained from .npy files", "--label-column"),
            goodOnce("predict: a model from .npy files and a CSV with --label-column", f -> f.predict("modelnpy",
                    f.file("label0.csv"), "--label-column", "0"), (r, f) -> assertAccurate(f, f.predicted(), f.truth())),
            bad("--label-column with a .npy --data", f -> f.train("--data", f.file("x.npy"), "--labels",
                    f.file("y.npy"), "--label-column", "0"), "--label-column applies to a CSV", "x.npy"),
            bad("--labels with a CSV --data", f -> f.train("--data", f.file("train.csv"), "--labels",
                    f.file("y.npy")), "--labels", "train.csv", "is a CSV"),
            badOnce("predict: --labels", f -> f.predict("modelnpy", f.file("x.npy"), "--labels", f.file("y.npy")),
                    "--labels", "predict takes no labels"),
            bad("--labels of another length", f -> f.train("--data", f.file("x.npy"), "--labels",
                    f.npy("y239.npy", NpyArray.ofLongs(Arrays.copyOf(f.truthLongs(), ROWS - 1), ROWS - 1))),
                    "--labels", "y239.npy", "239 labels", "240 rows"),
            bad("--data .npy of one dimension", f -> f.train("--data", f.npy("x1.npy", NpyArray.ofFloats(
                    new float[ROWS], ROWS)), "--labels", f.file("y.npy")), "--data", "x1.npy", "[N, D]", "(240,)"),
            badOnce("evaluate: a .npy without --labels", f -> f.evaluate("modelnpy", f.file("x.npy")), "--labels",
                    "are needed"),
            badOnce("predict: a .npy of other features", f -> f.predict("modelnpy", f.npy("x5.npy",
                    NpyArray.ofFloats(new float[ROWS * 5], ROWS, 5))), "--data", "x5.npy", "5 features",
                    "the model takes 4"));
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Labels are class values: the classes are the distinct values, the model answers in them.

    static List<Case> classCases() {
        return List.of(
            good("--class-weights with spaces, signs and exponents, as a CSV's cells are written", f -> f.train(
                    "--data", f.file("train.csv"), "--class-weights", " +1, 2.5e0 ,.5"), (r, f) -> {
                    assertTrue(r.out().contains("classWeights=[1.0, 2.5, 0.5]"), r.out());
                }),
            good("--class-weights of a zero with an exponent beyond any number's, and -0: zeros", f -> f.train(
                    "--data", f.file("train.csv"), "--class-weights", "0e99999999999,-0,1"), (r, f) -> {
                    assertTrue(r.out().contains("classWeights=[0.0, 0.0, 1.0]"), r.out());
                }),
            good("labels 3 and 7 make two classes, and predict answers 3 or 7", f -> f.train("--data",
                    f.write("37.csv", relabel(f.text("train.csv"), new int[] {3, 7, 7}))), (r, f) -> {
                    assertTrue(r.out().contains("2 classes [3, 7]"), r.out());
                    assertTrue(Files.readString(f.out.resolve("model.json")).replaceAll("\\s", "")
                            .contains("\"labels\":[3,7]"));
                    assertTrue(lastNumber(r, "test accuracy") >= 0.95, r.out());
                }),
            good("one stray label 5000 is one more class, not 5,001", f -> f.train("--data",
                    f.write("stray.csv", stray(f.text("train.csv"), 5000))), (r, f) -> {
                    assertTrue(r.out().contains("4 classes [0, 1, 2, 5000]"), r.out());
                    assertTrue(r.out().length() < 4000, "a readable report: " + r.out().length() + " characters");
                }),
            good("a label of 2e9 is a class value like any other", f -> f.train("--data",
                    f.write("big.csv", relabel(f.text("train.csv"), new int[] {0, 2_000_000_000, 5}))),
                    (r, f) -> assertTrue(r.out().contains("[0, 5, 2000000000]"), r.out())),
            bad("a label too large for an int", f -> f.train("--data", f.write("huge.csv",
                    setCell(f.text("train.csv"), 7, 4, "99999999999"))), "--data", "huge.csv", "line 8 column 4",
                    "99999999999 is too large"),
            bad("a label that is not an integer", f -> f.train("--data", f.write("half.csv",
                    setCell(f.text("train.csv"), 3, 4, "2.5"))), "--data", "line 4 column 4", "'2.5' is not an integer"),
            bad("a label that is not a number", f -> f.train("--data", f.write("cat.csv",
                    setCell(f.text("train.csv"), 3, 4, "cat"))), "--data", "line 4 column 4", "'cat' is not a number"),
            bad("a continuous column as the label", f -> f.train("--data", f.file("train.csv"), "--label-column",
                    "0"), "--data", "train.csv"),
            bad("--kind logistic with three classes", f -> f.train("--data", f.file("train.csv"), "--kind",
                    "logistic"), "--kind logistic takes two classes", "3 [0, 1, 2]", "line"),
            good("--kind logistic with labels 3 and 7: the positive class is 7", f -> f.train("--data",
                    f.write("37b.csv", relabel(f.text("train.csv"), new int[] {3, 7, 7})), "--kind", "logistic"),
                    (r, f) -> {
                    assertTrue(Files.readString(f.out.resolve("model.json")).replaceAll("\\s", "")
                            .contains("\"labels\":[3,7]"));
                    assertTrue(lastNumber(r, "test accuracy") >= 0.95, r.out());
                }),
            badOnce("evaluate: a label the model has no class for", f -> f.evaluate("model", f.write("seven.csv",
                    setCell(f.text("train.csv"), 11, 4, "7"))), "--data", "seven.csv", "line 12",
                    "the label 7 is not one of the model's 3 classes [0, 1, 2]"),
            bad("--test-data with a label the training rows lack", f -> f.train("--data", f.file("train.csv"),
                    "--test-data", f.write("t9.csv", setCell(f.text("train.csv"), 20, 4, "9"))), "--test-data",
                    "t9.csv", "line 21", "the label 9 is not one of the training rows' classes"),
            good("25 classes: the confusion matrix goes to a file, not the terminal", f -> f.train("--data",
                    f.write("many.csv", manyClasses(f.seed, 25))), (r, f) -> {
                    assertTrue(r.out().contains("25 classes, too many for the terminal; written to"), r.out());
                    String csv = Files.readString(f.out.resolve("confusion.csv"));
                    assertEquals(26, csv.strip().split("\n").length, csv);
                }),
            goodOnce("evaluate --confusion writes the whole matrix", f -> {
                Path m = f.copyModel("model");
                return new String[] {"evaluate", "--model", m.toString(), "--data", f.file("train.csv"),
                    "--confusion", f.out.resolve("c.csv").toString()};
            }, (r, f) -> assertTrue(Files.readString(f.out.resolve("c.csv")).startsWith("true\\pred,0,1,2\n"))));
    }

    // ---------------------------------------------------------------------------------------------
    // 3. The model folder: every array's exact shape and every value checked on load.

    static List<Case> modelFolderCases() {
        List<Case> cases = new ArrayList<>();
        Object[][] arrays = {
            {"w.npy with a NaN", "w", (UnaryOperator<float[]>) a -> set(a, 5, Float.NaN), "w[1, 2] is NaN"},
            {"b.npy with an infinity", "b", (UnaryOperator<float[]>) a -> set(a, 1, Float.POSITIVE_INFINITY),
                "b[1] is Infinity"},
            {"mean.npy with a NaN", "mean", (UnaryOperator<float[]>) a -> set(a, 2, Float.NaN), "mean[2] is NaN"},
            {"scale.npy with a 0", "scale", (UnaryOperator<float[]>) a -> set(a, 3, 0f), "scale[3] = 0.0"},
            {"scale.npy with a negative", "scale", (UnaryOperator<float[]>) a -> set(a, 0, -1f), "scale[0] = -1.0"},
            {"scale.npy with an infinity", "scale", (UnaryOperator<float[]>) a -> set(a, 0, Float.POSITIVE_INFINITY),
                "scale[0] is Infinity"}};
        for (Object[] a : arrays) {
            @SuppressWarnings("unchecked")
            UnaryOperator<float[]> change = (UnaryOperator<float[]>) a[2];
            cases.add(modelCase((String) a[0], m -> {
                Path p = m.resolve(a[1] + ".npy");
                NpyArray v = Npy.read(p);
                Npy.write(p, NpyArray.ofFloats(change.apply(v.floats().clone()), v.shape()));
            }, a[1] + ".npy", (String) a[3]));
        }
        cases.add(modelCase("a transposed w.npy (scikit-learn's coef_)", m -> {
            NpyArray w = Npy.read(m.resolve("w.npy"));
            float[] t = new float[w.size()];
            int d = w.dim(0);
            int c = w.dim(1);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < c; j++) {
                    t[j * d + i] = w.floats()[i * c + j];
                }
            }
            Npy.write(m.resolve("w.npy"), NpyArray.ofFloats(t, c, d));
        }, "w.npy is (3, 4), expected (4, 3)", "transposed", "coef_.T"));
        cases.add(modelCase("w.npy of float64", m -> Npy.write(m.resolve("w.npy"),
                NpyArray.ofDoubles(new double[12], 4, 3)), "w.npy must be float32, got float64"));
        cases.add(modelCase("w.npy of another shape", m -> Npy.write(m.resolve("w.npy"),
                NpyArray.ofFloats(new float[16], 4, 4)), "w.npy is (4, 4), expected (4, 3)"));
        cases.add(modelCase("b.npy of another length", m -> Npy.write(m.resolve("b.npy"),
                NpyArray.ofFloats(new float[2], 2)), "b.npy is (2,), expected (3,)"));
        cases.add(modelCase("w.npy missing", m -> Files.delete(m.resolve("w.npy")), "w.npy is missing"));
        cases.add(modelCase("model.json with a byte that is not UTF-8", m -> {
            byte[] text = Files.readAllBytes(m.resolve("model.json"));
            text[20] = (byte) 0xff;
            Files.write(m.resolve("model.json"), text);
        }, "model.json: not UTF-8 text: byte 20 (0xff) starts no UTF-8 character"));
        cases.add(modelCase("model.json saved as UTF-16", m -> Files.writeString(m.resolve("model.json"),
                Files.readString(m.resolve("model.json")), java.nio.charset.StandardCharsets.UTF_16),
                "the file starts as UTF-16 does: save it as UTF-8"));
        cases.add(modelCase("w.npy a folder", m -> {
            Files.delete(m.resolve("w.npy"));
            Files.createDirectory(m.resolve("w.npy"));
        }, "w.npy cannot be read", "directory"));
        cases.add(modelCase("w.npy not a .npy file", m -> Files.writeString(m.resolve("w.npy"), "weights"),
                "w.npy cannot be read", "not a .npy file"));
        Object[][] json = {
            {"model.json not JSON", "{\"format\": ", "not valid JSON"},
            {"model.json a list", "[1, 2]", "not a JSON object"},
            {"\"features\": 1e12", "\"features\": 4,=>\"features\": 1e12,", "\"features\" must be a whole number",
                "got 1e12"},
            {"\"features\": 2.5", "\"features\": 4,=>\"features\": 2.5,", "got 2.5"},
            {"no version", "\"version\": 2,=>", "has no \"version\""},
            {"a version that is a word", "\"version\": 2,=>\"version\": \"two\",", "\"version\" must be a number"},
            {"a newer version", "\"version\": 2,=>\"version\": 99,", "version 99", "reads versions 1 to 2"},
            {"kind svm", "\"kind\": \"softmax\"=>\"kind\": \"svm\"", "\"kind\" must be \"softmax\" or \"logistic\"",
                "got \"svm\""},
            {"another format", "softxent-linear-model=>sklearn", "format is \"sklearn\""},
            {"classes that disagree with the labels", "\"classes\": 3=>\"classes\": 4",
                "\"classes\" is 4 but \"labels\" lists 3 values", "the two must agree"},
            {"labels that are no list", "\"labels\": [\\s\\S]*?\\]=>\"labels\": 3", "\"labels\" must be a list of the 3"},
            {"a misspelt field: its check would be skipped", "\"input\":=>\"inptu\":", "unknown field \"inptu\"",
                "a misspelt field would be ignored"},
            {"a misspelt field of the input", "\"header\":=>\"headr\":", "unknown field \"input\".\"headr\""},
            {"an input without its columns", "\"columns\": 5,=>", "has no \"input\".\"columns\""},
            {"labels not ascending", "\"labels\": [\\s\\S]*?\\]=>\"labels\": [2, 1, 0]", "distinct and ascending"},
            {"an input of other columns", "\"columns\": 5=>\"columns\": 9", "\"input\" has 9 columns",
                "4 features and a label has 5"}};
        for (Object[] j : json) {
            String[] names = Arrays.copyOfRange(j, 2, j.length, String[].class);
            cases.add(modelCase((String) j[0], m -> {
                Path p = m.resolve("model.json");
                String edit = (String) j[1];
                if (!edit.contains("=>")) {
                    Files.writeString(p, edit);
                } else {
                    String[] fromTo = edit.split("=>", -1);
                    String text = Files.readString(p);
                    String changed = text.replaceFirst(fromTo[0], java.util.regex.Matcher.quoteReplacement(fromTo[1]));
                    assertFalse(changed.equals(text), "the edit applies: " + edit);
                    Files.writeString(p, changed);
                }
            }, names));
        }
        cases.add(new Case("--model a file", Main.EXIT_BAD_INPUT, true, false, f -> f.predict2(f.file("train.csv"),
                f.file("train.csv")), null, "--model", "not a folder"));
        cases.add(new Case("--model a folder that is not there", Main.EXIT_BAD_INPUT, true, false, f -> f.predict2(
                f.root.resolve("nowhere").toString(), f.file("train.csv")), null, "--model", "no such folder"));
        cases.add(new Case("a model.json of version 1 (no labels, no input) still loads", 0, false, false, f -> {
            Path m = f.copyModel("model");
            Path p = m.resolve("model.json");
            String v1 = Files.readString(p).replace("\"version\": 2", "\"version\": 1")
                    .replaceAll("\"labels\": \\[[\\s\\S]*?\\],", "").replaceAll("\"input\": \\{[\\s\\S]*?\\},", "");
            Files.writeString(p, v1);
            return new String[] {"predict", "--model", m.toString(), "--data", f.file("train.csv"), "--out",
                f.out.toString()};
        }, (r, f) -> assertAccurate(f, f.predicted(), f.truth())));
        return cases;
    }

    /** predict and evaluate of a copy of "model" changed by {@code change}: both refuse it, naming --model. */
    static Case modelCase(String name, ModelChange change, String... mustName) {
        String[] names = Stream.concat(Stream.of("--model"), Arrays.stream(mustName)).toArray(String[]::new);
        return new Case("the model folder: " + name, Main.EXIT_BAD_INPUT, true, false, f -> {
            Path m = f.copyModel("model");
            change.apply(m);
            return new String[] {"evaluate", "--model", m.toString(), "--data", f.file("train.csv")};
        }, null, names);
    }

    interface ModelChange {
        void apply(Path model) throws Exception;
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Probabilities that sum to 1 at every magnitude of the weights.

    static List<Case> probabilityCases() {
        return List.of(
            new Case("a model of huge finite weights: each row's probabilities sum to 1", 0, false, false, f -> {
                Path m = f.copyModel("model");
                NpyArray w = Npy.read(m.resolve("w.npy"));
                float[] huge = new float[w.size()];
                Arrays.fill(huge, 1e17f); // every class the same logit, about 1e17 or more
                Npy.write(m.resolve("w.npy"), NpyArray.ofFloats(huge, w.shape()));
                return new String[] {"predict", "--model", m.toString(), "--data", f.file("train.csv"), "--out",
                    f.out.toString()};
            }, (r, f) -> {
                float[] p = Npy.read(f.out.resolve("probabilities.npy")).floats();
                for (int row = 0; row < ROWS; row++) {
                    double sum = p[3 * row] + p[3 * row + 1] + p[3 * row + 2];
                    assertEquals(1.0, sum, 1e-6, "row " + row + ": " + Arrays.toString(Arrays.copyOfRange(p, 3 * row,
                            3 * row + 3)) + " seed " + seed);
                }
            }));
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Options that cannot apply are refused, with the reason.

    static List<Case> optionCases() {
        List<Case> cases = new ArrayList<>();
        for (String[] sgd : new String[][] {{"--learning-rate", "0.5"}, {"--batch-size", "32"}, {"--momentum", "0.5"},
            {"--schedule", "constant"}, {"--loss-every", "3"}}) {
            cases.add(bad(sgd[0] + " under L-BFGS", f -> f.train("--data", f.file("train.csv"), sgd[0], sgd[1]),
                    sgd[0] + " applies to --optimizer sgd", "L-BFGS"));
        }
        cases.add(bad("--positive-weight with softmax", f -> f.train("--data", f.file("train.csv"),
                "--positive-weight", "2"), "--positive-weight applies to --kind logistic"));
        cases.add(bad("--positive-weight beyond float's range", f -> f.train("--data", f.file("train2.csv"), "--kind",
                "logistic", "--positive-weight", "1e39"), "--positive-weight must be > 0 and a float"));
        cases.add(bad("--l2 that alone makes SGD diverge", f -> f.train("--data", f.file("train.csv"), "--optimizer",
                "sgd", "--l2", "1e5"), "(--learning-rate) 0.1 with l2 (--l2) 100000.0", "the fit would diverge",
                "give a learning rate below 1.90e-05"));
        cases.add(bad("--class-weights with logistic", f -> f.train("--data", f.file("train2.csv"), "--kind",
                "logistic", "--class-weights", "1,2"), "--class-weights applies to --kind softmax"));
        cases.add(bad("--class-weights all zero", f -> f.train("--data", f.file("train.csv"), "--class-weights",
                "0,0,0"), "--class-weights", "all 0"));
        cases.add(bad("--class-weights of another count", f -> f.train("--data", f.file("train.csv"),
                "--class-weights", "1,2"), "--class-weights", "2 weights for the 3 classes [0, 1, 2]"));
        cases.add(bad("--patience without validation rows", f -> f.train("--data", f.file("train.csv"),
                "--validation-fraction", "0", "--patience", "3"), "--patience applies to early stopping"));
        cases.add(bad("--tolerance with SGD and no validation rows", f -> f.train("--data", f.file("train.csv"),
                "--optimizer", "sgd", "--validation-fraction", "0", "--tolerance", "0.5"), "--tolerance",
                "early stopping", "--validation-fraction 0"));
        cases.add(bad("--test-fraction with --test-data", f -> f.train("--data", f.file("train.csv"), "--test-data",
                f.file("train.csv"), "--test-fraction", "0.2"), "--test-fraction 0.2 with --test-data"));
        cases.add(bad("--test-fraction 0 without --test-data", f -> f.train("--data", f.file("train.csv"),
                "--test-fraction", "0"), "--test-fraction", "--test-data"));
        cases.add(bad("--test-labels without --test-data", f -> f.train("--data", f.file("x.npy"), "--labels",
                f.file("y.npy"), "--test-labels", f.file("y.npy")), "--test-labels", "not given"));
        cases.add(bad("--validation-fraction with --validation-data", f -> f.train("--data", f.file("train.csv"),
                "--validation-data", f.file("train.csv"), "--validation-fraction", "0.2"),
                "--validation-fraction with --validation-data"));
        cases.add(new Case("--stream on the CPU reads the rows chunk by chunk", 0, false, false, f -> f.trainOn("cpu",
                "--data", f.file("train.csv"), "--stream"), (r, f) -> assertTrue(
                r.out().contains("the rows read from their source"), r.out())));
        cases.add(new Case("--chunk-mib with --stream and SGD on the CPU sets the rows read at once", 0, false, false,
                f -> f.trainOn("cpu", "--data", f.file("train.csv"), "--stream", "--optimizer", "sgd", "--chunk-mib",
                        "1"), (r, f) -> assertTrue(r.out().contains("the rows read from their source"), r.out())));
        cases.add(bad("--chunk-mib with L-BFGS on the CPU", f -> f.trainOn("cpu", "--data", f.file("train.csv"),
                "--stream", "--chunk-mib", "1"), "--chunk-mib", "L-BFGS on the CPU reads the rows block by block"));
        cases.add(bad("--chunk-mib without --stream", f -> f.train("--data", f.file("train.csv"), "--chunk-mib", "8"),
                "--chunk-mib", "give --stream"));
        cases.add(bad("--chunk-mib below one minibatch of rows", f -> {
            float[] wide = new float[ROWS * 5000];
            for (int i = 0; i < wide.length; i++) {
                wide[i] = (i * 7919) % 13 - 6;
            }
            return f.trainOn("cpu", "--data", f.npy("wide.npy", NpyArray.ofFloats(wide, ROWS, 5000)), "--labels",
                    f.file("y.npy"), "--stream", "--optimizer", "sgd", "--chunk-mib", "1");
        }, "--chunk-mib", "1.0 MiB", "one minibatch of 64 rows × 5000 features (1.2 MiB)", "--batch-size"));
        cases.add(bad("--chunk-mib 0", f -> f.train("--data", f.file("train.csv"), "--stream", "--chunk-mib", "0"),
                "--chunk-mib must be at least 1, got 0"));
        cases.add(new Case("--loss-every with SGD on the CPU", Main.EXIT_BAD_INPUT, true, false, f -> f.trainOn("cpu",
                "--data", f.file("train.csv"), "--optimizer", "sgd", "--loss-every", "5"), null,
                "--loss-every applies to SGD on the GPU"));
        cases.add(good("--test-data and --validation-data of their own", f -> f.train("--data", f.file("train.csv"),
                "--test-data", f.write("test.csv", f.text("train.csv")), "--validation-data", f.file("train.csv")),
                (r, f) -> assertTrue(r.out().contains("the test: 240 rows of test.csv (--test-data)"), r.out())));
        return cases;
    }

    // ---------------------------------------------------------------------------------------------
    // 6. and 7. Every check before the first step, and the place as the user sees it.

    static List<Case> earlyCheckCases() {
        return List.of(
            bad("a NaN feature anywhere, named by its line and column", f -> f.train("--data", f.write("nan.csv",
                    setCell(f.text("train.csv"), 200, 2, "nan"))), "--data", "nan.csv", "line 201 column 2",
                    "'nan': features must be finite"),
            bad("a NaN after blank lines and a header: the line in the file", f -> f.train("--data",
                    f.write("blank.csv", "a,b,c,d,label\n\n" + setCell(f.text("train.csv"), 9, 1, "NaN")
                            .replaceFirst("\n", "\n\n")), "--header"), "--data", "blank.csv", "line 13 column 1"),
            bad("an infinity in a .npy, named by its row and column", f -> {
                float[] x = Npy.read(Path.of(f.file("x.npy"))).floats().clone();
                x[44 * D + 1] = Float.POSITIVE_INFINITY;
                return f.train("--data", f.npy("xinf.npy", NpyArray.ofFloats(x, ROWS, D)), "--labels", f.file("y.npy"));
            }, "--data", "xinf.npy", "row 44 column 1", "x[44, 1] is Infinity"),
            bad("a NaN in a .npy trained on whole (--test-data): found by the trainer's pass, said as the file has it",
                    f -> {
                        float[] x = Npy.read(Path.of(f.file("x.npy"))).floats().clone();
                        x[(ROWS - 1) * D + 2] = Float.NaN;
                        String bad = f.npy("xnan.npy", NpyArray.ofFloats(x, ROWS, D));
                        return f.train("--data", bad, "--labels", f.file("y.npy"), "--test-data", f.file("x.npy"),
                                "--test-labels", f.file("y.npy"));
                    }, "--data", "xnan.npy", "row " + (ROWS - 1) + " column 2", "is NaN"),
            bad("--out where w.npy is a folder", f -> {
                Files.createDirectories(f.out.resolve("w.npy"));
                return f.train("--data", f.file("train.csv"));
            }, "--out", "w.npy", "directory"),
            bad("--out where model.json is a link", f -> {
                Files.createDirectories(f.out);
                Files.createSymbolicLink(f.out.resolve("model.json"), Path.of(f.file("train.csv")));
                return f.train("--data", f.file("train.csv"));
            }, "--out", "model.json", "symbolic link"),
            bad("--out under /proc, with the system's reason", f -> f.trainTo("/proc/softxent-model", "--data",
                    f.file("train.csv")), "--out", "/proc", "no such file or directory"),
            bad("--out a file", f -> f.trainTo(f.file("train.csv"), "--data", f.file("train.csv")), "--out",
                    "train.csv", "not a folder"),
            bad("--out that would replace --data", f -> {
                Files.createDirectories(f.out);
                Files.copy(Path.of(f.file("train.csv")), f.out.resolve("history.csv"));
                return f.train("--data", f.out.resolve("history.csv").toString());
            }, "--out", "history.csv", "would replace --data"));
    }

    // ---------------------------------------------------------------------------------------------
    // 8. Messages that say what is wrong, and files that read as their users expect.

    static List<Case> messageCases() {
        return List.of(
            good("a UTF-8 byte order mark is skipped", f -> f.train("--data", f.write("bom.csv",
                    "\uFEFF" + f.text("train.csv"))), (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95)),
            bad("';'-separated values with decimal commas", f -> f.train("--data", f.write("eu.csv",
                    f.text("train.csv").replace(',', ';').replace('.', ','))), "--data", "eu.csv", "line 1",
                    "separated by ';' with decimal commas", "decimal=','"),
            bad("tab-separated values", f -> f.train("--data", f.write("tabs.csv",
                    f.text("train.csv").replace(',', '\t'))), "--data", "tabs.csv", "separated by tabs"),
            bad("a header line without --header", f -> f.train("--data", f.write("head.csv",
                    "f0,f1,f2,f3,label\n" + f.text("train.csv"))), "--data", "head.csv", "line 1 column 0",
                    "'f0' is not a number", "--header"),
            goodOnce("--header skips it, and predict reads the same kind of file", f -> {
                f.trainWithHeader("head2.csv", "f0,f1,f2,f3,label\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data", f.file("head2.csv"), "--out",
                    f.out.resolve("p").toString()};
            }, (r, f) -> assertAccurate(f, Npy.read(f.out.resolve("p/classes.npy")).longs(), f.truth())),
            bad("a gzip-compressed .npy", f -> {
                Path gz = f.root.resolve("in/x.npy.gz");
                try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
                    out.write(Files.readAllBytes(Path.of(f.file("x.npy"))));
                }
                return f.train("--data", gz.toString(), "--labels", f.file("y.npy"));
            }, "--data", "x.npy.gz", "gzip-compressed .npy", "gunzip"),
            good("a .csv.gz streams through gzip", f -> {
                Path gz = f.root.resolve("in/train.csv.gz");
                try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
                    out.write(f.text("train.csv").getBytes(StandardCharsets.UTF_8));
                }
                return f.train("--data", gz.toString());
            }, (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95)),
            good("a .npy named .csv is read as .npy (files are known by their content)", f -> {
                Path p = f.root.resolve("in/disguised.csv");
                Files.copy(Path.of(f.file("x.npy")), p);
                return f.train("--data", p.toString(), "--labels", f.file("y.npy"));
            }, (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95)),
            bad("a UTF-16 file", f -> {
                Path p = f.root.resolve("in/utf16.csv");
                Files.write(p, f.text("train.csv").getBytes(StandardCharsets.UTF_16));
                return f.train("--data", p.toString());
            }, "--data", "utf16.csv", "UTF-16"),
            bad("an empty cell", f -> f.train("--data", f.write("hole.csv", setCell(f.text("train.csv"), 5, 1, ""))),
                    "--data", "line 6 column 1", "empty cell"),
            bad("a row of another width", f -> f.train("--data", f.write("ragged.csv",
                    f.text("train.csv").replaceFirst("(?m)^([^\n]*)\n([^\n]*)\n([^\n]*),[^,\n]*\n", "$1\n$2\n$3\n"))),
                    "--data", "ragged.csv", "line 3", "4 columns, but the first row has 5"),
            bad("an empty file", f -> f.train("--data", f.write("empty.csv", "")), "--data", "empty.csv",
                    "no data rows"),
            bad("only a header", f -> f.train("--data", f.write("onlyhead.csv", "a,b,c,d,e\n"), "--header"),
                    "--data", "no data rows after the header"),
            good("quoted numbers", f -> f.train("--data", f.write("quoted.csv",
                    f.text("train.csv").replaceAll("(-?[0-9.]+)", "\"$1\""))),
                    (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95)),
            good("uint8 features, tested on float16 and validated on float64", f -> {
                float[] x = Npy.read(Path.of(f.file("x.npy"))).floats();
                byte[] u8 = new byte[x.length];
                byte[] f16 = new byte[2 * x.length];
                double[] f64 = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    int v = (int) Math.max(0, Math.min(255, Math.round(x[i] * 20 + 128)));
                    u8[i] = (byte) v;
                    int half = halfBits(v);
                    f16[2 * i] = (byte) half;
                    f16[2 * i + 1] = (byte) (half >> 8);
                    f64[i] = v;
                }
                Path p8 = f.root.resolve("in/x8.npy");
                Files.write(p8, raw("|u1", ROWS + ", " + D, u8));
                Path p16 = f.root.resolve("in/x16.npy");
                Files.write(p16, raw("<f2", ROWS + ", " + D, f16));
                return f.train("--data", p8.toString(), "--labels", f.file("y.npy"), "--test-data", p16.toString(),
                        "--test-labels", f.file("y.npy"), "--validation-data", f.npy("x64.npy",
                        NpyArray.ofDoubles(f64, ROWS, D)), "--validation-labels", f.file("y.npy"));
            }, (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95, r.out())),
            bad("complex features", f -> {
                Path p = f.root.resolve("in/xc.npy");
                Files.write(p, raw("<c8", ROWS + ", " + D, new byte[ROWS * D * 8]));
                return f.train("--data", p.toString(), "--labels", f.file("y.npy"));
            }, "--data", "xc.npy", "complex64", "holds complex numbers"),
            bad("labels that are not whole numbers", f -> {
                double[] y = new double[ROWS];
                y[3] = 0.5;
                return f.train("--data", f.file("x.npy"), "--labels", f.npy("yhalf.npy", NpyArray.ofDoubles(y, ROWS)));
            }, "--labels", "yhalf.npy", "labels[3] is 0.5", "not an integer"),
            good("labels saved as float64 whole numbers", f -> {
                long[] y = f.truthLongs();
                double[] d = new double[ROWS];
                for (int i = 0; i < ROWS; i++) {
                    d[i] = y[i];
                }
                return f.train("--data", f.file("x.npy"), "--labels", f.npy("yd.npy", NpyArray.ofDoubles(d, ROWS)));
            }, (r, f) -> assertTrue(lastNumber(r, "test accuracy") >= 0.95)));
    }

    // ---------------------------------------------------------------------------------------------
    // What a hostile trial of these commands found, each kept here.

    static List<Case> trialCases() {
        return List.of(
            badOnce("evaluate --confusion onto the model's own w.npy", f -> {
                Path m = f.copyModel("model");
                return new String[] {"evaluate", "--model", m.toString(), "--data", f.file("train.csv"), "--confusion",
                    m.resolve("w.npy").toString()};
            }, "--confusion", "w.npy", "would replace --model"),
            badOnce("predict --out into the model folder is fine, but not over model.json", f -> {
                Path m = f.copyModel("model");
                Files.delete(m.resolve("model.json"));
                return new String[] {"predict", "--model", m.toString(), "--data", f.file("train.csv"), "--out",
                    m.toString()};
            }, "--model", "no model.json"),
            bad("--header on a file whose first line is data", f -> f.train("--data", f.file("train.csv"), "--header"),
                    "--data", "train.csv", "line 1", "the header line holds only numbers"),
            goodOnce("--header on a file whose header is the column numbers, as pandas writes it", f -> f.train(
                    "--data", f.write("numbered.csv", "0,1,2,3,4\n" + f.text("train.csv")), "--header"),
                    (r, f) -> assertTrue(r.out().contains(ROWS + " rows × " + D + " features of numbered.csv"), r.out())),
            bad("a first line of the column numbers, said to be neither header nor data", f -> f.train("--data",
                    f.write("numbered.csv", "0,1,2,3,4\n" + f.text("train.csv"))), "--data", "numbered.csv", "line 1",
                    "the column numbers", "--header", "--header=false"),
            goodOnce("--header=false reads a first line of the column numbers as data", f -> f.train("--data",
                    f.write("numbered.csv", "1,2,3,4,5\n" + f.text("train.csv")), "--header=false"),
                    (r, f) -> assertTrue(r.out().contains((ROWS + 1) + " rows × " + D + " features of numbered.csv"),
                            r.out())),
            badOnce("a model trained with --header, on a file without one", f -> {
                f.trainWithHeader("h3.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data", f.file("train.csv"), "--out",
                    f.root.resolve("p").toString()};
            }, "--data", "train.csv", "the first line holds only numbers, not the names the model's training file "
                    + "gave its columns (a, b, c, d, label)", "--header=false"),
            goodOnce("a header of numbers that --header names (wavelengths): trained, then predict reads a file "
                    + "whose header names the same columns", f -> {
                f.trainWithHeader("wl.csv", "400,410,420,430,9\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data",
                    f.write("wl-x.csv", "400,410,420,430\n" + withoutColumn(f.text("train.csv"), 4)), "--out",
                    f.out.resolve("p").toString()};
            }, (r, f) -> assertAccurate(f, Npy.read(f.out.resolve("p/classes.npy")).longs(), f.truth())),
            badOnce("a header of numbers in another order than the training file's", f -> {
                f.trainWithHeader("wl.csv", "400,410,420,430,9\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data",
                    f.write("wl-swapped.csv", "410,400,420,430\n" + withoutColumn(f.text("train.csv"), 4)), "--out",
                    f.out.resolve("p").toString()};
            }, "--data", "wl-swapped.csv", "not the names the model's training file gave its columns (400, 410, 420",
                    "if it names the columns, they are not the training file's"),
            badOnce("evaluate on a CSV that keeps its label column but lacks a feature: the feature is named", f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("no-c.csv", "a,b,d,label\n" + withoutColumn(f.text("train.csv"), 2))};
            }, "--data", "no-c.csv", "lacks \"c\""),
            badOnce("predict on a CSV whose header shows a feature column dropped: the label's would be read as one",
                    f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data",
                    f.write("dropped.csv", "a,b,d,label\n" + withoutColumn(f.text("train.csv"), 2)), "--out",
                    f.root.resolve("p").toString()};
            }, "--data", "dropped.csv", "lacks \"c\"", "\"label\" named the label's column", "in that order"),
            badOnce("evaluate on a CSV whose header shows two columns swapped", f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("swapped.csv", "b,a,c,d,label\n" + f.text("train.csv"))};
            }, "--data", "swapped.csv", "another order", "feature 0 (column 0) is \"b\" where it was \"a\""),
            bad("train --test-data whose header names other features than the training file's", f -> f.train(
                    "--data", f.write("named.csv", "a,b,c,d,label\n" + f.text("train.csv")), "--header",
                    "--test-data", f.write("renamed.csv", "a,b,c,e,label\n" + f.text("train.csv"))),
                    "--test-data", "renamed.csv", "lacks \"d\" and has \"e\" instead", "named.csv"),
            bad("a header of another width than its rows (a trailing comma)", f -> f.train("--data",
                    f.write("wide.csv", "a,b,c,d,label,\n" + f.text("train.csv")), "--header"),
                    "--data", "wide.csv", "line 1", "the header names 6 columns", "trailing comma", "the first row (line 2) has 5"),
            badOnce("evaluate on a header of another width than its rows", f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("short.csv", "b,a,c\n" + f.text("train.csv"))};
            }, "--data", "short.csv", "the header names 3 columns", "has 5"),
            badOnce("evaluate on a header that repeats a name: counted, not matched as a set", f -> {
                f.trainWithHeader("twice.csv", "a,a,c,d,label\n" + f.text("train.csv"));
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("other.csv", "a,c,d,d,label\n" + f.text("train.csv"))};
            }, "--data", "other.csv", "lacks \"a\" and has \"d\" instead"),
            goodOnce("the same names in another Unicode form (NFD against NFC) are the same names", f -> {
                f.trainWithHeader("cafe.csv", "caf\u00e9,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("cafe2.csv", "cafe\u0301,b,c,d,label\n" + f.text("train.csv"))};
            }, (r, f) -> assertTrue(lastNumber(r, "accuracy") >= 0.9, r.out())),
            badOnce("evaluate where the label is in another column than in training: the label's name is a feature",
                    f -> {
                f.trainWithHeader("first.csv", "label,a,b,c,d\n" + f.text("label0.csv"), "--label-column", "0");
                return new String[] {"evaluate", "--model", f.out.toString(), "--data",
                    f.write("last.csv", "a,b,c,d,label\n" + f.text("train.csv"))};
            }, "--data", "last.csv", "lacks \"a\" and has \"label\" instead",
                    "\"label\" named the label's column (column 0 of 5)", "read from column 0", "--label-column"),
            bad("--test-data with its label in another column: named before its rows are parsed", f -> f.train(
                    "--data", f.write("named.csv", "a,b,c,d,label\n" + f.text("train.csv")), "--header",
                    "--test-data", f.write("first.csv", "label,a,b,c,d\n" + f.text("label0.csv"))),
                    "--test-data", "first.csv", "lacks \"d\" and has \"label\" instead", "column 4 of 5"),
            bad("--test-data without the header line --data has", f -> f.train("--data",
                    f.write("named.csv", "a,b,c,d,label\n" + f.text("train.csv")), "--header", "--test-data",
                    f.file("train.csv")), "--test-data", "train.csv", "only numbers", "named.csv",
                    "give it the same header line"),
            bad("--test-data with a header line --data does not have", f -> f.train("--data", f.file("train.csv"),
                    "--test-data", f.write("named.csv", "a,b,c,d,label\n" + f.text("train.csv"))),
                    "--test-data", "named.csv", "line 1", "a header line?", "remove the header line"),
            bad("--test-data whose first row is the column numbers, --data without a header: said ambiguous, as for "
                    + "--data", f -> f.train("--data", f.file("train.csv"), "--test-data", f.write("numbered.csv",
                    "0,1,2,3,4\n" + f.text("train.csv"))), "--test-data", "numbered.csv", "the column numbers",
                    "--header=false"),
            badOnce("predict with a --label-column beyond the file, on a model that knows its names", f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data", f.file("named.csv"),
                    "--label-column", "9", "--out", f.root.resolve("p").toString()};
            }, "--data", "named.csv", "there is no column 9 for the label"),
            bad("--test-data separated by ';', --data without a header: said so, not taken for a header", f -> f.train(
                    "--data", f.file("train.csv"), "--test-data", f.write("semi.csv", f.text("train.csv")
                    .replace(',', ';'))), "--test-data", "semi.csv", "separated by ';'"),
            bad("--validation-data that is --data's own file, whose held-out test rows it would watch", f -> f.train(
                    "--data", f.file("train.csv"), "--validation-data", f.file("train.csv")), "--validation-data",
                    "--data's own file", "the test's held-out rows among them"),
            good("--validation-data that is --data's own file beside --test-data: said", f -> f.train("--data",
                    f.file("train.csv"), "--validation-data", f.file("train.csv"), "--test-data", f.file("train.csv")),
                    (r, f) -> assertTrue(r.out().contains("note: --validation-data is --data's own file"), r.out())),
            bad("a CSV --test-data beside .npy training files", f -> f.train("--data", f.file("x.npy"), "--labels",
                    f.file("y.npy"), "--test-data", f.write("named.csv", "a,b,c,d,label\n" + f.text("train.csv"))),
                    "--test-data", "named.csv", "is a CSV", "x.npy", "same kind of file"),
            bad("--seed where nothing is drawn (L-BFGS, --test-data, no validation split)", f -> f.train("--data",
                    f.file("train.csv"), "--test-data", f.file("train.csv"), "--validation-fraction", "0", "--seed",
                    "5"), "--seed", "nothing is drawn", "--test-data", "--validation-fraction 0"),
            good("a timestamp feature, blurred by float32's steps: said", f -> {
                StringBuilder stamped = new StringBuilder();
                String[] lines = f.text("train.csv").split("\n");
                for (int i = 0; i < lines.length; i++) {
                    stamped.append(1_700_000_000L + 10L * i).append(',').append(lines[i]).append('\n');
                }
                return f.train("--data", f.write("stamped.csv", stamped.toString()));
            }, (r, f) -> assertTrue(r.out().contains("note: 1 feature varies by few of float32's steps (columns 0)"),
                    r.out())),
            good("rows the model tells apart with --l2 0: said that the loss has no minimum", f -> f.train("--data",
                    f.write("apart.csv", manyClasses(f.seed, 3)), "--l2", "0"), (r, f) -> assertTrue(r.out().contains(
                    "note: the model tells every training row's class apart and l2 is 0"), r.out())),
            good("the same rows with --l2 above 0: nothing said", f -> f.train("--data", f.write("apart.csv",
                    manyClasses(f.seed, 3)), "--l2", "1e-3"), (r, f) -> assertFalse(r.out().contains("l2 is 0"), r.out())),
            good("--test-data that is --data's own file: said", f -> f.train("--data", f.file("train.csv"),
                    "--test-data", f.file("train.csv")), (r, f) -> assertTrue(r.out().contains(
                    "note: --test-data is --data's own file"), r.out())),
            good("a class too rare to reach the test rows: said", f -> {
                StringBuilder rare = new StringBuilder();
                String[] lines = f.text("train.csv").split("\n");
                for (int i = 0; i < lines.length; i++) {
                    rare.append(lines[i], 0, lines[i].lastIndexOf(',') + 1).append(i == 0 ? 1 : 0).append('\n');
                }
                return f.train("--data", f.write("rare.csv", rare.toString()), "--kind", "logistic");
            }, (r, f) -> assertTrue(r.out().contains("hold no row of class 1: the test says nothing of it"), r.out())),
            bad("--class-weights with a comma too many", f -> f.train("--data", f.file("train.csv"), "--class-weights",
                    "1,2,3,"), "--class-weights", "weight 3 is empty"),
            bad("--out a symbolic link to nothing", f -> {
                Path link = f.root.resolve("dangling");
                Files.createSymbolicLink(link, f.root.resolve("nowhere"));
                return f.trainTo(link.toString(), "--data", f.file("train.csv"));
            }, "--out", "dangling", "symbolic link", "does not exist"),
            badOnce("a model.json that repeats a key", f -> {
                Path m = f.copyModel("model");
                Path json = m.resolve("model.json");
                Files.writeString(json, Files.readString(json).replaceFirst("\"labels\": \\[", "\"labels\": [5, 6, 7],\n"
                        + "  \"labels\": ["));
                return new String[] {"evaluate", "--model", m.toString(), "--data", f.file("train.csv")};
            }, "--model", "model.json", "the key \"labels\" is repeated"),
            goodOnce("predict on a CSV of the features alone, named as in training", f -> {
                f.trainWithHeader("named.csv", "a,b,c,d,label\n" + f.text("train.csv"));
                return new String[] {"predict", "--model", f.out.toString(), "--data",
                    f.write("features.csv", " a , \"b\",c,d\n" + withoutColumn(f.text("train.csv"), D)), "--out",
                    f.out.resolve("p").toString()};
            }, (r, f) -> assertAccurate(f, Npy.read(f.out.resolve("p/classes.npy")).longs(), f.truth())),
            goodOnce("features at float32's edge still give probabilities that sum to 1", f -> {
                String text = f.text("train.csv");
                String[] rows = text.split("\n");
                String[] cells = rows[3].split(",");
                for (int q = 0; q < D; q++) {
                    cells[q] = "3e38";
                }
                rows[3] = String.join(",", cells);
                return f.predict("model", f.write("edge.csv", String.join("\n", rows) + "\n"));
            }, (r, f) -> assertRowsSumToOne(Npy.read(f.out.resolve("probabilities.npy")).floats(), 3)),
            goodOnce("a model of scale 1e-45: probabilities that sum to 1", f -> {
                Path m = f.copyModel("model");
                float[] tiny = new float[D];
                Arrays.fill(tiny, 1e-45f);
                Npy.write(m.resolve("scale.npy"), NpyArray.ofFloats(tiny, D));
                return new String[] {"predict", "--model", m.toString(), "--data", f.file("train.csv"), "--out",
                    f.out.toString()};
            }, (r, f) -> assertRowsSumToOne(Npy.read(f.out.resolve("probabilities.npy")).floats(), 3)),
            bad("Java's float syntax, 8f, is not a CSV number", f -> f.train("--data", f.write("quirk.csv",
                    setCell(f.text("train.csv"), 2, 1, "8f"))), "--data", "line 3 column 1", "'8f' is not a number"),
            bad("a hexadecimal float", f -> f.train("--data", f.write("hex.csv",
                    setCell(f.text("train.csv"), 2, 0, "0x1p3"))), "--data", "line 3 column 0", "'0x1p3' is not a number"),
            bad("a label of Java's syntax, 3d", f -> f.train("--data", f.write("quirk3d.csv",
                    setCell(f.text("train.csv"), 4, 4, "3d"))), "--data", "line 5 column 4", "the label '3d' is not a number"),
            bad("--labels that is not there names --labels", f -> f.train("--data", f.file("x.npy"), "--labels",
                    f.root.resolve("in/nope.npy").toString()), "--labels", "file not found", "nope.npy"),
            bad("--test-labels that is a folder names --test-labels", f -> f.train("--data", f.file("x.npy"), "--labels",
                    f.file("y.npy"), "--test-data", f.file("x.npy"), "--test-labels", f.root.resolve("in").toString()),
                    "--test-labels", "directory"),
            badOnce("an unseen label in a labels file names that file", f -> {
                long[] y = f.truthLongs();
                y[10] = 42;
                return f.evaluate("modelnpy", f.file("x.npy"), "--labels", f.npy("y42.npy", NpyArray.ofLongs(y, ROWS)));
            }, "--labels", "y42.npy", "row 10", "the label 42"),
            bad("random bytes", f -> {
                Path p = f.root.resolve("in/bin.csv");
                byte[] bytes = new byte[5000];
                new SplittableRandom(f.seed).nextBytes(bytes);
                bytes[0] = '1';
                bytes[1] = 7; // a control character on the first line, whatever the draw
                Files.write(p, bytes);
                return f.train("--data", p.toString());
            }, "--data", "bin.csv", "binary bytes"),
            bad("a zip named .csv", f -> {
                Path p = f.root.resolve("in/z.csv");
                try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
                    zip.putNextEntry(new java.util.zip.ZipEntry("train.csv"));
                    zip.write(f.text("train.csv").getBytes(StandardCharsets.UTF_8));
                }
                return f.train("--data", p.toString());
            }, "--data", "z.csv", "a zip file", "decompress it first"),
            bad("a truncated gzip", f -> {
                java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
                try (var out = new GZIPOutputStream(whole)) {
                    out.write(f.text("train.csv").getBytes(StandardCharsets.UTF_8));
                }
                Path p = f.root.resolve("in/cut.csv.gz");
                Files.write(p, Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
                return f.train("--data", p.toString());
            }, "--data", "cut.csv.gz", "the gzip stream ends early"),
            bad("float64 features beyond float32's range", f -> {
                float[] x = Npy.read(Path.of(f.file("x.npy"))).floats();
                double[] d = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    d[i] = x[i];
                }
                d[5 * D + 3] = 1e39;
                return f.train("--data", f.npy("x1e39.npy", NpyArray.ofDoubles(d, ROWS, D)), "--labels", f.file("y.npy"));
            }, "--data", "row 5 column 3", "1.0E39, beyond float32's range"),
            bad("a file name with a line break: still one line", f -> {
                Path p = f.root.resolve("in/two\nlines.csv");
                Files.writeString(p, "1,2\n");
                return f.train("--data", p.toString());
            }, "--data", "two\\nlines.csv"),
            bad("lines that end with a lone CR", f -> f.train("--data", f.write("mac.csv",
                    f.text("train.csv").replace('\n', '\r'))), "--data", "mac.csv", "lone carriage return"),
            bad("--data \"\"", f -> f.train("--data", ""), "--data: an empty path"),
            badOnce("--confusion \"\"", f -> f.evaluate("model", f.file("train.csv"), "--confusion", ""),
                    "--confusion: an empty path: give a file name"),
            bad("--class-weights with a NaN", f -> f.train("--data", f.file("train.csv"),
                    "--class-weights", "1,NaN,1"), "--class-weights 1,NaN,1: weight 1 is 'NaN', not a decimal number"),
            bad("--class-weights beyond float32, named as the flag once", f -> f.train("--data", f.file("train.csv"),
                    "--class-weights=1e300,1,1"), "softxent train: --class-weights 1e300,1,1: weight 0 is '1e300', "
                    + "beyond float32's range"),
            bad("--class-weights beyond double too", f -> f.train("--data", f.file("train.csv"),
                    "--class-weights", "1e400,1,1"), "weight 0 is '1e400', beyond float32's range"),
            bad("--class-weights of a positive weight that would be 0 in float32", f -> f.train("--data",
                    f.file("train.csv"), "--class-weights", "1e-400,1,1"), "weight 0 is '1e-400', which rounds to 0 "
                    + "in float32"),
            bad("--class-weights in Java's spellings, which a CSV's cells refuse too", f -> f.train("--data",
                    f.file("train.csv"), "--class-weights", "1,2f,0x1p0"), "weight 1 is '2f', not a decimal number"),
            bad("--class-weights negative", f -> f.train("--data", f.file("train.csv"), "--class-weights",
                    "1,-2,1"), "weight 1 is '-2': a weight is 0 or more"),
            bad("--class-weights of an exponent beyond any number's", f -> f.train("--data", f.file("train.csv"),
                    "--class-weights", "1e9999999999,1,1"), "weight 0 is '1e9999999999', beyond float32's range"),
            bad("a --header of numbers that repeat is data, not names", f -> f.train("--data",
                    f.write("rep.csv", "1,1,2,2,0\n" + f.text("train.csv")), "--header"), "--data", "rep.csv",
                    "the header line holds only numbers"),
            bad("a --header of whole numbers narrower than the rows: the width is what is wrong", f -> f.train(
                    "--data", f.write("narrow.csv", "400,410,420,430\n" + f.text("train.csv")), "--header"),
                    "--data", "narrow.csv", "the header names 4 columns", "has 5"),
            bad("every feature constant: refused with nothing on standard output", f -> f.train("--data",
                    f.write("flat.csv", f.text("train.csv").replaceAll("(?m)^[^,]*,[^,]*,[^,]*,[^,]*,", "1,2,3,4,"))),
                    "every feature is constant"),
            bad("--label-smoothing 1 learns nothing", f -> f.train("--data", f.file("train.csv"), "--label-smoothing",
                    "1"), "--label-smoothing must be in [0, 1)", "nothing is learnt"),
            good("a held-out share the classes round up is said as it is", f -> f.train("--data", f.write("tiny.csv",
                    String.join("\n", Arrays.copyOf(f.text("train.csv").split("\n"), 12)) + "\n"),
                    "--validation-fraction", "0"), (r, f) -> assertTrue(r.out().contains("3 rows of tiny.csv held out "
                    + "(25 %"), r.out())),
            good("... and a held-out share that is not", f -> f.train("--data", f.write("tiny2.csv",
                    String.join("\n", Arrays.copyOf(f.text("train.csv").split("\n"), 9)) + "\n"),
                    "--validation-fraction", "0", "--test-fraction", "0.1"),
                    (r, f) -> assertTrue(r.out().contains("3 rows of tiny2.csv held out (33.33 %, stratified, seed 0; "
                            + "10 % asked: each class keeps a row on each side)"), r.out())));
    }

    /** A CSV's text with column {@code column} of every line taken out. */
    static String withoutColumn(String text, int column) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
            cells.remove(column);
            b.append(String.join(",", cells)).append('\n');
        }
        return b.toString();
    }

    static void assertRowsSumToOne(float[] p, int classes) {
        for (int r = 0; r < p.length / classes; r++) {
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                assertTrue(Float.isFinite(p[r * classes + j]), "row " + r + " (seed " + seed + ")");
                sum += p[r * classes + j];
            }
            assertEquals(1.0, sum, 1e-5, "row " + r + " (seed " + seed + ")");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void run(String device, Case c) throws Exception {
        Assumptions.assumeTrue(device.equals("cpu") || GPU_MISSING == null, "no GPU: " + GPU_MISSING);
        Path root = Files.createTempDirectory(base, device + "-");
        Fixture f = new Fixture(root, device, seed);
        String[] args = c.setup().args(f);
        String line = String.join(" ", args) + " (seed " + seed + ")";
        Map<String, String> before = BadInputCommandLineTest.snapshot(root);
        CommandLineTest.Run r = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> CommandLineTest.run(args), line);
        assertEquals(c.status(), r.status(), line + " -> " + r.out() + r.err());
        if (c.status() == Main.EXIT_BAD_INPUT) {
            String said = r.err().strip();
            assertFalse(said.contains("\n"), "one line on standard error: " + said);
            assertFalse(said.contains("\tat ") || said.contains("Exception") || said.contains("java."),
                    "no stack trace, no Java class: " + said);
            for (String name : c.mustName()) {
                assertTrue(said.contains(name), "'" + said + "' should name " + name + " (seed " + seed + ")");
            }
            if (c.beforeAnyWork()) {
                assertEquals("", r.out(), "refused before any work: " + said);
            }
            assertEquals(before, BadInputCommandLineTest.snapshot(root), line + ": no file may appear, change or vanish");
        } else if (c.check() != null) {
            c.check().check(r, f);
        }
    }

    static double lastNumber(CommandLineTest.Run r, String prefix) {
        return TrainCommandTest.lastAccuracy(r, prefix);
    }

    static void assertAccurate(Fixture f, long[] predicted, long[] truth) {
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            right += predicted[i] == truth[i] ? 1 : 0;
        }
        assertTrue(right >= 0.95 * truth.length, right + " of " + truth.length + " right (seed " + f.seed + ")");
    }

    static float[] set(float[] a, int i, float v) {
        a[i] = v;
        return a;
    }

    /** The CSV with a sixth column (a copy of the first) in front of the label. */
    static String widen(String csv) {
        StringBuilder b = new StringBuilder();
        for (String row : csv.split("\n")) {
            String[] c = row.split(",");
            b.append(String.join(",", Arrays.copyOf(c, 4))).append(',').append(c[0]).append(',').append(c[4])
                    .append('\n');
        }
        return b.toString();
    }

    /** The features-only CSV without its last column. */
    static String narrow(String csv) {
        return csv.replaceAll(",[^,\n]*\n", "\n");
    }

    /** The CSV with labels 0, 1, 2 replaced by the given values. */
    static String relabel(String csv, int[] values) {
        StringBuilder b = new StringBuilder();
        for (String row : csv.split("\n")) {
            int cut = row.lastIndexOf(',');
            b.append(row, 0, cut + 1).append(values[Integer.parseInt(row.substring(cut + 1))]).append('\n');
        }
        return b.toString();
    }

    /** The CSV with row 0's label (and a few more of class 0's) replaced by {@code label}. */
    static String stray(String csv, int label) {
        String[] rows = csv.split("\n");
        for (int r = 0; r < rows.length; r += 40) {
            int cut = rows[r].lastIndexOf(',');
            rows[r] = rows[r].substring(0, cut + 1) + label;
        }
        return String.join("\n", rows) + "\n";
    }

    /** The CSV with the cell at (row, column), both from 0, replaced by {@code value}. */
    static String setCell(String csv, int row, int column, String value) {
        String[] rows = csv.split("\n");
        String[] cells = rows[row].split(",", -1);
        cells[column] = value;
        rows[row] = String.join(",", cells);
        return String.join("\n", rows) + "\n";
    }

    /** A CSV of {@code classes} classes of 12 rows each, 4 features, well apart. */
    static String manyClasses(long seed, int classes) {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 12 * classes; r++) {
            int y = r % classes;
            for (int q = 0; q < D; q++) {
                double centre = ((y >> q) & 1) * 6 + (q == 0 ? y * 0.9 : 0);
                b.append(String.format(Locale.ROOT, "%.5f,", centre + random.nextGaussian() * 0.2));
            }
            b.append(y).append('\n');
        }
        return b.toString();
    }

    /** The float16 bits of a whole number from 0 to 2048 (exact). */
    static int halfBits(int v) {
        if (v == 0) {
            return 0;
        }
        int exponent = 31 - Integer.numberOfLeadingZeros(v);
        int mantissa = (v << (10 - exponent)) & 0x3ff;
        return ((exponent + 15) << 10) | mantissa;
    }

    /** A .npy file of this descriptor and shape, with the given data bytes. */
    static byte[] raw(String descr, String shape, byte[] data) {
        byte[] header = CommandLineTest.npyWithHeader("{'descr': '" + descr + "', 'fortran_order': False, 'shape': ("
                + shape + "), }");
        byte[] head = Arrays.copyOf(header, header.length - 64);
        byte[] out = Arrays.copyOf(head, head.length + data.length);
        System.arraycopy(data, 0, out, head.length, data.length);
        return out;
    }

    /** The case's folder: in/ (the inputs, copies), out/ (for outputs), and the models (copies). */
    static final class Fixture {
        final Path root;
        final String device;
        final long seed;
        final Path out;

        Fixture(Path root, String device, long seed) throws IOException {
            this.root = root;
            this.device = device;
            this.seed = seed;
            this.out = root.resolve("out");
            Files.createDirectories(root.resolve("in"));
            try (Stream<Path> files = Files.list(base.resolve("in"))) {
                for (Path p : files.toList()) {
                    Files.copy(p, root.resolve("in").resolve(p.getFileName()));
                }
            }
        }

        /** Writes the shared inputs and trains the three models, once for the class. */
        static void writeBase(Path base, long seed) throws Exception {
            Path in = Files.createDirectories(base.resolve("in"));
            SplittableRandom random = new SplittableRandom(seed);
            StringBuilder last = new StringBuilder();
            StringBuilder first = new StringBuilder();
            StringBuilder features = new StringBuilder();
            StringBuilder two = new StringBuilder();
            float[] x = new float[ROWS * D];
            long[] y = new long[ROWS];
            for (int r = 0; r < ROWS; r++) {
                int label = r % 3;
                y[r] = label;
                StringBuilder row = new StringBuilder();
                for (int q = 0; q < D; q++) {
                    double v = (q == label ? 3 : 0) + random.nextGaussian() * 0.6 + 0.1 * q;
                    x[r * D + q] = (float) v;
                    row.append(q == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", (float) v));
                }
                last.append(row).append(',').append(label).append('\n');
                first.append(label).append(',').append(row).append('\n');
                features.append(row).append('\n');
                two.append(row).append(',').append(label % 2).append('\n');
            }
            Files.writeString(in.resolve("train.csv"), last);
            Files.writeString(in.resolve("label0.csv"), first);
            Files.writeString(in.resolve("features.csv"), features);
            Files.writeString(in.resolve("train2.csv"), two);
            Npy.write(in.resolve("x.npy"), NpyArray.ofFloats(x, ROWS, D));
            Npy.write(in.resolve("y.npy"), NpyArray.ofLongs(y, ROWS));
            train(base.resolve("model"), "--data", in.resolve("train.csv").toString());
            train(base.resolve("model0"), "--data", in.resolve("label0.csv").toString(), "--label-column", "0");
            train(base.resolve("modelnpy"), "--data", in.resolve("x.npy").toString(), "--labels",
                    in.resolve("y.npy").toString());
        }

        private static void train(Path out, String... args) {
            List<String> all = new ArrayList<>(List.of("train", "--device", "cpu", "--out", out.toString()));
            all.addAll(List.of(args));
            CommandLineTest.Run r = CommandLineTest.run(all.toArray(String[]::new));
            assertEquals(0, r.status(), "the fixture's model: " + all + "\n" + r.err());
        }

        String file(String name) {
            return root.resolve("in").resolve(name).toString();
        }

        String text(String name) throws IOException {
            return Files.readString(root.resolve("in").resolve(name));
        }

        String write(String name, String text) throws IOException {
            Path p = root.resolve("in").resolve(name);
            Files.writeString(p, text);
            return p.toString();
        }

        String npy(String name, NpyArray a) throws IOException {
            Path p = root.resolve("in").resolve(name);
            Npy.write(p, a);
            return p.toString();
        }

        long[] truthLongs() throws IOException {
            return Npy.read(root.resolve("in/y.npy")).longs().clone();
        }

        long[] truth() throws IOException {
            return truthLongs();
        }

        long[] predicted() throws IOException {
            return Npy.read(out.resolve("classes.npy")).longs();
        }

        /** A copy of one of the trained models in this case's folder. */
        Path copyModel(String name) throws IOException {
            Path copy = Files.createDirectories(root.resolve(name));
            try (Stream<Path> files = Files.list(base.resolve(name))) {
                for (Path p : files.toList()) {
                    if (Files.isRegularFile(p)) {
                        Files.copy(p, copy.resolve(p.getFileName()));
                    }
                }
            }
            return copy;
        }

        String[] train(String... args) {
            return trainTo(out.toString(), args);
        }

        /** Trains on a CSV of {@code text} (with its header line) written as {@code name}, with --header: it must succeed. */
        void trainWithHeader(String name, String text, String... more) throws IOException {
            List<String> args = new ArrayList<>(List.of("--data", write(name, text), "--header"));
            args.addAll(List.of(more));
            CommandLineTest.Run trained = CommandLineTest.run(train(args.toArray(String[]::new)));
            assertEquals(0, trained.status(), trained.err());
        }

        String[] trainTo(String folder, String... args) {
            List<String> all = new ArrayList<>(List.of("train", "--device", device, "--out", folder));
            all.addAll(List.of(args));
            return all.toArray(String[]::new);
        }

        String[] trainOn(String onDevice, String... args) {
            List<String> all = new ArrayList<>(List.of("train", "--device", onDevice, "--out", out.toString()));
            all.addAll(List.of(args));
            return all.toArray(String[]::new);
        }

        String[] predict(String model, String data, String... more) throws IOException {
            List<String> all = new ArrayList<>(List.of("predict", "--model", copyModel(model).toString(), "--data",
                    data, "--out", out.toString()));
            all.addAll(List.of(more));
            return all.toArray(String[]::new);
        }

        String[] predict2(String model, String data) {
            return new String[] {"predict", "--model", model, "--data", data, "--out", out.toString()};
        }

        String[] evaluate(String model, String data, String... more) throws IOException {
            List<String> all = new ArrayList<>(List.of("evaluate", "--model", copyModel(model).toString(), "--data",
                    data));
            all.addAll(List.of(more));
            return all.toArray(String[]::new);
        }
    }
}
