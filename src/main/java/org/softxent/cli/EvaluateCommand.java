package org.softxent.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.softxent.train.Evaluation;
import org.softxent.train.LinearModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate",
        description = "Measures a trained model on a labelled data set of the kind it was trained on: prints the "
                + "log loss, the confusion matrix (while the terminal can show it; --confusion writes it) and, last, "
                + "'accuracy <fraction>'.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the folder train wrote.")
    Path model;

    @Mixin
    DataFlags data;

    @Mixin
    DeviceOption device;

    @Option(names = "--confusion", paramLabel = "FILE",
            description = "also write the whole confusion matrix there, as CSV (rows: true class, columns: predicted).")
    Path confusion;

    @Override
    public Integer call() throws Exception {
        LinearModel m = ModelFolder.load(model);
        try (OutputFiles files = new OutputFiles("--confusion")) {
            if (confusion != null) {
                files.protect(data.data, "--data");
                if (data.labels != null) {
                    files.protect(data.labels, "--labels");
                }
                ModelFolder.protect(files, model);
                files.checkFile(confusion);
            }
            Evaluation e;
            String what;
            String note;
            try (DataFlags.Data t = data.readForModel(m, true)) {
                for (int r = 0; r < t.rows(); r++) {
                    if (m.indexOf(t.labels()[r]) < 0) {
                        throw new InputException(t.labelPlace(r) + ": the label " + t.labels()[r] + " is not one of the "
                                + "model's " + m.classes() + " classes " + java.util.Arrays.toString(m.labels()));
                    }
                }
                try (org.softxent.Softxent sx = device.open()) {
                    note = DeviceOption.fallbackNote(sx);
                    e = m.evaluate(sx, t.x(), t.labels());
                }
                what = m + " on " + t.rows() + " rows of " + t.file();
            }
            if (confusion != null) {
                files.stage(confusion, o -> o.write(e.confusionCsv().getBytes(StandardCharsets.UTF_8)));
                files.commit();
            }
            var out = spec.commandLine().getOut();
            out.println(what);
            out.printf(Locale.ROOT, "log loss %s%n", Evaluation.format(e.logLoss()));
            TrainCommand.printConfusion(out, e, "", confusion == null ? null : confusion.toString());
            out.printf(Locale.ROOT, "accuracy %.4f%n", e.accuracy());
            // After the work, so that an error is the only line a failing command prints.
            if (note != null) {
                spec.commandLine().getErr().println(note);
            }
            return 0;
        }
    }
}
