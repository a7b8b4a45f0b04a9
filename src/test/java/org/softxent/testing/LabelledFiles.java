package org.softxent.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/** Labelled training sets written as a command line reads them. */
public final class LabelledFiles {
    private LabelledFiles() {
    }

    /**
     * A .npy of features [rows, features] and one of int64 labels in three classes that they tell
     * apart ({@link Rng#separable}).
     */
    public static void writeSeparable(Rng rng, int rows, int features, Path x, Path y) throws IOException {
        int[] labels = rng.labels(rows, 3);
        Npy.write(x, NpyArray.ofFloats(rng.separable(labels, 3, features, 1), rows, features));
        Npy.write(y, NpyArray.ofLongs(Arrays.stream(labels).asLongStream().toArray(), rows));
    }
}
