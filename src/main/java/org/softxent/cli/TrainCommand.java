package org.softxent.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.io.RowSource;
import org.softxent.train.Epoch;
import org.softxent.train.Evaluation;
import org.softxent.train.Labels;
import org.softxent.train.LinearModel;
import org.softxent.train.LogisticRegression;
import org.softxent.train.NonFiniteFeatureException;
import org.softxent.train.Rows;
import org.softxent.train.SoftmaxRegression;
import org.softxent.train.Split;
import org.softxent.train.TrainingOptions;
import org.softxent.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train",
        description = "Trains softmax (or logistic) regression on a labelled data set: tests on --test-data or on a "
                + "stratified share held out, shows the progress, writes the model (w.npy, b.npy, mean.npy, "
                + "scale.npy, model.json), curves.png, history.csv and confusion.csv into --out, prints the test "
                + "results and, last, 'test accuracy <fraction>'. The classes are the labels' distinct values.")
final class TrainCommand implements Callable<Integer> {
    /** What train writes into --out. */
    static final List<String> OUTPUTS = List.of("w.npy", "b.npy", "mean.npy", "scale.npy", "model.json", "curves.png",
            "history.csv", "confusion.csv");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DataFlags data;

    @Option(names = "--test-data", paramLabel = "FILE",
            description = "the test set, of --data's kind and layout (default: a share of --data held out).")
    Path testData;

    @Option(names = "--test-labels", paramLabel = "FILE", description = "the labels of a .npy --test-data.")
    Path testLabels;

    @Option(names = "--validation-data", paramLabel = "FILE",
            description = "rows watched for early stopping, of --data's kind and layout (default: a share of the "
                    + "training rows, --validation-fraction).")
    Path validationData;

    @Option(names = "--validation-labels", paramLabel = "FILE", description = "the labels of a .npy --validation-data.")
    Path validationLabels;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder for the model and curves.")
    Path out;

    @Mixin
    DeviceOption device;

    @Option(names = "--kind", defaultValue = "softmax", paramLabel = "softmax|logistic",
            description = "softmax regression over the classes (default), or logistic regression for two classes.")
    LinearModel.Kind kind;

