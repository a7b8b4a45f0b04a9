package org.softxent.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.softxent.io.NpyArray;
import org.softxent.train.LinearModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "predict",
        description = "Applies a trained model (train's --out) to a data set of the kind it was trained on: writes "
                + "probabilities.npy [N, C] (float32; column j for the model's j-th class value) and classes.npy [N] "
                + "(int64: the predicted class values) into --out. A CSV may have its label column or not.")
final class PredictCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "the folder train wrote.")
    Path model;

    @Mixin
    DataFlags data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder for the predictions.")
    Path out;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws Exception {
        LinearModel m = ModelFolder.load(model);
        try (OutputFiles files = new OutputFiles("--out")) {
            files.protect(data.data, "--data");
            ModelFolder.protect(files, model);
            files.checkFolder(out);
            files.checkFile(out.resolve("probabilities.npy"));
            files.checkFile(out.resolve("classes.npy"));
            LinearModel.Predictions both;
            int rows;
            try (DataFlags.Data t = data.readForModel(m, false); org.softxent.Softxent sx = device.open()) {
                DeviceOption.noteFallback(sx, spec.commandLine().getErr());
                both = m.predictBoth(sx, t.x());
                rows = t.rows();
            }
            float[] p = both.probabilities();
            int[] c = both.classes();
            long[] classes = new long[c.length];
            for (int i = 0; i < c.length; i++) {
                classes[i] = c[i];
            }
            Map<String, NpyArray> arrays = new LinkedHashMap<>();
            arrays.put("probabilities", NpyArray.ofFloats(p, rows, m.classes()));
            arrays.put("classes", NpyArray.ofLongs(classes, rows));
            files.stage(out, arrays);
            files.commit();
            spec.commandLine().getOut().println("wrote " + out.resolve("probabilities.npy") + " [" + rows + ", "
                    + m.classes() + "] (columns: the classes " + java.util.Arrays.toString(m.labels()) + ") and "
                    + out.resolve("classes.npy") + " [" + rows + "]");
            return 0;
        }
    }
}
