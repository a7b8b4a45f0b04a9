package org.softxent.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.softxent.io.Csv;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Option;

/** The data set flags of train, predict and evaluate: a CSV, or a .npy of features with a .npy of labels. */
final class DataFlags {
    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "a CSV (.csv or .csv.gz: numeric features and an integer label, comma-separated, no header; "
                    + "the label in the last column unless --label-column says) or a float32 .npy of features [N, D].")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "integer labels [N] (.npy, int32 or int64), for a .npy --data.")
    Path labels;

    @Option(names = "--label-column", paramLabel = "K", defaultValue = "-1",
            description = "the CSV column (from 0) that holds the label; -1, the default, is the last.")
    int labelColumn;

    boolean isNpy() {
        return data.toString().endsWith(".npy");
    }

    /**
     * Reads the data set.
     *
     * @param features the features a model expects (a CSV of exactly that width has no label), or −1
     * @param needLabels whether labels are required
     */
    Csv.Table read(int features, boolean needLabels) {
        try {
            Csv.Table t;
            if (isNpy()) {
                NpyArray a = Npy.read(data);
                if (a.dtype() != NpyArray.DType.FLOAT32 || a.ndim() != 2) {
                    throw new InputException("--data: " + data + " must hold float32 features [N, D], got "
                            + a.dtype().numpyName() + " " + a.shapeString());
                }
                int[] y = labels == null ? null : readLabels(a.dim(0));
                t = new Csv.Table(a.floats(), y, a.dim(0), a.dim(1));
            } else {
                if (labels != null) {
                    throw new InputException("--labels: a CSV holds its labels in a column (see --label-column)");
                }
                boolean unlabelled = features >= 0 && Csv.width(data) == features;
                t = Csv.read(data, unlabelled ? Csv.NO_LABEL : labelColumn);
            }
            if (needLabels && t.labels() == null) {
                throw new InputException((isNpy() ? "--labels" : "--data") + ": the labels are needed: "
                        + (isNpy() ? "give them as an int .npy [N]" : "the CSV must have a label column"));
            }
            if (features >= 0 && t.features() != features) {
                throw new InputException("--data: the model takes " + features + " features, but " + data + " has "
                        + t.features() + (t.labels() != null && !isNpy() ? " (besides its label column)" : ""));
            }
            return t;
        } catch (IOException e) {
            throw new InputException("--data: " + Main.describe(e));
        }
    }

    private int[] readLabels(int rows) throws IOException {
        NpyArray a;
        try {
            a = Npy.read(labels);
        } catch (IOException e) {
            throw new InputException("--labels: " + Main.describe(e));
        }
        if (a.ndim() != 1 || a.dim(0) != rows) {
            throw new InputException("--labels: " + labels + " must hold [N] = [" + rows + "] labels, got "
                    + a.shapeString());
        }
        if (a.dtype() == NpyArray.DType.INT32) {
            return a.ints();
        }
        if (a.dtype() == NpyArray.DType.INT64) {
            long[] v = a.longs();
            int[] out = new int[v.length];
            for (int i = 0; i < v.length; i++) {
                if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                    throw new InputException("--labels: labels[" + i + "] = " + v[i] + " is not a class");
                }
                out[i] = (int) v[i];
            }
            return out;
        }
        throw new InputException("--labels: " + labels + " must hold integers (int32 or int64), got "
                + a.dtype().numpyName());
    }
}