    @Option(names = "--test-fraction", paramLabel = "F",
            description = "the share of rows held out for the test, stratified, drawn from the seed (0.25; 0 with "
                    + "--test-data, which takes its place).")
    Double testFraction;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "the seed of the splits and of SGD's shuffles (default 0).")
    long seed;

    @Option(names = "--optimizer", paramLabel = "lbfgs|sgd", description = "L-BFGS (default) or minibatch SGD.")
    TrainingOptions.Optimizer optimizer;

    @Option(names = "--epochs", paramLabel = "N", description = "the most SGD epochs or L-BFGS iterations (100).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "B", description = "SGD's rows per step (64).")
    Integer batchSize;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "SGD's initial learning rate (0.1).")
    Double learningRate;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD's momentum (0.9).")
    Double momentum;

    @Option(names = "--schedule", paramLabel = "constant|cosine", description = "SGD's learning-rate schedule (cosine).")
    TrainingOptions.Schedule schedule;

    @Option(names = "--l2", paramLabel = "R", description = "the L2 strength: loss += R·Σw² (1e-3; scikit-learn's C "
            + "is R = 1 / (2·C·rows)).")
    Double l2;

    @Option(names = "--class-weights", paramLabel = "W0,W1,...",
            description = "softmax regression: a weight per class, in the order of the class values.")
    String classWeightsText;

    /** --class-weights parsed (null when not given): every comma separates two weights, none empty. */
    private float[] classWeights;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "label smoothing in [0, 1) (0).")
    Double labelSmoothing;

    @Option(names = "--positive-weight", paramLabel = "PW",
            description = "logistic regression: the weight of the positive class's loss, the larger label (1).")
    Double positiveWeight;

    @Option(names = "--no-standardize", description = "train on the features as they are (default: standardised).")
    boolean noStandardize;

    @Option(names = "--validation-fraction", paramLabel = "F",
            description = "the share of the training rows watched for early stopping (0.1; 0 for none).")
    Double validationFraction;

    @Option(names = "--patience", paramLabel = "N", description = "epochs without a better validation loss (10).")
    Integer patience;

    @Option(names = "--tolerance", paramLabel = "T", description = "convergence tolerance (1e-6).")
    Double tolerance;

    @Option(names = "--loss-every", paramLabel = "K", description = "SGD on the GPU: read the losses every K steps (50).")
    Integer lossEvery;

    @Option(names = "--stream", description = "stream the training rows even when they would fit: on the GPU "
            + "through the device in chunks, on the CPU read from the .npy file chunk by chunk rather than copied "
            + "into memory (a CSV's parsed rows: only their scaled copy is saved; by default each only when the rows "
            + "do not fit).")
    boolean stream;

    @Option(names = "--chunk-mib", paramLabel = "N", description = "with --stream: each chunk of rows read from the "
            + "file takes at most N MiB; two are held at once at most. On the CPU with --optimizer sgd (64 by "
            + "default); on a GPU, the chunks the rows are read, scaled and uploaded in (8 by default).")
    Integer chunkMib;

    @Override
    public Integer call() throws Exception {
        // Everything the flags alone decide, before any file is read.
        classWeights = classWeightsText == null ? null : classWeights(classWeightsText);
        TrainingOptions options = options();
        checkFlags(options);
        double fraction = testFraction != null ? testFraction : testData != null ? 0 : 0.25;
        var err = spec.commandLine().getErr();
        var stdout = spec.commandLine().getOut();
        try (OutputFiles files = new OutputFiles("--out")) {
            protect(files);
            files.checkFolder(out);
            for (String name : OUTPUTS) {
                files.checkFile(out.resolve(name));
            }
            long t0 = System.nanoTime();
            CurvesPicture.warmUpInBackground();
            // The engine opens while the files are read; a failure to open comes first, as it would have.
            try (DeviceOption.Opening opening = device.opening()) {
                if (device.device == Device.GPU || lossEvery != null || chunkMib != null) {
                    // A GPU asked for, or flags that apply on one kind of device or with one optimizer
                    // only: which device opened, before any file is read.
                    Softxent sx = opening.peek();
                    if (sx.device() == Device.CPU) {
                        refuseOnTheCpu(sx);
                    }
                }
                DataFlags.Data all = null;
                DataFlags.Data test = null;
                DataFlags.Data validation = null;
                try {
                    all = data.readForTraining();
                    test = testData == null ? null
                            : data.readLike(all, "--test-data", testData, "--test-labels", testLabels);
                    validation = validationData == null ? null
                            : data.readLike(all, "--validation-data", validationData, "--validation-labels",
                            validationLabels);
                } catch (RuntimeException e) {
                    close(all, test, validation);
                    RuntimeException first = opening.failure();
                    throw first != null ? first : e;
                }
                long tRead = System.nanoTime();
                try (Softxent sx = opening.get()) {
                    if (sx.device() == Device.CPU) {
                        refuseOnTheCpu(sx);
                    }
                    return train(sx, all, test, validation, options, fraction, files, t0, tRead);
                } finally {
                    close(all, test, validation);
                }
            }
        }
    }

    private static void close(DataFlags.Data... data) {
        for (DataFlags.Data d : data) {
            if (d != null) {
                d.close();
            }
        }
    }

    private int train(Softxent sx, DataFlags.Data all, DataFlags.Data test, DataFlags.Data validation,
                      TrainingOptions options, double fraction, OutputFiles files, long t0, long tRead)
            throws java.io.IOException {
        var err = spec.commandLine().getErr();
        var stdout = spec.commandLine().getOut();
        long tOpen = System.nanoTime();
                Labels.Classes classes = classes(all);
                if (test != null) {
                    requireKnownLabels(test, classes);
                }
                if (validation != null) {
                    requireKnownLabels(validation, classes);
                }
                Rows train;
                Rows testRows;
                String testFrom;
                if (test == null) {
                    Split split = Split.stratified(classes.index(), classes.count(), fraction, seed);
                    requireEveryClassTrained(all, classes, split);
                    if (split.heldOut().length == 0 || split.kept().length == 0) {
                        throw new InputException("--test-fraction " + fraction + " of " + all.rows()
                                + " rows leaves no test or no training rows");
                    }
                    train = new Rows(RowSource.select(all.x(), split.kept()), Split.rows(all.labels(), split.kept()));
                    RowSource held = RowSource.select(all.x(), split.heldOut());
                    // The trainer checks the rows it trains on; the test rows are checked here, before it starts.
                    if (RowSource.firstNonFinite(held) >= 0) {
                        all.requireFinite();
                        throw new InputException(all.name() + " holds a NaN or an infinity in a test row");
                    }
                    testRows = new Rows(RowSource.checked(held), Split.rows(all.labels(), split.heldOut()));
                    double share = (double) testRows.rows() / all.rows();
                    testFrom = String.format(Locale.ROOT, "%d rows of %s held out (%s, stratified, seed %d%s)",
                            testRows.rows(), all.file().getFileName(), percent(share), seed,
                            Math.abs(share - fraction) > 0.005 ? "; " + percent(fraction) + " asked: each class keeps "
                                    + "a row on each side" : "");
                } else {
                    train = new Rows(all.x(), all.labels());
                    testRows = new Rows(test.x(), test.labels());
                    testFrom = test.rows() + " rows of " + test.file().getFileName() + " (--test-data)";
                }
                Rows validationRows = validation == null ? null
                        : new Rows(validation.x(), validation.labels());

                // Asked before the work: a file moved during a long run must not fail it afterwards.
                boolean testIsData = test != null && sameFile(test.file(), all.file());
                boolean validationIsData = validation != null && sameFile(validation.file(), all.file());
                if (validationIsData && test == null) {
                    throw new InputException("--validation-data is --data's own file: early stopping would watch "
                            + "its rows, the test's held-out rows among them, and the test would no longer be of rows "
                            + "the training never saw; give --validation-data rows of their own, or "
                            + "--validation-fraction");
                }
                long tReady = System.nanoTime();
                String header = "training on " + sx.description() + "\n" + all.rows() + " rows × " + all.features()
                        + " features of " + all.file().getFileName() + ", " + classes.count() + " classes "
                        + describe(classes.values()) + "; the test: " + testFrom + "\n" + options;
                TrainingResult r;
                // The header once every check has passed: a refused run says nothing on standard output.
                Progress progress = new Progress(err, System.console() != null, () -> {
                    stdout.println(header);
                    stdout.flush();
                });
                try {
                    r = kind == LinearModel.Kind.LOGISTIC
                            ? new LogisticRegression(options).fit(sx, train, validationRows, progress)
                            : new SoftmaxRegression(options).fit(sx, train, validationRows, progress);
                } catch (NonFiniteFeatureException e) {
                    try {
                        all.requireFinite(); // the file's own words: its row, its column, the value stored
                    } catch (InputException inFile) {
                        if (e.changedDuringTraining()) {
                            throw new InputException(inFile.getMessage() + "; it was finite when the rows were "
                                    + "checked before training: the file changed while training read it");
                        }
                        throw inFile;
                    }
                    throw e;
                } finally {
                    progress.finish();
                }
                long tFit = System.nanoTime();
                LinearModel model = r.model().withInput(all.input());
                Evaluation result = model.evaluate(sx, testRows.source(), testRows.labels());
                long tTest = System.nanoTime();
                files.stage(out, model.arrays());
                files.stage(out.resolve("model.json"), o -> o.write(model.metadata().getBytes(StandardCharsets.UTF_8)));
                files.seal(out.resolve("model.json"));
                String title = (kind == LinearModel.Kind.LOGISTIC ? "logistic" : "softmax") + " regression on "
                        + all.file().getFileName() + ": " + r.trainingRows() + " training rows, " + r.validationRows()
                        + " validation; test accuracy " + String.format(Locale.ROOT, "%.4f", result.accuracy());
                byte[] png = CurvesPicture.png(r.history(), title, r.bestEpoch(), lossName(options));
                files.stage(out.resolve("curves.png"), o -> o.write(png));
                files.stage(out.resolve("history.csv"), o -> o.write(history(r).getBytes(StandardCharsets.UTF_8)));
                files.stage(out.resolve("confusion.csv"),
                        o -> o.write(result.confusionCsv().getBytes(StandardCharsets.UTF_8)));
                files.commit();
                long tWrite = System.nanoTime();

                stdout.println("trained on " + r.device());
                String validationShare = "";
                if (validation == null && r.validationRows() > 0) {
                    double share = (double) r.validationRows() / (r.trainingRows() + r.validationRows());
                    validationShare = " (" + percent(share) + " of the training rows"
                            + (Math.abs(share - options.validationFraction()) > 0.005 ? "; "
                            + percent(options.validationFraction()) + " asked: each class keeps a row on each side"
                            : "") + ")";
                }
                stdout.println(r.stopReason() + "; " + r.history().size() + " epochs, best " + r.bestEpoch() + "; "
                        + r.trainingRows() + " training rows, " + r.validationRows() + " validation"
                        + validationShare);
                if (options.l2() == 0 && options.labelSmoothing() == 0 && r.bestEpoch() > 0
                        && r.history().get(r.bestEpoch() - 1).trainAccuracy() == 1) {
                    stdout.println("note: the model tells every training row's class apart and l2 is 0: the loss then "
                            + "has no minimum (it falls towards 0 as the weights grow), so the fit stopped where its "
                            + "rule stopped it, and a longer one would give larger weights; --l2 above 0 gives one "
                            + "model whatever the stopping rule");
                }
                if (r.constantFeatures().length > 0) {
                    int k = r.constantFeatures().length;
                    stdout.println("note: " + (k == 1 ? "1 feature is" : k + " features are") + " constant over the "
                            + "training rows (columns " + abbreviate(r.constantFeatures()) + "): they do not inform "
                            + "the model");
                }
                if (r.coarseFeatures().length > 0) {
                    int k = r.coarseFeatures().length;
                    stdout.println("note: " + (k == 1 ? "1 feature varies" : k + " features vary") + " by few of "
                            + "float32's steps (columns " + abbreviate(r.coarseFeatures()) + "): float32, which "
                            + "softxent computes with, blurs their differences (a timestamp near 1.7e9 is rounded to "
                            + "steps of 128); subtract an offset (a timestamp less the first) before training"
                            + (options.standardize() ? ", or give them as a float64 or int64 .npy, which is "
                            + "standardised before float32 rounds it" : ", or train without --no-standardize from "
                            + "a float64 or int64 .npy, which is then standardised before float32 rounds it"));
                }
                stdout.println("wrote " + out.resolve("model.json") + ", its .npy arrays, curves.png, history.csv and "
                        + "confusion.csv");
                if (testIsData) {
                    stdout.println("note: --test-data is --data's own file: the test rows are the training rows, and "
                            + "the test says how well the model fits them, not how well it does on new rows");
                }
                if (validationIsData) {
                    stdout.println("note: --validation-data is --data's own file: early stopping watched the rows it "
                            + "trained on, whose loss keeps falling as the model fits them, so it seldom stops early");
                }
                String untested = untested(result);
                if (!untested.isEmpty()) {
                    stdout.println("note: the " + testRows.rows() + " test rows hold no row of class " + untested
                            + ": the test says nothing of " + (untested.contains(",") ? "them" : "it"));
                }
                stdout.printf(Locale.ROOT, "test log loss %s on %s%n", Evaluation.format(result.logLoss()), testFrom);
                printConfusion(stdout, result, "on the " + testRows.rows() + " test rows",
                        out.resolve("confusion.csv").toString());
                double optimizer = r.history().isEmpty() ? 0 : r.history().get(r.history().size() - 1).seconds();
                stdout.printf(Locale.ROOT, "times: reading %.2f s, opening the engine %.2f s more, checks %.2f s, "
                                + "training %.2f s (the optimizer %.2f s), testing %.2f s, writing %.2f s; %.2f s in all%n",
                        (tRead - t0) / 1e9, (tOpen - tRead) / 1e9, (tReady - tOpen) / 1e9, (tFit - tReady) / 1e9,
                        optimizer,
                        (tTest - tFit) / 1e9, (tWrite - tTest) / 1e9, (tWrite - t0) / 1e9);
                stdout.printf(Locale.ROOT, "test accuracy %.4f%n", result.accuracy());
                stdout.flush();
                // After the work, so that an error is the only line a failing command prints (the
                // header's first line already names the CPU).
                DeviceOption.noteFallback(sx, err);
                return 0;
    }

    private static boolean sameFile(java.nio.file.Path a, java.nio.file.Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** --class-weights W0,W1,...: each cell a number; an empty one (a comma too many) is refused. */
    static float[] classWeights(String text) {
        String[] cells = text.split(",", -1);
        float[] w = new float[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String cell = cells[i].strip();
            String problem = null;
            // A decimal as a CSV's cells are written (not Java's 1f, 0x1p0 or 1_0), read as a float.
            if (cell.isEmpty()) {
                problem = "empty (a comma too many?)";
            } else if (!org.softxent.io.Csv.decimal(cell)) {
                problem = "'" + cell + "', not a decimal number";
            } else {
                float f = Float.parseFloat(cell);
                // Not zero: a digit other than 0 before the exponent (the exponent itself may be any size).
                boolean nonzero = cell.split("[eE]")[0].chars().anyMatch(ch -> ch >= '1' && ch <= '9');
                if (nonzero && cell.startsWith("-")) {
                    problem = "'" + cell + "': a weight is 0 or more";
                } else if (Float.isInfinite(f)) {
                    problem = "'" + cell + "', beyond float32's range (3.4e38)";
                } else if (f == 0 && nonzero) {
                    problem = "'" + cell + "', which rounds to 0 in float32 (its least is 1.4e-45): give 0 to "
                            + "leave the class out, or a larger weight";
                } else {
                    w[i] = f + 0f; // -0 as 0
                }
            }
            if (problem != null) {
                throw new InputException("--class-weights " + text + ": weight " + i + " is " + problem
                        + "; give one number per class, separated by commas");
            }
        }
        return w;
    }

    /**
     * The classes (values) no test row is of, from the evaluation's confusion matrix (a row per true
     * class), as "3" or "3, 7" (at most ten named); "" for none.
     */
    static String untested(Evaluation e) {
        int[] rowsOf = e.classCounts();
        int[] classes = e.labels();
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (int k = 0; k < classes.length; k++) {
            if (rowsOf[k] == 0) {
                missing.add(Integer.toString(classes[k]));
            }
        }
        return missing.size() <= 10 ? String.join(", ", missing)
                : String.join(", ", missing.subList(0, 10)) + " and " + (missing.size() - 10) + " more";
    }

    /** The confusion matrix on the terminal while it is readable; else where the whole one is. */
    static void printConfusion(java.io.PrintWriter stdout, Evaluation e, String what, String file) {
        String on = what.isEmpty() ? "" : " " + what;
        if (e.readable()) {
            stdout.println("confusion matrix" + on + ":");
            stdout.print(e.confusionTable());
        } else {
            stdout.println("confusion matrix" + on + ": " + e.labels().length + " classes, too many for the "
                    + "terminal" + (file == null ? " (--confusion FILE writes it)" : "; written to " + file));
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.4g %%", 100 * fraction).replaceAll("\\.?0+ %", " %");
    }

    private static String describe(int[] values) {
        if (values.length <= 12) {
            return Arrays.toString(values);
        }
        return "[" + values[0] + ", " + values[1] + ", ..., " + values[values.length - 1] + "]";
    }

    private void protect(OutputFiles files) {
        files.protect(data.data, "--data");
        if (data.labels != null) {
            files.protect(data.labels, "--labels");
        }
        for (Object[] p : new Object[][] {{testData, "--test-data"}, {testLabels, "--test-labels"},
            {validationData, "--validation-data"}, {validationLabels, "--validation-labels"}}) {
            if (p[0] != null) {
                files.protect((Path) p[0], (String) p[1]);
            }
        }
    }

    /** The classes of the training labels, refused here (with the flag) when they cannot be trained on. */
    private Labels.Classes classes(DataFlags.Data all) {
        Labels.Classes classes;
        try {
            classes = Labels.of(all.labels());
        } catch (IllegalArgumentException e) {
            throw new InputException(all.name() + ": " + e.getMessage());
        }
        if (kind == LinearModel.Kind.LOGISTIC && classes.count() != 2) {
            int third = 0;
            while (classes.index()[third] < 2) {
                third++;
            }
            throw new InputException("--kind logistic takes two classes; " + all.name() + " holds "
                    + classes.count() + " " + describe(classes.values()) + " (the first row of a third class: "
                    + all.where(third) + "): use --kind softmax");
        }
        if (classWeights != null && classWeights.length != classes.count()) {
            throw new InputException("--class-weights: " + classWeights.length + " weights for the "
                    + classes.count() + " classes " + describe(classes.values()) + " of " + all.name()
                    + " (one per class, in the order of the class values)");
        }
        return classes;
    }

    private static void requireKnownLabels(DataFlags.Data d, Labels.Classes classes) {
        for (int r = 0; r < d.rows(); r++) {
            if (classes.indexOf(d.labels()[r]) < 0) {
                throw new InputException(d.labelPlace(r) + ": the label " + d.labels()[r] + " is not one of the training "
                        + "rows' classes " + describe(classes.values()));
            }
        }
    }

    private void requireEveryClassTrained(DataFlags.Data all, Labels.Classes classes, Split split) {
        int[] inAll = Labels.counts(classes.index(), classes.count());
        int[] inTraining = new int[classes.count()];
        for (int r : split.kept()) {
            inTraining[classes.index()[r]]++;
        }
        for (int c = 0; c < classes.count(); c++) {
            if (inAll[c] > 0 && inTraining[c] == 0) {
                throw new InputException("--test-fraction " + testFraction + ": class " + classes.values()[c]
                        + " has " + inAll[c] + " row(s) in " + all.name() + ", all held out for the test: the model "
                        + "could not learn it");
            }
        }
    }

    /** The flags that cannot apply to this training, and the test split's, refused with the reason. */
    private void checkFlags(TrainingOptions options) {
        if (testFraction != null) {
            if (testData != null && testFraction != 0) {
                throw new InputException("--test-fraction " + testFraction + " with --test-data: the test rows come "
                        + "from --test-data; leave --test-fraction out (or give 0)");
            }
            if (testData == null && !(testFraction > 0 && testFraction <= 0.9)) {
                throw new InputException("--test-fraction must be in (0, 0.9], got " + testFraction
                        + (testFraction == 0 ? ": 0 leaves no test rows; give --test-data FILE for a test set of "
                        + "your own" : ""));
            }
        }
        if (testLabels != null && testData == null) {
            throw new InputException("--test-labels: the labels of --test-data, which is not given");
        }
        if (validationLabels != null && validationData == null) {
            throw new InputException("--validation-labels: the labels of --validation-data, which is not given");
        }
        if (validationData != null && validationFraction != null) {
            throw new InputException("--validation-fraction with --validation-data: the validation rows come from "
                    + "--validation-data; leave --validation-fraction out");
        }
        if (chunkMib != null && !stream) {
            throw new InputException("--chunk-mib sets the chunks --stream reads the rows in; give --stream (the rows "
                    + "are otherwise held whole when they fit, and read in 64 MiB chunks when they do not)");
        }
        if (options.optimizer() == TrainingOptions.Optimizer.LBFGS) {
            String[][] sgdOnly = {{"--batch-size", s(batchSize)}, {"--learning-rate", s(learningRate)},
                {"--momentum", s(momentum)}, {"--schedule", s(schedule)}, {"--loss-every", s(lossEvery)}};
            for (String[] f : sgdOnly) {
                if (f[1] != null) {
                    throw new InputException(f[0] + " applies to --optimizer sgd; the optimizer is L-BFGS"
                            + (optimizer == null ? " (the default)" : "") + ", which takes full-batch steps of its own");
                }
            }
        }
        if (kind == LinearModel.Kind.SOFTMAX && positiveWeight != null) {
            throw new InputException("--positive-weight applies to --kind logistic; softmax regression weighs classes "
                    + "by --class-weights");
        }
        if (kind == LinearModel.Kind.LOGISTIC && classWeights != null) {
            throw new InputException("--class-weights applies to --kind softmax; logistic regression weighs its "
                    + "positive class by --positive-weight");
        }
        if (patience != null && validationData == null && options.validationFraction() == 0) {
            throw new InputException("--patience applies to early stopping, which watches validation rows; "
                    + "--validation-fraction 0 leaves none");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--seed") && testData != null
                && options.optimizer() == TrainingOptions.Optimizer.LBFGS
                && (validationData != null || options.validationFraction() == 0)) {
            throw new InputException("--seed draws the test and validation rows and SGD's order, and here nothing is "
                    + "drawn: the test rows are --test-data, " + (validationData != null
                    ? "the validation rows --validation-data" : "--validation-fraction 0 holds none out")
                    + ", and L-BFGS takes full-batch steps; leave --seed out");
        }
        if (tolerance != null && options.optimizer() == TrainingOptions.Optimizer.SGD && validationData == null
                && options.validationFraction() == 0) {
            throw new InputException("--tolerance with --optimizer sgd is the least improvement early stopping "
                    + "counts, and early stopping watches validation rows; --validation-fraction 0 leaves none");
        }
    }

    /** The GPU's own flags on an engine that computes on the CPU. */
    private void refuseOnTheCpu(Softxent sx) {
        String why = sx.fallbackReason().map(r -> " (" + r + ")").orElse("");
        if (lossEvery != null) {
            throw new InputException("--loss-every applies to SGD on the GPU; this run computes on the CPU" + why);
        }
        if (chunkMib != null && optimizer != TrainingOptions.Optimizer.SGD
                && org.softxent.backend.BackendAccess.of(sx).readsSources()) {
            throw new InputException("--chunk-mib sizes the chunks SGD draws its minibatches from; L-BFGS on the CPU "
                    + "reads the rows block by block itself (give --optimizer sgd, or leave --chunk-mib out)");
        }
    }

    private static String s(Object o) {
        return o == null ? null : o.toString();
    }

    /**
     * The curves' loss panel: the loss the model was trained on, on both the training and the
     * validation rows (the L2 term left out): the mean log loss, unless weights or smoothing make it
     * another loss, which the name then says.
     */
    static String lossName(TrainingOptions o) {
        List<String> what = new java.util.ArrayList<>();
        if (o.classWeights() != null) {
            what.add("class weights");
        }
        if (o.positiveWeight() > 0 && o.positiveWeight() != 1) { // 1 (or unset) weighs nothing
            what.add("positive weight");
        }
        if (o.labelSmoothing() > 0) {
            what.add("label smoothing");
        }
        return what.isEmpty() ? "mean log loss" : "mean loss with " + String.join(", ", what);
    }

    private TrainingOptions options() {
        TrainingOptions o = TrainingOptions.defaults().withSeed(seed);
        if (chunkMib != null && chunkMib < 1) {
            throw new InputException("--chunk-mib must be at least 1, got " + chunkMib);
        }
        try {
            if (noStandardize) {
                o = o.withStandardize(false);
            }
            if (optimizer != null) {
                o = o.withOptimizer(optimizer);
            }
            if (epochs != null) {
                o = o.withEpochs(epochs);
            }
            if (batchSize != null) {
                o = o.withBatchSize(batchSize);
            }
            if (learningRate != null) {
                o = o.withLearningRate(learningRate);
            }
            if (momentum != null) {
                o = o.withMomentum(momentum);
            }
            if (schedule != null) {
                o = o.withSchedule(schedule);
            }
            if (l2 != null) {
                o = o.withL2(l2);
            }
            if (classWeights != null) {
                o = o.withClassWeights(classWeights);
            }
            if (labelSmoothing != null) {
                o = o.withLabelSmoothing(labelSmoothing);
            }
            if (positiveWeight != null) {
                o = o.withPositiveWeight(positiveWeight);
            }
            if (validationFraction != null) {
                o = o.withValidationFraction(validationFraction);
            } else if (validationData != null) {
                o = o.withValidationFraction(0); // the validation rows come apart
            }
            if (patience != null) {
                o = o.withPatience(patience);
            }
            if (tolerance != null) {
                o = o.withTolerance(tolerance);
            }
            if (lossEvery != null) {
                o = o.withLossEvery(lossEvery);
            }
            if (stream) {
                o = o.withStream(true);
            }
            if (chunkMib != null) {
                o = o.withChunkMemory((long) chunkMib << 20);
            }
        } catch (InputException e) {
            throw e; // already in the flags' words
        } catch (IllegalArgumentException e) {
            // The options' messages name the option in the API's words: say the flag, here and in the text.
            String name = e.getMessage().split("[ \\[]")[0];
            String flag = "--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            throw new InputException(e.getMessage().replaceFirst("^" + name, flag));
        }
        return o;
    }

    private static String history(TrainingResult r) {
        StringBuilder b = new StringBuilder(
                "epoch,objective,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,seconds\n");
        for (Epoch e : r.history()) {
            b.append(e.epoch()).append(',').append(e.objective()).append(',').append(e.trainLoss()).append(',')
                    .append(e.trainAccuracy()).append(',').append(e.validationLoss()).append(',')
                    .append(e.validationAccuracy()).append(',').append(e.learningRate()).append(',')
                    .append(e.seconds()).append('\n');
        }
        return b.toString();
    }

    private static String abbreviate(int[] columns) {
        String all = Arrays.toString(columns);
        return columns.length <= 12 ? all.substring(1, all.length() - 1)
                : Arrays.toString(Arrays.copyOf(columns, 12)).replace("]", ", ...").substring(1);
    }
}
