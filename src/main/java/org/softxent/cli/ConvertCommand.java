package org.softxent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.softxent.io.Csv;
import org.softxent.io.DataFileException;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "convert",
        description = "Converts a CSV (numeric features and an integer label, gzip-compressed or not) of any size to "
                + "x.npy (float32 features [N, D]) and y.npy (int64 labels [N]), parsed and written block by block, "
                + "for train, predict and evaluate to read without parsing it again or holding it in memory.")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "the CSV.")
    Path data;

    @Option(names = "--label-column", paramLabel = "K|last|none",
            description = "the column (from 0) that holds the label, 'last' (the default), or 'none': every column "
                    + "is a feature and no y.npy is written.")
    String labelColumn;

    @Option(names = "--header", arity = "0..1", paramLabel = "true|false",
            description = "the first line is a header, skipped (no header unless given): x.npy keeps no column "
                    + "names, and predict and evaluate read its columns by position.")
    Boolean header;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder for x.npy and y.npy.")
    Path out;

    @Override
    public Integer call() throws Exception {
        int column = labelColumn();
        try (OutputFiles files = new OutputFiles("--out")) {
            files.protect(data, "--data");
            files.checkFolder(out);
            files.checkFile(out.resolve("x.npy"));
            files.checkFile(out.resolve("y.npy"));
            if (data.toString().isEmpty()) {
                throw new InputException("--data: an empty path: give a file");
            }
            Csv.Options options;
            try {
                // A --header of distinct whole numbers names the columns, as train reads it.
                boolean numbersName = header == Boolean.TRUE && DataFlags.headerOfNumbers(header, data, null);
                options = new Csv.Options(column, header != null && header, true, header == null, numbersName);
                // the input's own faults named as --data's, before any output
                Csv.layout(data, options.header(), options.headerUnsaid(), options.headerOfNumbers());
            } catch (DataFileException e) {
                if (e.problem().startsWith(Csv.NPY_NOT_CSV)) {
                    // Already what convert makes: nothing to convert.
                    throw new InputException("--data (" + e.file() + ") is a .npy file already: train, predict and "
                            + "evaluate read it as it is (its labels in a .npy of their own, --labels); convert "
                            + "turns a CSV into x.npy and y.npy");
                }
                throw new InputException("--data (" + e.file() + ")" + (e.place().isEmpty() ? "" : " " + e.place())
                        + ": " + e.problem());
            } catch (java.io.IOException e) {
                throw new InputException("--data: " + Main.describe(e));
            }
            Csv.Converted[] converted = new Csv.Converted[1];
            files.stageThroughChannel(out.resolve("x.npy"), channel -> {
                try {
                    converted[0] = Csv.convert(data, options, channel);
                } catch (DataFileException e) { // the input's fault, said as every reader says it: not --out's
                    throw new InputException("--data (" + e.file() + ")" + (e.place().isEmpty() ? "" : " "
                            + e.place()) + ": " + e.problem());
                } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
                    throw new InputException("--data: " + Main.describe(e));
                }
            });
            Csv.Converted c = converted[0];
            if (c.labels() != null) {
                // int64 as NumPy's labels are, written in pieces: no second array of the labels.
                files.stage(out.resolve("y.npy"), o -> {
                    Npy.writeHeader(o, NpyArray.DType.INT64, c.rows());
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (int at = 0; at < c.rows(); ) {
                        b.clear();
                        while (b.remaining() >= Long.BYTES && at < c.rows()) {
                            b.putLong(c.labels()[at++]);
                        }
                        o.write(b.array(), 0, b.position());
                    }
                });
            } else if (java.nio.file.Files.exists(out.resolve("y.npy"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                spec.commandLine().getErr().println("softxent convert: note: " + out.resolve("y.npy") + " is left "
                        + "as it was (--label-column none writes no labels): it does not go with the new x.npy");
            }
            files.commit();
            spec.commandLine().getOut().println("wrote " + out.resolve("x.npy") + " [" + c.rows() + ", " + c.features()
                    + "] float32" + (c.labels() != null ? " and " + out.resolve("y.npy") + " [" + c.rows() + "] int64"
                    : ""));
            return 0;
        }
    }

    private int labelColumn() {
        return labelColumn == null ? Csv.LAST : DataFlags.labelColumn(labelColumn, true);
    }
}
