package org.softxent.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.softxent.Softxent;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A per-operation command: read the input files, compute on the chosen device, write one .npy
 * file per output into {@code --out}, all or nothing (see {@link OutputFiles}), and print the loss
 * when there is a scalar one.
 */
abstract class OperationCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOption device;

    @Option(names = "--out", defaultValue = ".", paramLabel = "DIR",
            description = "folder for the output .npy files, created if missing (default: the current folder).")
    Path out;

    /** Reads the input files named by the flags; the names are those of the golden case format. */
    abstract Inputs inputs();

    abstract Map<String, NpyArray> compute(Softxent sx, Inputs in);

    @Override
    public Integer call() throws IOException {
        OutputFiles files = new OutputFiles("--out");
        files.checkFolder(out);
        Inputs in = inputs();
        in.files().forEach((file, name) -> files.protect(file, "the input " + name));
        PrintWriter stdout = spec.commandLine().getOut();
        try (Softxent sx = device.open(); files) {
            Map<String, NpyArray> outputs = in.naming(() -> compute(sx, in));
            files.stage(out, outputs);
            files.commit();
            NpyArray loss = outputs.get("loss");
            if (loss != null && loss.ndim() == 0) {
                stdout.printf("loss %.9g%n", loss.floats()[0]);
            }
            stdout.println("wrote " + String.join(", ", outputs.keySet().stream().map(k -> k + ".npy").toList())
                    + " to " + out + " (" + sx.description() + ")");
            // After the work, so that an error is the only line a failing command prints.
            DeviceOption.noteFallback(sx, spec.commandLine().getErr());
        }
        return 0;
    }

    /** Builds an option value, reporting a rejected value as an error of {@code flag}. */
    static <T> T flag(String flag, Supplier<T> build) {
        try {
            return build.get();
        } catch (InputException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InputException(flag + ": " + e.getMessage());
        }
    }
}
