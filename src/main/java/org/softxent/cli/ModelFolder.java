package org.softxent.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.softxent.train.LinearModel;

/** Loading --model, with the flag in every error. */
final class ModelFolder {
    private ModelFolder() {
    }

    static LinearModel load(Path dir) {
        try {
            return LinearModel.load(dir);
        } catch (IOException e) {
            throw new InputException("--model: " + Main.describe(e));
        }
    }
}
