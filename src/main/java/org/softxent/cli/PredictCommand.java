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

    /** A write to the staged output failed inside the predictions' sink (carried out of it). */
    private static final class OutputFailure extends RuntimeException {
        OutputFailure(java.io.IOException cause) {
            super(cause);
        }

        @Override
        public synchronized java.io.IOException getCause() {
            return (java.io.IOException) super.getCause();
        }
    }

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
            String note;
            try (DataFlags.Data t = data.readForModel(m, false); org.softxent.Softxent sx = device.open()) {
                note = DeviceOption.fallbackNote(sx);
                rows = t.rows();
                // The probabilities go to their file batch by batch as they are computed (a set of
                // any size needs no array of them); the classes, 8 bytes a row, are written after.
                long[] classes = new long[rows];
                int k = m.classes();
                files.stage(out.resolve("probabilities.npy"), o -> {
                    Npy.writeHeader(o, NpyArray.DType.FLOAT32, rows, k);
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    try {
                        m.predictEach(sx, t.x(), (first, count, p, c) -> {
                            int n = count * k; // a Java array's length: no overflow
                            for (int at = 0; at < n; ) { // in pieces of 1 MiB
                                int piece = Math.min(n - at, b.capacity() / Float.BYTES);
                                b.clear();
                                b.asFloatBuffer().put(p, at, piece);
                                try {
                                    o.write(b.array(), 0, piece * Float.BYTES);
                                } catch (java.io.IOException e) {
                                    throw new OutputFailure(e);
                                }
                                at += piece;
                            }
                            for (int i = 0; i < count; i++) {
                                classes[first + i] = c[i];
                            }
                        });
                    } catch (OutputFailure e) { // the output's own failure; the input's come out as they are
                        throw e.getCause();
                    }
                });
                files.stage(out.resolve("classes.npy"), o -> Npy.write(o, NpyArray.ofLongs(classes, rows)));
            }
            files.commit();
            spec.commandLine().getOut().println("wrote " + out.resolve("probabilities.npy") + " [" + rows + ", "
                    + m.classes() + "] (columns: the classes " + java.util.Arrays.toString(m.labels()) + ") and "
                    + out.resolve("classes.npy") + " [" + rows + "]");
            // After the work, so that an error is the only line a failing command prints.
            if (note != null) {
                spec.commandLine().getErr().println(note);
            }
            return 0;
        }
    }
}
