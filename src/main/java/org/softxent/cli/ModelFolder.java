package org.softxent.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.softxent.train.LinearModel;

/** Loading --model, with the flag in every error. */
final class ModelFolder {
    private ModelFolder() {
    }

    /** Registers the model's files with {@code files}, so that no output of the command replaces one. */
    static void protect(OutputFiles files, Path dir) {
        for (String name : new String[] {"w.npy", "b.npy", "mean.npy", "scale.npy", "model.json"}) {
            files.protect(dir.resolve(name), "--model");
        }
    }

    static LinearModel load(Path dir) {
        if (dir.toString().isEmpty()) {
            throw new InputException("--model: an empty path (for the current folder, give --model .)");
        }
        try {
            return LinearModel.load(dir);
        } catch (IOException e) {
            throw new InputException("--model: " + Main.describe(e));
        }
    }
}
