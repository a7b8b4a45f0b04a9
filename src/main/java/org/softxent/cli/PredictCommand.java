package org.softxent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.softxent.io.Npy;
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
            int rows;
            try (DataFlags.Data t = data.readForModel(m, false); org.softxent.Softxent sx = device.open()) {
                DeviceOption.noteFallback(sx, spec.commandLine().getErr());
                rows = t.rows();
                // The probabilities go to their file batch by batch as they are computed (a set of
                // any size needs no array of them); the classes, 8 bytes a row, are written after.
                long[] classes = new long[rows];
                int k = m.classes();
                files.stage(out.resolve("probabilities.npy"), o -> {
                    Npy.writeHeader(o, NpyArray.DType.FLOAT32, rows, k);
                    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(0);
                    java.nio.ByteBuffer[] buffer = {bytes};
                    try {
                        m.predictEach(sx, t.x(), (first, count, p, c) -> {
                            if (buffer[0].capacity() < count * k * 4) {
                                buffer[0] = java.nio.ByteBuffer.allocate(count * k * 4)
                                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                            }
                            java.nio.ByteBuffer b = buffer[0].clear();
                            b.asFloatBuffer().put(p, 0, count * k);
                            o.write(b.array(), 0, count * k * 4);
                            for (int i = 0; i < count; i++) {
                                classes[first + i] = c[i];
                            }
                        });
                    } catch (java.io.UncheckedIOException e) {
                        throw e.getCause();
                    }
                });
                files.stage(out.resolve("classes.npy"), o -> Npy.write(o, NpyArray.ofLongs(classes, rows)));
            }
            files.commit();
            spec.commandLine().getOut().println("wrote " + out.resolve("probabilities.npy") + " [" + rows + ", "
                    + m.classes() + "] (columns: the classes " + java.util.Arrays.toString(m.labels()) + ") and "
                    + out.resolve("classes.npy") + " [" + rows + "]");
            return 0;
        }
    }
}
