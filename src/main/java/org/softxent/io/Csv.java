package org.softxent.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A labelled data set from a CSV file: numeric features and an integer label in one column (the
 * last unless told), comma-separated, no header; a file ending in {@code .gz} is read through gzip.
 */
public final class Csv {
    /** Features x [rows, features] and labels [rows]. */
    public record Table(float[] x, int[] labels, int rows, int features) {
    }

    private Csv() {
    }

    /** Read every column as a feature: a file without labels. */
    public static final int NO_LABEL = Integer.MIN_VALUE;

    /**
     * @param labelColumn the label's column from 0, −1 for the last, or {@link #NO_LABEL} (the
     *                    table's labels are then null)
     * @throws IOException naming the line and column of a value that is not a number, a label that
     *                     is not an integer, or a row of another width
     */
    public static Table read(Path file, int labelColumn) throws IOException {
        RegularFiles.require(file);
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int width = -1;
        int label = labelColumn;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (width < 0) {
                    width = cells.length;
                    if (width < (labelColumn == NO_LABEL ? 1 : 2)) {
                        throw new IOException(file + " line " + number + ": a row needs at least one feature and a "
                                + "label, got " + width + " column");
                    }
                    label = labelColumn == NO_LABEL ? -1 : labelColumn < 0 ? width - 1 : labelColumn;
                    if (label >= width) {
                        throw new IOException(file + " has " + width + " columns: there is no label column "
                                + labelColumn + " (columns count from 0)");
                    }
                } else if (cells.length != width) {
                    throw new IOException(file + " line " + number + ": " + cells.length + " columns, but the first "
                            + "row has " + width);
                }
                float[] x = new float[label < 0 ? width : width - 1];
                for (int c = 0, q = 0; c < width; c++) {
                    String cell = cells[c].strip();
                    if (c == label) {
                        labels.add(parseLabel(cell, file, number, c));
                    } else {
                        x[q++] = parseFeature(cell, file, number, c);
                    }
                }
                rows.add(x);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(file + " holds no rows");
        }
        int features = label < 0 ? width : width - 1;
        if ((long) rows.size() * features > Integer.MAX_VALUE - 8) {
            throw new IOException(file + " holds " + rows.size() + " rows × " + features
                    + " features, more than one Java array holds; split it or use .npy files");
        }
        float[] x = new float[rows.size() * features];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, x, r * features, features);
        }
        return new Table(x, label < 0 ? null : labels.stream().mapToInt(Integer::intValue).toArray(), rows.size(),
                features);
    }

    /** The number of columns of the file's first non-blank line (0 when it has none). */
    public static int width(Path file) throws IOException {
        RegularFiles.require(file);
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    return line.split(",", -1).length;
                }
            }
            return 0;
        }
    }

    private static float parseFeature(String cell, Path file, int line, int column) throws IOException {
        switch (cell.toLowerCase(java.util.Locale.ROOT)) { // NumPy's and pandas' spellings
            case "nan":
                return Float.NaN;
            case "inf", "+inf", "infinity":
                return Float.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Float.NEGATIVE_INFINITY;
            default:
                break;
        }
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw new IOException(file + " line " + line + " column " + column + ": '" + cell + "' is not a number");
        }
    }

    private static int parseLabel(String cell, Path file, int line, int column) throws IOException {
        try {
            double v = Double.parseDouble(cell);
            if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new IOException(file + " line " + line + " column " + column + ": the label '" + cell
                    + "' is not an integer");
        }
    }
}
