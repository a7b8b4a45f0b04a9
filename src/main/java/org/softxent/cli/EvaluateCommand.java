package org.softxent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.softxent.io.Csv;
import org.softxent.train.Evaluation;
import org.softxent.train.LinearModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate",
        description = "Measures a trained model on a labelled data set: prints the log loss, the confusion matrix "
                + "and, last, 'accuracy <fraction>'.")
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the folder train wrote.")
    Path model;

    @Mixin
    DataFlags data;

    @Override
    public Integer call() throws Exception {
        LinearModel m = ModelFolder.load(model);
        Csv.Table t = data.read(-1, true);
        if (t.features() != m.features()) {
            throw new InputException("--data: the model takes " + m.features() + " features, but " + data.data
                    + " has " + t.features() + (data.isNpy() ? "" : " besides its label column"));
        }
        Evaluation e;
        try {
            e = m.evaluate(t.x(), t.labels(), t.rows());
        } catch (IllegalArgumentException bad) {
            throw new InputException("--data: " + bad.getMessage());
        }
        var out = spec.commandLine().getOut();
        out.println(m + " on " + t.rows() + " rows of " + data.data);
        out.printf("log loss %.5f%n", e.logLoss());
        out.println("confusion matrix:");
        out.print(e.confusionTable());
        out.printf("accuracy %.4f%n", e.accuracy());
        return 0;
    }
}
