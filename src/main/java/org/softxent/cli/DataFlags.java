package org.softxent.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.softxent.io.Csv;
import org.softxent.io.DataFileException;
import org.softxent.io.NpyFile;
import org.softxent.io.RegularFiles;
import org.softxent.io.RowSource;
import org.softxent.train.LinearModel;
import picocli.CommandLine.Option;

/**
 * The data set flags of train, predict and evaluate: a CSV (its label in a column), or a .npy of
 * features with a .npy of labels; and how each kind of file is read.
 *
 * <p>A file is known by its content, not its name: a .npy file by NumPy's magic bytes, anything
 * else as a CSV (read through gzip when compressed). Every value is checked as it is read, and a
 * bad one is named as its user sees it: the flag, the file, and its line and column (a CSV) or row
 * and column (a .npy), never a position after a split or a shuffle.
 */
final class DataFlags {
    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "a CSV (numeric features and an integer label, comma-separated, decimal points; "
                    + "gzip-compressed or not) or a .npy of features [N, D] (float16/32/64, int8/16/32/64, "
                    + "uint8/16/32/64).")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE",
            description = "integer labels [N] (.npy), for a .npy --data.")
    Path labels;

    @Option(names = "--label-column", paramLabel = "K|last",
            description = "the CSV column (from 0) that holds the label, or 'last' (or -1). train: the last unless "
                    + "given; predict and evaluate: the column the model was trained with.")
    String labelColumn;

    @Option(names = "--header", arity = "0..1", paramLabel = "true|false",
            description = "the CSV's first line is a header, skipped. train: no header unless given; predict and "
                    + "evaluate: as the model's training file.")
    Boolean header;

    /**
     * A data set read from a flag's file: x [rows, features], the label values [rows] (or null),
     * the line (CSV) of each row, and the layout it was read with.
     */
    record Data(String flag, Path file, RowSource x, int[] labels, int rows, int features, int[] lines,
                LinearModel.Input input, String labelsFlag, Path labelsFile, NpyFile npy) implements AutoCloseable {
        /** Where row r is, as the user sees it: "line 12" of a CSV, "row 11" of a .npy. */
        String where(int row) {
            return lines != null ? "line " + lines[row] : "row " + row;
        }

        /**
         * Where row r's label is: "--data (x.csv) line 12 column 64", or the labels file's
         * "--labels (y.npy) row 11".
         */
        String labelPlace(int row) {
            if (lines != null) {
                return place(row) + (input != null && input.format() == LinearModel.Input.Format.CSV
                        ? " column " + input.labelColumn() : "");
            }
            return labelsFlag + " (" + labelsFile + ") row " + row;
        }

        /**
         * Checks every row finite, unless the reader did (a CSV's parser, a .npy read with its
         * scan): the first NaN or infinity as the file holds it, by its row and column.
         */
        void requireFinite() {
            if (npy != null) {
                DataFlags.requireFinite(flag, file, x, npy);
            }
        }

        /** Closes the file the rows are read from. */
        @Override
        public void close() {
            x.close();
        }

        /** "--data (x.csv) line 12" */
        String place(int row) {
            return flag + " (" + file + ") " + where(row);
        }

        /** "--data (x.csv)" */
        String name() {
            return flag + " (" + file + ")";
        }
    }

    /** The CSV label column a flag gave: a column from 0, {@link Csv#LAST}, or null when not given. */
    private Integer labelColumnFlag() {
        return labelColumn == null ? null : labelColumn(labelColumn, false);
    }

    /**
     * A --label-column value: a column from 0, 'last' (or −1) for {@link Csv#LAST}, and, where
     * {@code noneAllowed}, 'none' for {@link Csv#NO_LABEL}.
     *
     * @throws InputException naming the flag and what it takes
     */
    static int labelColumn(String value, boolean noneAllowed) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("last") || v.equals("-1")) {
            return Csv.LAST;
        }
        if (noneAllowed && v.equals("none")) {
            return Csv.NO_LABEL;
        }
        try {
            int k = Integer.parseInt(v);
            if (k >= 0) {
                return k;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new InputException("--label-column " + value + ": a column from 0 (0, 1, 2, ...) or 'last'"
                + (noneAllowed ? " or 'none'" : ""));
    }

    /** Whether the file's first bytes are NumPy's magic. */
    static boolean isNpy(Path file) throws IOException {
        RegularFiles.require(file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(6);
            while (b.hasRemaining() && c.read(b) > 0) {
                // fill
            }
            return b.position() == 6 && b.get(0) == (byte) 0x93 && b.get(1) == 'N' && b.get(2) == 'U'
                    && b.get(3) == 'M' && b.get(4) == 'P' && b.get(5) == 'Y';
        }
    }

    /**
     * The training set: --data (and --labels), the label in the flag's column or the last. A
     * .npy's features are not scanned here: the trainer's first pass checks them (call
     * {@link Data#requireFinite} for the file's own words when it refuses a row).
     */
    Data readForTraining() {
        boolean numbersName;
        try {
            numbersName = header == Boolean.TRUE && headerOfNumbers(header, data, null);
        } catch (IOException e) {
            throw new InputException("--data: " + Main.describe(e));
        }
        return read("--data", data, "--labels", labels, null, true, labelColumnFlag(), header, false, numbersName);
    }

    /**
     * A second file of the training set's layout (--test-data, --validation-data): a CSV of the
     * same columns with its label in the same column, or a .npy with a labels file.
     */
    Data readLike(Data training, String flag, Path file, String labelsFlag, Path labelsFile) {
        LinearModel.Input in = training.input();
        boolean csv = in.format() == LinearModel.Input.Format.CSV;
        boolean numbersName = false;
        if (file != null && !file.toString().isEmpty()) {
            // The kind of file, its header and its names, before the rows are read: a CSV given
            // beside .npy files would otherwise be refused for its header, the fault named last.
            try {
                if (isNpy(file) == csv) {
                    throw new InputException(flag + " (" + file + ") is a " + (csv ? ".npy file" : "CSV") + ", "
                            + training.name() + " a " + name(in) + ": give the same kind of file");
                }
                if (csv && !in.header()) {
                    int line = Csv.headerLike(file);
                    if (line > 0) {
                        throw new InputException(flag + " (" + file + ") line " + line
                                + ": the first line is not all numbers (a header line?), but " + training.name()
                                + " has none, and " + flag + " is read as it is (--header applies to both): remove the "
                                + "header line, or give " + training.name() + " one too and --header");
                    }
                }
                if (csv && in.header()) {
                    numbersName = headerOfNumbers(header, file, in);
                    Csv.Layout layout;
                    try {
                        layout = Csv.layout(file, true, false, numbersName);
                    } catch (DataFileException e) {
                        if (e.problem().startsWith(Csv.HEADER_OF_NUMBERS)) {
                            throw new InputException(flag + " (" + file + ") " + e.place() + ": the first line holds "
                                    + "only numbers, but " + training.name() + " has a header line, and " + flag
                                    + " is read as it is (--header applies to both): give it the same header line");
                        }
                        throw e;
                    }
                    if (layout.columns() == in.columns() && in.names() != null) {
                        requireSameNames(flag, file, layout.names(), in.labelColumn(), in, training.name());
                    }
                }
            } catch (DataFileException e) {
                throw input(flag, e);
            } catch (IOException e) {
                throw new InputException(flag + ": " + Main.describe(e));
            }
        }
        Data d = csv
                ? read(flag, file, labelsFlag, labelsFile, null, true, in.labelColumn(),
                        header == null && !in.header() ? null : in.header(), true, numbersName)
                : read(flag, file, labelsFlag, labelsFile, null, true, null, null, true, false);
        if (d.features() != training.features()) {
            d.close();
            throw new InputException(d.name() + " has " + d.features() + " features, " + training.name() + " "
                    + training.features());
        }
        return d;
    }

    /**
     * Refuses a CSV whose header names its feature columns otherwise than the training file's did
     * (a column dropped, added or moved would be read as another feature, without a word): the
     * names compared are the features', in order, the label's column left out on each side, each
     * name in Unicode's composed form (NFC: the same letters however an editor stored them).
     *
     * @param names   the file's header, one name per column
     * @param label   the file's label column, or −1 for none
     * @param trained the training file's layout, with its names
     * @param whose   the training file in words: "the model's training file", "--data (a.csv)"
     */
    static void requireSameNames(String flag, Path file, List<String> names, int label, LinearModel.Input trained,
                                 String whose) {
        List<String> features = new ArrayList<>(names);
        if (label >= 0) {
            features.remove(label);
        }
        List<String> got = composed(features);
        List<String> want = composed(trained.featureNames());
        if (got.equals(want)) {
            return;
        }
        java.util.Map<String, Integer> count = new java.util.HashMap<>();
        want.forEach(n -> count.merge(n, 1, Integer::sum));
        List<String> extra = new ArrayList<>();
        for (String n : got) {
            if (count.merge(n, -1, Integer::sum) < 0) {
                extra.add(n);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String n : want) {
            if (count.getOrDefault(n, 0) > 0) {
                missing.add(n);
                count.merge(n, -1, Integer::sum);
            }
        }
        boolean escape = !printable(missing) || !printable(extra);
        String difference;
        if (!missing.isEmpty() || !extra.isEmpty()) {
            difference = (missing.isEmpty() ? "" : "it lacks " + quoted(missing, escape))
                    + (!missing.isEmpty() && !extra.isEmpty() ? " and " : "")
                    + (extra.isEmpty() ? "" : (missing.isEmpty() ? "it has " : "has ") + quoted(extra, escape)
                    + (missing.isEmpty() ? " besides" : " instead"));
        } else {
            int i = 0;
            while (got.get(i).equals(want.get(i))) {
                i++;
            }
            escape = !printable(List.of(got.get(i), want.get(i)));
            difference = "the same names in another order: feature " + i + " (column " + (label >= 0 && i >= label
                    ? i + 1 : i) + ") is " + quoted(List.of(got.get(i)), escape) + " where it was "
                    + quoted(List.of(want.get(i)), escape);
        }
        String trainedLabel = nfc(trained.names().get(trained.labelColumn()));
        if (got.contains(trainedLabel)) {
            difference += "; " + quoted(List.of(trainedLabel), !printable(List.of(trainedLabel)))
                    + " named the label's column (column "
                    + trained.labelColumn() + " of " + trained.columns() + ") in " + whose + ", "
                    + (label < 0 ? "and a file as wide as the model's features is read as having none"
                    : "and here the label is read from column " + label + " (--label-column says which)");
        }
        throw new InputException(flag + " (" + file + "): its header names the features otherwise than " + whose
                + " named them (" + difference + "): each column is read as the feature in its place, so give the "
                + "columns " + (whose.startsWith("--") ? "of " + whose : "the model was trained on") + ", in that order");
    }

    /**
     * Whether {@code cells} (a file's first line) are the names a training file's header gave its
     * columns: all of them, or its features' alone (a file without the label column).
     */
    private static boolean namesOf(List<String> cells, LinearModel.Input trained) {
        if (trained.names() == null) {
            return false;
        }
        List<String> got = composed(cells);
        return got.equals(composed(trained.names())) || got.equals(composed(trained.featureNames()));
    }

    /**
     * Whether {@code file}'s header line, should it hold only numbers, is read as its header (with
     * a header asked for): when {@code header} (the --header flag) says so and its cells read as
     * names (distinct whole numbers: wavelengths, years), or when they are the names {@code trained}
     * (a training file's layout, or null) gave its columns; otherwise such a line is data, and the
     * read refuses it. False for what is no CSV to read (no file, a .npy): the read says what.
     */
    static boolean headerOfNumbers(Boolean header, Path file, LinearModel.Input trained) throws IOException {
        if (file == null || file.toString().isEmpty() || !java.nio.file.Files.isRegularFile(file) || isNpy(file)) {
            return false;
        }
        List<String> first;
        try {
            first = Csv.headerNames(file);
        } catch (DataFileException e) {
            return false; // no CSV: the read says so, in the words of its own options
        }
        return header == Boolean.TRUE && namesOfNumbers(first) || trained != null && namesOf(first, trained);
    }

    /** Whether a line of numbers reads as column names: distinct whole numbers (400, 410, ...; 2019, 2020, ...). */
    static boolean namesOfNumbers(List<String> cells) {
        return !cells.isEmpty() && cells.stream().allMatch(c -> c.matches("[+-]?\\d{1,18}"))
                && cells.stream().map(c -> new java.math.BigInteger(c)).distinct().count() == cells.size();
    }

    private static List<String> composed(List<String> names) {
        return names.stream().map(DataFlags::nfc).toList();
    }

    private static String nfc(String name) {
        return java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFC);
    }

    /**
     * Whether every name is printable ASCII; else names are shown escaped, so that two that print
     * alike (another script's letters, a no-break space, a zero-width one) can be told apart.
     */
    private static boolean printable(List<String> names) {
        for (String n : names) {
            if (!n.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                return false;
            }
        }
        return true;
    }

    /** Up to three names, quoted (with \\uXXXX for what is not printable ASCII when asked), and how many more. */
    private static String quoted(List<String> names, boolean escape) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(3, names.size()); i++) {
            b.append(i == 0 ? "" : ", ").append('"');
            for (char c : names.get(i).toCharArray()) {
                if (escape && (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')) {
                    b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            b.append('"');
        }
        return b + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
    }

    /** A data file's fault as the one line of bad input: the flag, the file, the place, the problem. */
    private static InputException input(String flag, DataFileException e) {
        return new InputException(flag + " (" + e.file() + ")" + (e.place().isEmpty() ? "" : " " + e.place()) + ": "
                + e.problem());
    }

    private static String name(LinearModel.Input in) {
        return in.format() == LinearModel.Input.Format.CSV ? "CSV" : ".npy file";
    }

    /**
     * The data set a model reads (predict, evaluate): a CSV's label column is the flag's, else the
     * one the model was trained with (the last for a model that does not know), and a CSV as wide as
     * the model's features has none.
     *
     * @param needLabels whether labels are required (evaluate)
     */
    Data readForModel(LinearModel m, boolean needLabels) {
        if (data.toString().isEmpty()) {
            throw new InputException("--data: an empty path: give a file");
        }
        try {
            if (isNpy(data)) {
                if (!needLabels && labels != null) {
                    throw new InputException("--labels: predict takes no labels (evaluate does)");
                }
                Data d = read("--data", data, "--labels", labels, m, needLabels, null, null, true, false);
                if (d.features() != m.features()) {
                    throw new InputException(d.name() + " has " + d.features() + " features [N, D] = ["
                            + d.rows() + ", " + d.features() + "], the model takes " + m.features());
                }
                return d;
            }
            LinearModel.Input in = m.input().orElse(null);
            boolean skip = header != null ? header
                    : in != null && in.format() == LinearModel.Input.Format.CSV && in.header();
            // Unsaid: no --header here, and no CSV the model was trained from to say.
            boolean unsaid = header == null && (in == null || in.format() != LinearModel.Input.Format.CSV);
            boolean numbersName = skip && headerOfNumbers(header, data, in);
            Csv.Layout layout;
            try {
                layout = Csv.layout(data, skip, unsaid, numbersName);
            } catch (DataFileException e) {
                if (in != null && in.names() != null && e.problem().startsWith(Csv.HEADER_OF_NUMBERS)) {
                    throw new InputException("--data (" + data + ") " + e.place() + ": the first line holds only "
                            + "numbers, not the names the model's training file gave its columns ("
                            + String.join(", ", in.names().subList(0, Math.min(6, in.names().size())))
                            + (in.names().size() > 6 ? ", ..." : "") + "): if it is data, read the file with "
                            + "--header=false; if it names the columns, they are not the training file's");
                }
                throw e;
            }
            int d = m.features();
            Integer flag = labelColumnFlag();
            Integer column;
            if (layout.columns() == d + 1) {
                if (flag != null) {
                    column = flag;
                } else if (in == null) {
                    column = Csv.LAST; // a model saved before softxent recorded its input
                } else if (in.format() == LinearModel.Input.Format.CSV) {
                    column = in.labelColumn();
                } else {
                    throw new InputException("--data (" + data + ") has " + layout.columns() + " columns: " + d
                            + " features and a label, but the model was trained from .npy files and cannot know "
                            + "which column holds the label: give --label-column");
                }
            } else if (layout.columns() == d) {
                if (flag != null) {
                    throw new InputException("--label-column " + labelColumn + ": --data (" + data + ") has "
                            + d + " columns, as many as the model's features, so it has no label column");
                }
                if (needLabels) {
                    // A file whose header names the label's column lacks a feature instead: say which.
                    if (in != null && in.names() != null && layout.names() != null) {
                        int at = composed(layout.names()).indexOf(nfc(in.names().get(in.labelColumn())));
                        if (at >= 0) {
                            requireSameNames("--data", data, layout.names(), at, in, "the model's training file");
                        }
                    }
                    throw new InputException("--data (" + data + ") has " + d + " columns, as many as the model's "
                            + "features, and no label column: evaluate needs the labels");
                }
                column = Csv.NO_LABEL;
            } else {
                throw new InputException("--data (" + data + ") line " + layout.line() + " has " + layout.columns()
                        + " columns; the model takes " + d + " features (" + (d + 1) + " columns with the label"
                        + (in != null && in.format() == LinearModel.Input.Format.CSV
                        ? " in column " + in.labelColumn() : "") + ")");
            }
            if (labels != null) {
                throw new InputException("--labels: a CSV holds its labels in a column (--label-column)");
            }
            int label = column == Csv.NO_LABEL ? -1 : column == Csv.LAST ? layout.columns() - 1 : column;
            // (A label column beyond the file's is refused by the read below, with its own words.)
            if (in != null && in.names() != null && layout.names() != null && label < layout.columns()) {
                requireSameNames("--data", data, layout.names(), label, in, "the model's training file");
            }
            return read("--data", data, "--labels", null, m, needLabels, column, skip, true, numbersName);
        } catch (DataFileException e) {
            throw input("--data", e);
        } catch (IOException e) {
            throw new InputException("--data: " + Main.describe(e));
        }
    }

    /**
     * Reads a data set.
     *
     * @param column the CSV label column (or {@link Csv#LAST}, {@link Csv#NO_LABEL}); null: the last
     * @param header whether a CSV's first line is a header; null: no
     * @param scan whether to check a .npy's features finite here; without, {@link Data#requireFinite}
     *             does when the caller's own pass over the rows found a NaN or an infinity
     * @param numbersName with a header: whether a header line of numbers is it ({@link Csv.Options#headerOfNumbers})
     */
    private Data read(String flag, Path file, String labelsFlag, Path labelsFile, LinearModel model,
                      boolean needLabels, Integer column, Boolean header, boolean scan, boolean numbersName) {
        for (Object[] named : new Object[][] {{flag, file}, {labelsFlag, labelsFile}}) {
            if (named[1] != null && named[1].toString().isEmpty()) {
                throw new InputException(named[0] + ": an empty path: give a file");
            }
        }
        try {
            if (isNpy(file)) {
                if (labelColumn != null) {
                    throw new InputException("--label-column applies to a CSV; " + flag + " (" + file
                            + ") is a .npy file (its labels come from " + labelsFlag + ")");
                }
                if (this.header != null) {
                    throw new InputException("--header applies to a CSV; " + flag + " (" + file + ") is a .npy file");
                }
                return readNpy(flag, file, labelsFlag, labelsFile, needLabels, scan);
            }
            if (labelsFile != null) {
                Csv.layout(file, false); // a file that is no CSV at all (a compressed .npy, say) says so first
                throw new InputException(labelsFlag + ": " + flag + " (" + file + ") is a CSV, which holds its labels "
                        + "in a column (--label-column)");
            }
            int label = column == null ? Csv.LAST : column;
            boolean skip = header != null && header;
            Csv.Parsed t = Csv.parse(file, new Csv.Options(label, skip, true, header == null, skip && numbersName));
            LinearModel.Input input = null;
            if (t.labels() != null) {
                int columns = t.features() + 1;
                input = LinearModel.Input.csv(columns, label == Csv.LAST ? columns - 1 : label, skip, t.names());
            } else if (needLabels) {
                throw new InputException(flag + " (" + file + ") has no label column");
            }
            return new Data(flag, file, t.x(), t.labels(), t.rows(), t.features(), t.lines(), input, flag, file, null);
        } catch (DataFileException e) {
            throw input(flag, e);
        } catch (org.softxent.io.NpyFormatException e) {
            throw new InputException(flag + " (" + file + "): " + e.getMessage());
        } catch (IOException e) {
            throw new InputException(flag + ": " + Main.describe(e));
        } catch (OutOfMemoryError e) {
            throw new InputException(flag + " (" + file + "): the data does not fit the Java heap ("
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB): give java more (SOFTXENT_JAVA_OPTS=-Xmx8g "
                    + "with target/softxent, java -Xmx8g -jar otherwise; softxent convert writes a CSV of any size "
                    + "as .npy, which predict, evaluate and train --stream read a block at a time)");
        }
    }

    private static Data readNpy(String flag, Path file, String labelsFlag, Path labelsFile, boolean needLabels,
                                boolean scan) throws IOException {
        NpyFile f = NpyFile.open(file);
        RowSource x;
        try {
            if (f.ndim() != 2) {
                throw new InputException(flag + " (" + file + ") must hold features [N, D], got " + f.dtype() + " "
                        + f.shapeString() + (f.ndim() == 1 ? " (one feature per row? x.reshape(-1, 1))" : ""));
            }
            long[] shape = f.shape();
            if (shape[0] == 0 || shape[1] == 0) {
                throw new InputException(flag + " (" + file + ") is empty: " + f.shapeString());
            }
            if (shape[0] > Integer.MAX_VALUE - 8) {
                throw new InputException(flag + " (" + file + ") holds " + f.shapeString() + ": more rows than one "
                        + "labels array numbers");
            }
            x = RowSource.of(f);
            if (scan) {
                requireFinite(flag, file, x, f);
            }
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        int rows = (int) x.rows();
        int features = x.features();
        int[] y = null;
        try {
            if (labelsFile != null) {
                y = readLabels(labelsFlag, labelsFile, flag, file, rows);
            } else if (needLabels) {
                throw new InputException(labelsFlag + ": the labels are needed: " + flag + " (" + file + ") is a .npy "
                        + "of features; give the labels as a .npy [N] of integers");
            }
        } catch (RuntimeException e) {
            x.close();
            throw e;
        }
        return new Data(flag, file, scan ? RowSource.checked(x) : x, y, rows, features, null, LinearModel.Input.npy(),
                labelsFlag, labelsFile, f);
    }

    /** Every value finite: a scan of a float .npy's rows in parallel blocks; integers need none. */
    private static void requireFinite(String flag, Path file, RowSource x, NpyFile f) {
        if (x.knownFinite()) {
            return;
        }
        int features = x.features();
        long bad = RowSource.firstNonFinite(x);
        if (bad >= 0) {
            int row = (int) (bad / features);
            int column = (int) (bad % features);
            double stored;
            try {
                stored = f.readDouble(bad);
            } catch (IOException e) {
                stored = Double.NaN;
            }
            String what = Double.isFinite(stored) ? stored + ", beyond float32's range (±3.4e38), in which softxent "
                    + "computes" : stored + ": features must be finite";
            throw new InputException(flag + " (" + file + ") row " + row + " column " + column + ": x[" + row + ", "
                    + column + "] is " + what);
        }
    }

    private static int[] readLabels(String flag, Path file, String dataFlag, Path dataFile, int rows) {
        try (NpyFile f = NpyFile.open(file)) {
            long[] shape = f.shape();
            boolean column = shape.length == 2 && shape[1] == 1;
            if (!(shape.length == 1 || column)) {
                throw new InputException(flag + " (" + file + ") must hold labels [N], got " + f.dtype() + " "
                        + f.shapeString());
            }
            if (shape[0] != rows) {
                throw new InputException(flag + " (" + file + ") holds " + shape[0] + " labels, " + dataFlag + " ("
                        + dataFile + ") " + rows + " rows");
            }
            long[] v = new long[rows];
            try {
                f.readLongs(0, rows, v, 0);
            } catch (org.softxent.io.NpyFormatException e) {
                throw new InputException(flag + " (" + file + "): labels are integers (the class values): "
                        + e.getMessage().replace("element ", "labels[").replaceFirst(" is ", "] is "));
            }
            int[] out = new int[rows];
            for (int i = 0; i < rows; i++) {
                if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                    throw new InputException(flag + " (" + file + ") row " + i + ": the label " + v[i]
                            + " is too large: labels are integers from " + Integer.MIN_VALUE + " to "
                            + Integer.MAX_VALUE);
                }
                out[i] = (int) v[i];
            }
            return out;
        } catch (org.softxent.io.NpyFormatException e) {
            throw new InputException(flag + " (" + file + "): " + e.getMessage());
        } catch (IOException e) {
            throw new InputException(flag + ": " + Main.describe(e));
        }
    }
}
