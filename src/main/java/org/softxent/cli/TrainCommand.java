package org.softxent.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.softxent.Softxent;
import org.softxent.io.Csv;
import org.softxent.train.Epoch;
import org.softxent.train.Evaluation;
import org.softxent.train.LinearModel;
import org.softxent.train.LogisticRegression;
import org.softxent.train.SoftmaxRegression;
import org.softxent.train.Split;
import org.softxent.train.TrainingOptions;
import org.softxent.train.TrainingResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train",
        description = "Trains softmax (or logistic) regression on a labelled data set: holds out a stratified test "
                + "split, shows the progress, writes the model (w.npy, b.npy, mean.npy, scale.npy, model.json), "
                + "curves.png and history.csv into --out, prints the confusion matrix on the test rows and, last, "
                + "'test accuracy <fraction>'.")
final class TrainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DataFlags data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder for the model and curves.")
    Path out;

    @Mixin
    DeviceOption device;

    @Option(names = "--kind", defaultValue = "softmax", paramLabel = "softmax|logistic",
            description = "softmax regression over the classes (default), or logistic regression for labels 0 and 1.")
    LinearModel.Kind kind;

    @Option(names = "--test-fraction", defaultValue = "0.25", paramLabel = "F",
            description = "the share of rows held out for the test, stratified, drawn from the seed (default 0.25).")
    double testFraction;

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

    @Option(names = "--l2", paramLabel = "R", description = "the L2 strength: loss += R·Σw² (1e-3).")
    Double l2;

    @Option(names = "--class-weights", split = ",", paramLabel = "W0,W1,...",
            description = "a weight per class for the softmax loss.")
    float[] classWeights;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "label smoothing in [0, 1] (0).")
    Double labelSmoothing;

    @Option(names = "--positive-weight", paramLabel = "PW",
            description = "logistic regression: the weight of the positive class's loss (1).")
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

    @Option(names = "--loss-every", paramLabel = "K", description = "on the GPU, read SGD's losses every K steps (50).")
    Integer lossEvery;

    @Option(names = "--stream", description = "on the GPU, stream the training set through the device in chunks "
            + "even when it would fit (by default only when it does not).")
    boolean stream;

    @Override
    public Integer call() throws Exception {
        if (!(testFraction > 0 && testFraction <= 0.9)) {
            throw new InputException("--test-fraction must be in (0, 0.9], got " + testFraction);
        }
        TrainingOptions options = options();
        try (OutputFiles files = new OutputFiles("--out")) {
            files.checkFolder(out);
            files.protect(data.data, "--data");
            if (data.labels != null) {
                files.protect(data.labels, "--labels");
            }
            Csv.Table t = data.read(-1, true);
            int classes = 0;
            for (int r = 0; r < t.rows(); r++) {
                if (t.labels()[r] < 0) {
                    throw new InputException("--data: labels[" + r + "] = " + t.labels()[r]
                            + ": class labels must be 0, 1, 2, ...");
                }
                classes = Math.max(classes, t.labels()[r] + 1);
            }
            Split split = Split.stratified(t.labels(), classes, testFraction, seed);
            int[] inAll = new int[classes];
            for (int label : t.labels()) {
                inAll[label]++;
            }
            int[] inTraining = new int[classes];
            for (int r : split.kept()) {
                inTraining[t.labels()[r]]++;
            }
            for (int c = 0; c < classes; c++) {
                if (inAll[c] > 0 && inTraining[c] == 0) {
                    throw new InputException("--test-fraction " + testFraction + ": class " + c + " has " + inAll[c]
                            + " row(s), all held out for the test: the model could not learn it");
                }
            }
            if (split.heldOut().length == 0 || split.kept().length == 0) {
                throw new InputException("--test-fraction " + testFraction + " of " + t.rows()
                        + " rows leaves no test or no training rows");
            }
            float[] x = Split.rows(t.x(), t.features(), split.kept());
            int[] y = Split.rows(t.labels(), split.kept());
            float[] xTest = Split.rows(t.x(), t.features(), split.heldOut());
            int[] yTest = Split.rows(t.labels(), split.heldOut());
            var err = spec.commandLine().getErr();
            var stdout = spec.commandLine().getOut();
            TrainingResult r;
            try (Softxent sx = device.open()) {
                DeviceOption.noteFallback(sx, err);
                Progress progress = new Progress(err, System.console() != null);
                try {
                    r = kind == LinearModel.Kind.LOGISTIC
                            ? new LogisticRegression(options).fit(sx, x, y, y.length, t.features(), progress)
                            : new SoftmaxRegression(options).fit(sx, x, y, y.length, t.features(), progress);
                } finally {
                    progress.finish();
                }
            }
            LinearModel model = r.model();
            Evaluation test = model.evaluate(xTest, yTest, yTest.length);
            files.stage(out, model.arrays());
            files.stage(out.resolve("model.json"), o -> o.write(model.metadata().getBytes(StandardCharsets.UTF_8)));
            String title = (kind == LinearModel.Kind.LOGISTIC ? "logistic" : "softmax") + " regression on "
                    + data.data.getFileName() + ": " + r.trainingRows() + " training rows, " + r.validationRows()
                    + " validation; test accuracy " + String.format("%.4f", test.accuracy());
            byte[] png = CurvesPicture.png(r.history(), title);
            files.stage(out.resolve("curves.png"), o -> o.write(png));
            files.stage(out.resolve("history.csv"), o -> o.write(history(r).getBytes(StandardCharsets.UTF_8)));
            files.commit();

            stdout.println("trained on " + r.device());
            stdout.println(t.rows() + " rows × " + t.features() + " features, " + model.classes() + " classes: "
                    + r.trainingRows() + " training, " + r.validationRows() + " validation, " + yTest.length + " test");
            stdout.println(options);
            stdout.println(r.stopReason() + "; " + r.history().size() + " epochs, best " + r.bestEpoch());
            if (r.constantFeatures().length > 0) {
                stdout.println("note: " + r.constantFeatures().length + " features are constant over the training rows "
                        + "(columns " + abbreviate(r.constantFeatures()) + "): they do not inform the model");
            }
            stdout.println("wrote " + out.resolve("model.json") + ", its .npy arrays, curves.png and history.csv");
            stdout.printf("test log loss %.5f%n", test.logLoss());
            stdout.println("confusion matrix on the " + yTest.length + " test rows:");
            stdout.print(test.confusionTable());
            stdout.printf("test accuracy %.4f%n", test.accuracy());
            return 0;
        }
    }

    private TrainingOptions options() {
        TrainingOptions o = TrainingOptions.defaults().withSeed(seed).withStandardize(!noStandardize);
        try {
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
            o = o.withStream(stream);
        } catch (IllegalArgumentException e) {
            // The options' messages name the option in the API's words: say the flag.
            String name = e.getMessage().split(" ")[0];
            String flag = "--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT)
                    .replaceAll("\\[.*", "");
            throw new InputException(flag + ": " + e.getMessage());
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
