package org.softxent.io;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * A labelled data set from a CSV file: numeric features and an integer label in one column (the
 * last unless told), comma-separated, an optional header line; a gzip-compressed file (known by
 * its first bytes, whatever its name) is read through gzip as it streams.
 *
 * <p>Parsed from bytes, in blocks of lines on the fork/join pool's threads; each number is the
 * float nearest the decimal, as {@link Float#parseFloat} gives it: a short one ({@link
 * #shortDecimal}: integers such as pixel values, few decimals) by an exact fast path, any other by
 * FastDoubleParser.
 * What is not a number is reported with its line (from 1) and column (from 0), and so are: a byte
 * order mark (skipped, as every CSV reader does), a row of another width, an empty cell, a file
 * of ';'- or tab-separated values or with decimal commas, a label that is not an integer or too
 * large for one, a gzip-compressed .npy file, and a .npy or UTF-16 file given as a CSV.
 */
public final class Csv {
    /** The label is in the last column. */
    public static final int LAST = -1;
    /** The file has no label column: every column is a feature. */
    public static final int NO_LABEL = Integer.MIN_VALUE;

    /** Bytes of whole lines parsed per task. */
    private static final int BLOCK = 4 << 20;
    /** The longest line read: a longer one is no row of numbers (or its lines end with CR alone). */
    static final int MAX_LINE = 256 << 20;
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Csv() {
    }

    /**
     * How to read the file.
     *
     * @param labelColumn the label's column from 0, {@link #LAST}, or {@link #NO_LABEL}
     * @param header      whether the first non-blank line is a header, skipped
     * @param finite      whether NaN and infinities are refused (features must be finite)
     * @param headerUnsaid whether nobody said if there is a header ({@code header} is then false): a
     *                    first line of the column numbers (0, 1, 2, ... or 1, 2, 3, ..., as pandas
     *                    names columns that have no names) is then refused as ambiguous rather than
     *                    read as data
     * @param headerOfNumbers with {@code header}: whether a header line of numbers only is the
     *                    header (the caller knows: the user said so, or its names are those
     *                    expected, wavelengths say); otherwise it is refused as data, not a header
     */
    public record Options(int labelColumn, boolean header, boolean finite, boolean headerUnsaid,
                          boolean headerOfNumbers) {
        public Options {
            if (labelColumn < 0 && labelColumn != LAST && labelColumn != NO_LABEL) {
                throw new IllegalArgumentException("the label column is a column from 0, LAST or NO_LABEL, got "
                        + labelColumn);
            }
            if (header && headerUnsaid) {
                throw new IllegalArgumentException("a header was said to be there, and not said");
            }
            if (headerOfNumbers && !header) {
                throw new IllegalArgumentException("a header of numbers, and no header");
            }
        }

        /** A header line of numbers refused as data. */
        public Options(int labelColumn, boolean header, boolean finite, boolean headerUnsaid) {
            this(labelColumn, header, finite, headerUnsaid, false);
        }

        /** The header said to be there, or not. */
        public Options(int labelColumn, boolean header, boolean finite) {
            this(labelColumn, header, finite, false, false);
        }

        /** The label in {@code labelColumn}, no header, non-finite values refused. */
        public static Options labelIn(int labelColumn) {
            return new Options(labelColumn, false, true);
        }
    }

    /**
     * Features x [rows, features], labels [rows] (null without a label column), and the line of the
     * file each row came from (from 1).
     */
    public record Table(float[] x, int[] labels, int rows, int features, int[] lines) {
    }

    /** The start of the refusal of a .npy file read as a CSV. */
    public static final String NPY_NOT_CSV = "a .npy file, not a CSV";

    /** How the problem of a header line of numbers (no header: data) begins. */
    public static final String HEADER_OF_NUMBERS = "the header line holds only numbers";

    /**
     * The first data line: how many columns it has, and its number (from 1); and the names the
     * header line gives the columns, its cells unquoted and trimmed (null without a header).
     */
    public record Layout(int columns, int line, List<String> names) {
    }

    /**
     * A CSV as it was parsed, without joining its blocks into one array: the features as a
     * {@link RowSource} over the blocks (so that a data set of more than 2³¹ values, or one that is
     * about to be standardised into an array of its own, is not copied once more), the labels
     * [rows] (or null) and each row's line (from 1).
     */
    public record Parsed(RowSource x, int[] labels, int rows, int features, int[] lines, List<String> names) {
    }

    /**
     * Reads the file into its parsed blocks.
     *
     * @throws DataFileException naming the line and column of what cannot be read
     */
    public static Parsed parse(Path file, Options options) throws IOException {
        List<Block> blocks = new ArrayList<>();
        RowNumbers numbers = new RowNumbers(blocks::add);
        Layout layout = parse(file, options, numbers);
        numbers.refuse(file, options, layout);
        int features = options.labelColumn() == NO_LABEL ? layout.columns() : layout.columns() - 1;
        long rows = 0;
        for (Block b : blocks) {
            rows += b.rows;
        }
        if (rows == 0) {
            throw new DataFileException(file, "", "no data rows" + (options.header() ? " after the header" : ""));
        }
        if (rows > Integer.MAX_VALUE - 8) {
            throw new DataFileException(file, "", rows + " rows: more than softxent reads from one CSV; convert it to "
                    + ".npy files of fewer rows");
        }
        int[] labels = options.labelColumn() == NO_LABEL ? null : new int[(int) rows];
        int[] lines = new int[(int) rows];
        long[] starts = new long[blocks.size() + 1];
        int r = 0;
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            if (labels != null) {
                System.arraycopy(b.labels, 0, labels, r, b.rows);
            }
            System.arraycopy(b.lines, 0, lines, r, b.rows);
            b.labels = null;
            b.lines = null;
            r += b.rows;
            starts[k + 1] = r;
        }
        RowSource x = new BlockRows(blocks, starts, features, lines);
        return new Parsed(options.finite() ? RowSource.checked(x) : x, labels, (int) rows, features, lines,
                layout.names());
    }

    /**
     * What {@link #convert} wrote: the rows, their features, and the labels in the first
     * {@code rows} entries of {@code labels} (null without a label column).
     */
    public record Converted(long rows, int features, int[] labels) {
    }

    /** The room {@link #convert} reserves for the .npy header, written over at the end. */
    private static final int CONVERTED_HEADER = 128;

    /**
     * Converts a CSV to a .npy of its features (float32 [rows, features]) written to {@code out}
     * from its current position, as the blocks are parsed: a file of any size, through memory a few
     * blocks at a time. The labels are returned (an int a row, in an array grown by doubling). Every value is checked as
     * {@link #parse} checks it; on an error nothing useful is left in {@code out} (the caller
     * stages it).
     *
     * @throws DataFileException naming the line and column of what cannot be read
     */
    public static Converted convert(Path file, Options options, java.nio.channels.FileChannel out)
            throws IOException {
        Layout layout = layout(file, options.header(), false, options.headerOfNumbers());
        int features = options.labelColumn() == NO_LABEL ? layout.columns() : layout.columns() - 1;
        long start = out.position();
        java.nio.ByteBuffer room = java.nio.ByteBuffer.allocate(CONVERTED_HEADER);
        while (room.hasRemaining()) {
            out.write(room);
        }
        long[] rows = {0};
        int[][] labels = {options.labelColumn() == NO_LABEL ? null : new int[1 << 16]};
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocateDirect(1 << 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        RowNumbers numbers = new RowNumbers(b -> append(b, features, out, bytes, rows, labels, file));
        try {
            parse(file, options, numbers);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        numbers.refuse(file, options, layout);
        if (rows[0] == 0) {
            throw new DataFileException(file, "", "no data rows" + (options.header() ? " after the header" : ""));
        }
        java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(Npy.header(NpyArray.DType.FLOAT32,
                new long[] {rows[0], features}, CONVERTED_HEADER));
        long end = out.position();
        out.position(start);
        while (head.hasRemaining()) {
            out.write(head);
        }
        out.position(end);
        return new Converted(rows[0], features, labels[0]);
    }

    /** One parsed block into the converted file and the labels (see {@link #convert}). */
    private static void append(Block b, int features, java.nio.channels.FileChannel out, java.nio.ByteBuffer bytes,
                               long[] rows, int[][] labels, Path file) {
        try {
            int n = b.rows * features;
            for (int at = 0; at < n; ) {
                int m = Math.min(n - at, bytes.capacity() / Float.BYTES);
                bytes.clear();
                bytes.asFloatBuffer().put(b.x, at, m);
                bytes.limit(m * Float.BYTES);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                at += m;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (labels[0] != null) {
            if (rows[0] + b.rows > Integer.MAX_VALUE - 8) {
                throw new java.io.UncheckedIOException(new DataFileException(file, "", "more than "
                        + (Integer.MAX_VALUE - 8) + " labelled rows: more than one labels array holds"));
            }
            if (labels[0].length < rows[0] + b.rows) {
                labels[0] = java.util.Arrays.copyOf(labels[0], (int) Math.min(Integer.MAX_VALUE - 8L,
                        Math.max(rows[0] + b.rows, 2L * labels[0].length)));
            }
            System.arraycopy(b.labels, 0, labels[0], (int) rows[0], b.rows);
        }
        rows[0] += b.rows;
        b.x = null;
    }

    /** The parsed blocks' features as rows. */
    private record BlockRows(List<Block> blocks, long[] starts, int features, int[] lines) implements RowSource {
        @Override
        public long rows() {
            return starts[starts.length - 1];
        }

        @Override
        public void read(long first, int count, float[] dst, int offset) {
            int k = java.util.Arrays.binarySearch(starts, first);
            k = k >= 0 ? k : -k - 2;
            long row = first;
            int done = 0;
            while (done < count) {
                while (starts[k + 1] <= row) {
                    k++;
                }
                Block b = blocks.get(k);
                int at = (int) (row - starts[k]);
                int n = Math.min(count - done, b.rows - at);
                System.arraycopy(b.x, at * features, dst, offset + done * features, n * features);
                done += n;
                row += n;
            }
        }

        @Override
        public String where(long row) {
            return "line " + lines[(int) row];
        }
    }

    /** As {@link #read(Path, Options)} with the label in {@code labelColumn}, no header, NaN allowed. */
    public static Table read(Path file, int labelColumn) throws IOException {
        return read(file, new Options(labelColumn, false, false));
    }

    /**
     * Reads the whole file into arrays.
     *
     * @throws DataFileException naming the line and column of what cannot be read
     * @throws IOException       when the file cannot be read at all
     */
    public static Table read(Path file, Options options) throws IOException {
        Parsed p = parse(file, options);
        if ((long) p.rows() * p.features() > MAX_ELEMENTS) {
            throw new DataFileException(file, "", p.rows() + " rows × " + p.features() + " features are more than "
                    + "one Java array holds: read it as its blocks (parse)");
        }
        float[] x = new float[p.rows() * p.features()];
        p.x().read(0, p.rows(), x, 0);
        return new Table(x, p.labels(), p.rows(), p.features(), p.lines());
    }

    /**
     * The first data line's layout (after blank lines and the header), without reading further.
     *
     * @throws DataFileException when the file holds no data line, or is not a CSV at all
     */
    public static Layout layout(Path file, boolean header) throws IOException {
        return layout(file, header, false);
    }

    /** As {@link #layout(Path, boolean)}, with {@link Options#headerUnsaid}'s refusal. */
    public static Layout layout(Path file, boolean header, boolean headerUnsaid) throws IOException {
        return layout(file, header, headerUnsaid, false);
    }

    /** As {@link #layout(Path, boolean, boolean)}; {@code headerOfNumbers} as {@link Options#headerOfNumbers}. */
    public static Layout layout(Path file, boolean header, boolean headerUnsaid, boolean headerOfNumbers)
            throws IOException {
        Head h = head(file, header, headerUnsaid, headerOfNumbers);
        return new Layout(h.first().columns, h.first().line, h.first().names);
    }

    /**
     * The names of a file's header line (its first non-blank line), whatever they hold (numbers
     * too), read as {@link Layout#names()} reads them and nothing checked, nor anything read after
     * that line: to compare with the names a header is expected to give, before the file is read
     * with a header of numbers or without one (that read says what else is wrong). Empty for a
     * file with no such line.
     *
     * @throws DataFileException when the file is no CSV at all (UTF-16, a gzip-compressed .npy)
     */
    public static List<String> headerNames(Path file) throws IOException {
        try (Source in = Source.open(file)) {
            byte[] buf = new byte[64 << 10];
            int len = 0;
            int pos = 0; // the start of the line looked at
            int scanned = 0; // buf[pos, scanned) holds no newline
            boolean eof = false;
            while (true) {
                int nl = indexOf(buf, Math.max(pos, scanned), len, (byte) '\n');
                if (nl < 0 && !eof) { // the line goes on: read more
                    scanned = len;
                    if (len == buf.length) {
                        if (pos > 0) {
                            System.arraycopy(buf, pos, buf, 0, len - pos);
                            len -= pos;
                            scanned -= pos;
                            pos = 0;
                        } else {
                            buf = grow(file, buf);
                        }
                    }
                    int got = in.read(buf, len, buf.length - len);
                    if (got < 0) {
                        eof = true;
                    } else {
                        len += got;
                    }
                    continue;
                }
                int stop = trimCr(buf, pos, nl < 0 ? len : nl);
                if (!blank(buf, pos, stop)) {
                    List<String> names = new ArrayList<>();
                    readNames(buf, pos, stop, names);
                    return List.copyOf(names);
                }
                if (nl < 0) {
                    return List.of(); // blank lines only
                }
                pos = nl + 1;
            }
        }
    }

    /**
     * The number (from 1) of the file's first non-blank line when that line is not all numbers (a
     * header, say), else 0.
     *
     * @throws DataFileException when the file holds no such line, or is no CSV of numbers at all
     *                           (';' or tabs, lone CRs, binary bytes), as when it is read
     */
    public static int headerLike(Path file) throws IOException {
        Head h = head(file, false, false, false);
        int from = h.first().start;
        int nl = indexOf(h.buf(), from, h.len(), (byte) '\n');
        int stop = trimCr(h.buf(), from, nl < 0 ? h.len() : nl);
        return allNumbers(h.buf(), from, stop) ? 0 : h.first().line;
    }

    /** The start of a file, read until its first data line ({@code first}) is whole in buf[0, len). */
    private record Head(First first, byte[] buf, int len) {
    }

    private static Head head(Path file, boolean header, boolean headerUnsaid, boolean headerOfNumbers)
            throws IOException {
        try (Source in = Source.open(file)) {
            byte[] buf = new byte[64 << 10];
            int len = 0;
            while (true) {
                int got = in.read(buf, len, buf.length - len);
                if (got > 0) {
                    len += got;
                }
                First first = first(file, buf, len, header, headerUnsaid, headerOfNumbers, got < 0);
                if (first != null) {
                    return new Head(first, buf, len);
                }
                if (got < 0) {
                    throw new DataFileException(file, "", "no data rows" + (header ? " after the header" : ""));
                }
                if (len == buf.length) {
                    buf = grow(file, buf);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Watches the blocks go by for a first column that holds the rows' numbers under a header name
     * that is empty or "Unnamed: 0": the index pandas writes with df.to_csv() (0, 1, 2, …, or those
     * of the rows a split or a sample kept, in any order: distinct whole numbers from 0), which a
     * model would take for a feature (a hostile trial's file sorted by class scored 0.986 on its
     * own held-out rows and 0.565 on new ones). Refused, with the line that leaves it out.
     */
    private static final class RowNumbers implements Consumer<Block> {
        private final Consumer<Block> sink;
        private long next;
        private boolean numbers = true;
        private final java.util.BitSet seen = new java.util.BitSet();
        private int features = -1;
        /** The first row, and its line and label; whether a later row is whole numbers only; its label's count. */
        private float[] first;
        private int firstLine;
        private Integer firstLabel;
        private boolean laterWhole;
        private long firstLabelCount;

        RowNumbers(Consumer<Block> sink) {
            this.sink = sink;
        }

        @Override
        public void accept(Block b) {
            if (b.rows > 0 && b.features > 0) {
                int f = b.features;
                features = f;
                for (int i = 0; i < b.rows && numbers; i++) {
                    float v = b.x[i * f];
                    // Below 2²⁶ (a set of 8 MiB at most): a column of large ids is no row number to track.
                    numbers = v >= 0 && v < (1 << 26) && v == Math.rint(v) && !seen.get((int) v);
                    if (numbers) {
                        seen.set((int) v);
                    }
                }
                int from = 0;
                if (first == null) {
                    first = java.util.Arrays.copyOf(b.x, f);
                    firstLine = b.lines[0];
                    firstLabel = b.labels == null ? null : b.labels[0];
                    from = 1;
                }
                for (int i = from; i < b.rows; i++) {
                    if (!laterWhole) {
                        laterWhole = whole(b.x, i * f, f);
                    }
                    if (firstLabel != null && b.labels[i] == firstLabel) {
                        firstLabelCount++;
                    }
                }
            }
            next += b.rows;
            sink.accept(b);
        }

        private static boolean whole(float[] x, int from, int count) {
            for (int q = from; q < from + count; q++) {
                if (x[q] != Math.rint(x[q])) {
                    return false;
                }
            }
            return true;
        }

        /**
         * A first line read as data, though nobody said whether there is a header, that looks like a
         * header of numbers (wavelengths, years: a hostile trial's "400,410,…,450" became a row and
         * its last cell a class): whole numbers in increasing order, at least three, above rows none
         * of which is whole numbers only. Said, not guessed.
         */
        void refuseHeaderOfNumbers(Path file, Options options) throws DataFileException {
            if (!options.headerUnsaid() || first == null || first.length < 3 || next < 3) {
                return;
            }
            for (int q = 0; q < first.length; q++) {
                if (first[q] != Math.rint(first[q]) || q > 0 && !(first[q] > first[q - 1])) {
                    return;
                }
            }
            if (laterWhole) { // rows of whole numbers (counts, pixels): a first row of them is data
                return;
            }
            boolean lone = firstLabel != null && firstLabelCount == 0;
            throw new DataFileException(file, "line " + firstLine, "the first line holds whole numbers in increasing "
                    + "order (" + (long) first[0] + ", " + (long) first[1] + ", …) " + (lone ? "and its label, "
                    + firstLabel + ", is a class no other row has" : "where no other row is whole numbers only")
                    + ": a header of numbers (wavelengths, years)? Say which it is: --header (a header, skipped) "
                    + "or --header=false (a row of data)");
        }

        void refuse(Path file, Options options, Layout layout) throws DataFileException {
            refuseHeaderOfNumbers(file, options);
            List<String> names = layout.names();
            int label = options.labelColumn() == LAST ? layout.columns() - 1 : options.labelColumn();
            if (names == null || names.isEmpty() || label == 0 || features < 1 || next < 2 || !numbers) {
                return;
            }
            String name = names.get(0);
            if (name.isEmpty() || name.equals("Unnamed: 0")) {
                throw new DataFileException(file, "column 0", "the column " + (name.isEmpty() ? "with no name"
                        : "named \"" + name + "\"") + " holds " + next + " distinct row numbers from 0 up: the "
                        + "index pandas writes with df.to_csv(), not a feature; write the file with "
                        + "df.to_csv(path, index=False), or rewrite it with pd.read_csv(path, index_col=0)"
                        + ".to_csv(path, index=False)");
            }
        }
    }

    /** Rows parsed from one block of lines. */
    static final class Block {
        int rows;
        /** Features a row: x holds rows × features of them first (its length may be larger). */
        int features;
        float[] x;
        int[] labels;
        int[] lines;
        /** Lines in the block (its last may have no newline, at the end of the file). */
        int lineCount;
        /** The first error, its line within the block (from 0) and column; null for none. */
        String error;
        int errorLine;
        int errorColumn = -1;
    }

    /**
     * The first data line: its number (from 1), its column count, and where it starts in the buffer;
     * the header's names (null without one).
     */
    private record First(int line, int columns, int start, List<String> names) {
    }

    /**
     * Parses the file block by block on the fork/join pool, handing each block's rows to
     * {@code sink} in the file's order (with the rows' lines made absolute), and returns the layout.
     */
    static Layout parse(Path file, Options options, Consumer<Block> sink) throws IOException {
        try (Source in = Source.open(file)) {
            int parallel = Math.max(1, ForkJoinPool.getCommonPoolParallelism());
            ArrayDeque<CompletableFuture<Block>> inFlight = new ArrayDeque<>();
            byte[] buf = new byte[BLOCK];
            int len = 0;
            boolean eof = false;
            First first = null;
            int lineBase = 0; // lines before the current block
            int dispatched = 0;
            while (!eof || len > 0) {
                while (!eof && len < buf.length) {
                    int got = in.read(buf, len, buf.length - len);
                    if (got < 0) {
                        eof = true;
                    } else {
                        len += got;
                    }
                }
                int start = 0;
                if (first == null) {
                    first = first(file, buf, len, options.header(), options.headerUnsaid(), options.headerOfNumbers(),
                            eof);
                    if (first == null) {
                        if (eof) {
                            throw new DataFileException(file, "", "no data rows"
                                    + (options.header() ? " after the header" : ""));
                        }
                        buf = grow(file, buf); // a first line longer than a block
                        continue;
                    }
                    checkLayout(file, first, options);
                    start = first.start;
                    lineBase = first.line - 1;
                }
                // The block ends after its last newline; the rest waits for the next block.
                int end = len;
                if (!eof) {
                    end = lastIndexOf(buf, start, len, (byte) '\n') + 1;
                    if (end == 0) {
                        buf = grow(file, buf); // a line longer than the block
                        continue;
                    }
                }
                byte[] mine = buf;
                int from = start;
                int to = end;
                int columns = first.columns;
                boolean firstBlock = dispatched++ == 0;
                CompletableFuture<Block> task = CompletableFuture.supplyAsync(
                        () -> parseBlock(mine, from, to, columns, options, firstBlock));
                inFlight.add(task);
                byte[] next = new byte[Math.max(BLOCK, len - end + (1 << 16))];
                System.arraycopy(buf, end, next, 0, len - end);
                len -= end;
                buf = next;
                if (eof && len == 0) {
                    break;
                }
                while (inFlight.size() > 2 * parallel) {
                    lineBase = deliver(file, inFlight.poll(), lineBase, sink);
                }
            }
            while (!inFlight.isEmpty()) {
                lineBase = deliver(file, inFlight.poll(), lineBase, sink);
            }
            return new Layout(first.columns, first.line, first.names);
        }
    }

    /** The buffer doubled, for a line longer than it; refused beyond {@link #MAX_LINE}. */
    private static byte[] grow(Path file, byte[] buf) throws DataFileException {
        if (buf.length >= MAX_LINE) {
            throw new DataFileException(file, "", "a line longer than " + (MAX_LINE >> 20) + " MiB: not a CSV of "
                    + "numbers (or its lines end with a lone CR)");
        }
        return java.util.Arrays.copyOf(buf, Math.min(MAX_LINE, buf.length * 2));
    }

    private static int deliver(Path file, CompletableFuture<Block> task, int lineBase, Consumer<Block> sink)
            throws IOException {
        Block b;
        try {
            b = task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading " + file);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
        if (b.error != null) {
            int line = lineBase + b.errorLine + 1;
            throw new DataFileException(file, "line " + line + (b.errorColumn >= 0 ? " column " + b.errorColumn : ""),
                    b.error);
        }
        for (int i = 0; i < b.rows; i++) {
            b.lines[i] += lineBase + 1;
        }
        sink.accept(b);
        return lineBase + b.lineCount;
    }

    /**
     * Finds the first data line in buf[0, len): skips blank lines and, when asked, the header.
     * Returns null when the buffer ends before that line is whole (and the file goes on).
     */
    private static First first(Path file, byte[] buf, int len, boolean header, boolean headerUnsaid,
                               boolean headerOfNumbers, boolean eof) throws IOException {
        int pos = 0;
        int line = 0;
        boolean headerSkipped = !header;
        List<String> names = null;
        int headerLine = 0;
        while (pos < len) {
            int nl = indexOf(buf, pos, len, (byte) '\n');
            if (nl < 0 && !eof) {
                return null;
            }
            int end = nl < 0 ? len : nl;
            line++;
            if (!blank(buf, pos, trimCr(buf, pos, end))) {
                if (!headerSkipped) {
                    if (!headerOfNumbers && allNumbers(buf, pos, trimCr(buf, pos, end))
                            && !columnNumbers(buf, pos, trimCr(buf, pos, end), 2)) {
                        throw new DataFileException(file, "line " + line, HEADER_OF_NUMBERS + ": it "
                                + "is data, not a header (read the file without the header option: --header=false)");
                    }
                    List<String> cells = new ArrayList<>();
                    if (readNames(buf, pos, trimCr(buf, pos, end), cells)) {
                        throw new DataFileException(file, "line " + line, "the header line opens a quote (\") that "
                                + "does not close on its line: quote each name on one line (a name with a line "
                                + "break in it is not read)");
                    }
                    try { // names are matched between files: one read in another encoding would not match
                        java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(
                                ByteBuffer.wrap(buf, pos, trimCr(buf, pos, end) - pos));
                    } catch (java.nio.charset.CharacterCodingException e) {
                        throw new DataFileException(file, "line " + line, "the header line is not UTF-8 text (its "
                                + "names read " + cells + "; Latin-1 or Windows-1252?): save the file as UTF-8");
                    }
                    names = List.copyOf(cells);
                    headerLine = line;
                    headerSkipped = true;
                } else if (headerUnsaid && columnNumbers(buf, pos, trimCr(buf, pos, end), 3)) {
                    throw new DataFileException(file, "line " + line, "the first line holds the column numbers "
                            + "(" + new String(buf, pos, Math.min(40, trimCr(buf, pos, end) - pos),
                            java.nio.charset.StandardCharsets.UTF_8) + (trimCr(buf, pos, end) - pos > 40 ? "..." : "")
                            + "), as pandas writes a header: say which it is, --header (a header, skipped) or "
                            + "--header=false (a row of data)");
                } else {
                    int columns = 1;
                    boolean quoted = false;
                    for (int i = pos; i < end; i++) {
                        if (buf[i] == '"') {
                            quoted = !quoted;
                        } else if (buf[i] == ',' && !quoted) {
                            columns++;
                        }
                    }
                    checkFirstLine(file, buf, pos, trimCr(buf, pos, end), line);
                    if (quoted) {
                        throw new DataFileException(file, "line " + line, quoteProblem(buf, pos, trimCr(buf, pos, end), -1));
                    }
                    if (names != null && names.size() != columns) {
                        // A header of another width than the rows: which name goes with which column
                        // is anyone's guess (a trailing comma, a name lost, another file's header).
                        throw new DataFileException(file, "line " + headerLine, "the header names " + names.size()
                                + " columns" + (names.get(names.size() - 1).isEmpty() ? " (the last name empty: a "
                                + "trailing comma?)" : "") + ", the first row (line " + line + ") has " + columns
                                + ": give the header one name per column of the rows");
                    }
                    return new First(line, columns, pos, names);
                }
            }
            pos = end + 1;
        }
        return null;
    }

    /**
     * Adds the cells of a header line b[from, to) to {@code names}, much as RFC 4180 reads them:
     * split at the commas outside quotes, each trimmed of spaces; a quote that opens a cell (after
     * any spaces) quotes it (a doubled quote inside read as one, the closing one dropped), one
     * elsewhere is a character (inch marks: {@code width"}). Returns whether a quote is left open at
     * the line's end.
     */
    private static boolean readNames(byte[] b, int from, int to, List<String> names) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        boolean quoted = false;
        boolean opening = true; // nothing but spaces in the cell yet
        for (int i = from; i <= to; i++) {
            if (i == to || (b[i] == ',' && !quoted)) {
                names.add(bytes.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
                bytes.reset();
                opening = true;
            } else if (b[i] == '"' && quoted) {
                if (i + 1 < to && b[i + 1] == '"') {
                    bytes.write('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (b[i] == '"' && opening) {
                quoted = true;
                opening = false;
            } else {
                opening &= b[i] == ' ' || b[i] == '\t';
                bytes.write(b[i]);
            }
        }
        return quoted;
    }

    /**
     * For a data line b[from, to) whose cells, counted by toggling at every quote, went wrong: what
     * its quotes did, where they are the cause (one left open, or one inside a cell without which
     * the count would be {@code columns}; any count when {@code columns} is −1), else null.
     */
    private static String quoteProblem(byte[] b, int from, int to, int columns) {
        List<String> cells = new ArrayList<>();
        if (readNames(b, from, to, cells)) {
            return "a quote (\") opens a cell and does not close on its line";
        }
        return columns < 0 || cells.size() == columns
                ? "a quote (\") inside a cell (an inch mark?): a cell of a number is quoted whole or not at all" : null;
    }

    /** A test of one cell, b[a, z) with its quotes and spaces stripped, the {@code index}-th of its line. */
    @FunctionalInterface
    private interface CellTest {
        boolean test(int a, int z, int index);
    }

    /** Whether {@code test} holds for every comma-separated cell of b[from, to); returns the count, or −1. */
    private static int everyCell(byte[] b, int from, int to, CellTest test) {
        int cells = 0;
        int s = from;
        for (int i = from; i <= to; i++) {
            if (i == to || b[i] == ',') {
                int a = s;
                int z = i;
                while (a < z && (b[a] == ' ' || b[a] == '\t' || b[a] == '"')) {
                    a++;
                }
                while (z > a && (b[z - 1] == ' ' || b[z - 1] == '\t' || b[z - 1] == '"')) {
                    z--;
                }
                if (!test.test(a, z, cells++)) {
                    return -1;
                }
                s = i + 1;
            }
        }
        return cells;
    }

    /**
     * Whether the comma-separated cells of b[from, to) are the column numbers, 0, 1, 2, ... or 1, 2,
     * 3, ... (quotes and spaces aside; at least {@code least} of them): the names pandas gives
     * columns that have none, which a table of data rarely has as a row.
     */
    static boolean columnNumbers(byte[] b, int from, int to, int least) {
        int[] first = {-1};
        return everyCell(b, from, to, (a, z, index) -> {
            if (z == a || z - a > 9) {
                return false;
            }
            int v = 0;
            for (int k = a; k < z; k++) {
                if (b[k] < '0' || b[k] > '9') {
                    return false;
                }
                v = 10 * v + (b[k] - '0');
            }
            if (index == 0) {
                first[0] = v;
            }
            return first[0] <= 1 && v == first[0] + index;
        }) >= least;
    }

    /** Whether every comma-separated cell of b[from, to) is a number (quotes and spaces aside). */
    private static boolean allNumbers(byte[] b, int from, int to) {
        return everyCell(b, from, to, (a, z, index) -> decimal(b, a, z)) >= 0;
    }

    /** What the first data line says of the file as a whole: a wrong encoding or separator. */
    private static void checkFirstLine(Path file, byte[] b, int from, int to, int line) throws IOException {
        int controls = 0;
        for (int i = from; i < Math.min(to, from + 4096); i++) {
            int c = b[i] & 0xff;
            controls += c < 0x20 && c != '\t' && c != '\r' ? 1 : 0;
        }
        if (controls > 0) {
            throw new DataFileException(file, "line " + line, "binary bytes (" + controls + " control characters): "
                    + "not a text file of numbers; a compressed file other than gzip (zip, bzip2, xz) must be "
                    + "decompressed first");
        }
        if (indexOf(b, from, to, (byte) '\r') >= 0) {
            throw new DataFileException(file, "line " + line, "lines end with a lone carriage return (CR, old Mac "
                    + "line endings): convert them to LF (or CRLF)");
        }
        String text = shorten(new String(b, from, Math.min(to - from, 120), java.nio.charset.StandardCharsets.UTF_8));
        boolean semicolons = indexOf(b, from, to, (byte) ';') >= 0;
        boolean tabs = indexOf(b, from, to, (byte) '\t') >= 0;
        boolean decimalComma = text.matches(".*\\d,\\d+;.*|.*;-?\\d+,\\d.*");
        if (semicolons || tabs) {
            throw new DataFileException(file, "line " + line, "'" + text.strip() + "' holds values separated by "
                    + (semicolons ? "';'" : "tabs") + (decimalComma ? " with decimal commas ('0,5')" : "")
                    + ": softxent reads comma-separated values with decimal points (pandas: "
                    + "pd.read_csv(f, sep=" + (semicolons ? "';'" : "'\\t'") + (decimalComma ? ", decimal=','" : "")
                    + ", header=None).to_csv(g, header=False, index=False))");
        }
        if (indexOf(b, from, to, (byte) ',') < 0) { // one column: fine alone, unless another separator split it
            String line1 = new String(b, from, to - from, java.nio.charset.StandardCharsets.UTF_8).strip();
            boolean pipes = numbersApart(line1, "\\|");
            if (pipes || numbersApart(line1, " +")) {
                throw new DataFileException(file, "line " + line, "'" + text.strip() + "' holds values separated by "
                        + (pipes ? "'|'" : "spaces") + ": softxent reads comma-separated values (pandas: "
                        + "pd.read_csv(f, sep=" + (pipes ? "'|'" : "r'\\s+'")
                        + ", header=None).to_csv(g, header=False, index=False))");
            }
        }
    }

    /** Whether {@code line} splits at {@code separator} into two cells or more, each a number. */
    private static boolean numbersApart(String line, String separator) {
        String[] cells = line.split(separator, -1);
        if (cells.length < 2) {
            return false;
        }
        for (String cell : cells) {
            if (!decimal(cell.strip())) {
                return false;
            }
        }
        return true;
    }

    private static void checkLayout(Path file, First first, Options options) throws IOException {
        int label = options.labelColumn();
        if (label != NO_LABEL && first.columns < 2) {
            throw new DataFileException(file, "line " + first.line, "a row needs at least one feature and a label, "
                    + "got 1 column (no comma: softxent reads comma-separated values; a header line over values "
                    + "separated by spaces or '|'? pandas converts them: pd.read_csv(f, sep=r'\\s+' or sep='|')"
                    + ".to_csv(g, index=False))");
        }
        if (label >= first.columns) {
            throw new DataFileException(file, "line " + first.line, first.columns + " columns: there is no column "
                    + label + " for the label (columns count from 0, up to " + (first.columns - 1) + ")");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // One block

    static Block parseBlock(byte[] b, int from, int to, int columns, Options options, boolean firstBlock) {
        int labelColumn = options.labelColumn() == LAST ? columns - 1 : options.labelColumn();
        boolean labelled = options.labelColumn() != NO_LABEL;
        int features = labelled ? columns - 1 : columns;
        int maxRows = 0;
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                maxRows++;
            }
        }
        if (to > from && b[to - 1] != '\n') {
            maxRows++;
        }
        Block out = new Block();
        out.features = features;
        out.x = new float[maxRows * features];
        out.labels = labelled ? new int[maxRows] : null;
        out.lines = new int[maxRows];
        int[] starts = new int[columns + 1];
        int[] ends = new int[columns + 1];
        int pos = from;
        int line = 0;
        int row = 0;
        while (pos < to) {
            int nl = indexOf(b, pos, to, (byte) '\n');
            int end = nl < 0 ? to : nl;
            int stop = trimCr(b, pos, end);
            if (!blank(b, pos, stop)) {
                int cells = split(b, pos, stop, starts, ends);
                if (cells != columns) {
                    out.error = quoteProblem(b, pos, stop, columns);
                    if (out.error == null) {
                        out.error = (cells > columns ? "more than " + columns + " columns" : cells
                                + (cells == 1 ? " column" : " columns")) + ", but the first row has " + columns;
                    }
                    out.errorLine = line;
                    break;
                }
                int base = row * features;
                for (int c = 0, q = 0; c < columns; c++) {
                    int s = starts[c];
                    int e = ends[c];
                    if (c == labelColumn) {
                        long v = parseLabel(b, s, e, out, line, c, firstBlock && line == 0 && !options.header());
                        if (out.error != null) {
                            break;
                        }
                        out.labels[row] = (int) v;
                    } else {
                        float v = parseFeature(b, s, e, out, line, c, options.finite(),
                                firstBlock && line == 0 && !options.header());
                        if (out.error != null) {
                            break;
                        }
                        out.x[base + q++] = v;
                    }
                }
                if (out.error != null) {
                    break;
                }
                out.lines[row] = line;
                row++;
            }
            line++;
            pos = end + 1;
        }
        out.rows = row;
        out.lineCount = line;
        return out;
    }

    /**
     * Splits b[from, to) at commas into cells (quotes stripped, spaces trimmed), their bounds into
     * starts and ends; returns the number of cells, or more than the arrays hold when there are more.
     */
    private static int split(byte[] b, int from, int to, int[] starts, int[] ends) {
        int cells = 0;
        int s = from;
        boolean quoted = false;
        for (int i = from; i <= to; i++) {
            if (i < to && b[i] == '"') {
                quoted = !quoted;
                continue;
            }
            if (i == to || (b[i] == ',' && !quoted)) {
                if (cells == starts.length) {
                    return cells + 1;
                }
                int a = s;
                int z = i;
                while (a < z && (b[a] == ' ' || b[a] == '\t')) {
                    a++;
                }
                while (z > a && (b[z - 1] == ' ' || b[z - 1] == '\t')) {
                    z--;
                }
                if (z - a >= 2 && b[a] == '"' && b[z - 1] == '"') {
                    a++;
                    z--;
                }
                starts[cells] = a;
                ends[cells] = z;
                cells++;
                s = i + 1;
            }
        }
        return cells;
    }

    private static float parseFeature(byte[] b, int s, int e, Block out, int line, int column, boolean finite,
                                      boolean firstLine) {
        if (s == e) {
            fail(out, line, column, "an empty cell (a missing value?): every feature must be a number");
            return 0;
        }
        float v = shortDecimal(b, s, e);
        if (v == v) {
            return v; // finite: a short decimal read exactly
        }
        try {
            if (!decimal(b, s, e)) {
                throw new NumberFormatException(); // Java's 8f, 0x1p3, 1_0: not a CSV's numbers
            }
            v = JavaFloatParser.parseFloat(b, s, e - s);
        } catch (NumberFormatException notJava) {
            String cell = new String(b, s, e - s, java.nio.charset.StandardCharsets.UTF_8);
            v = switch (cell.toLowerCase(Locale.ROOT)) { // NumPy's and pandas' spellings
                case "nan", "-nan", "+nan" -> Float.NaN;
                case "inf", "+inf", "infinity", "+infinity" -> Float.POSITIVE_INFINITY;
                case "-inf", "-infinity" -> Float.NEGATIVE_INFINITY;
                default -> {
                    fail(out, line, column, "'" + shorten(cell) + "' is not a number" + hint(cell, firstLine));
                    yield 0;
                }
            };
        }
        if (finite && !Float.isFinite(v)) {
            String cell = new String(b, s, e - s, java.nio.charset.StandardCharsets.UTF_8);
            fail(out, line, column, "'" + shorten(cell) + "': features must be finite numbers"
                    + (decimal(b, s, e) ? " (beyond float32's range, ±3.4e38)" : ""));
        }
        return v;
    }

    /** 2²⁴: a float holds every integer up to it exactly. */
    private static final int EXACT_FLOAT_INTEGERS = 1 << 24;
    /** 10⁰ … 10¹⁰: each exact in a float (5¹⁰ &lt; 2²⁴). */
    private static final float[] EXACT_TENS = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

    /**
     * The float nearest the decimal b[s, e) when it is short: [+-]digits[.digits][e[+-]digits] whose
     * digits make an integer m ≤ 2²⁴ and whose value is m · 10^k with |k| ≤ 10. Then m and 10^|k|
     * are exact floats and one product or quotient rounds once: the nearest float, as
     * {@link Float#parseFloat} gives it (Clinger's fast path). NaN for anything else (longer
     * numbers, other spellings, errors), which the full parser then reads.
     */
    static float shortDecimal(byte[] b, int s, int e) {
        int i = s;
        boolean negative = false;
        if (i < e && (b[i] == '+' || b[i] == '-')) {
            negative = b[i] == '-';
            i++;
        }
        int m = 0;
        int digits = 0;
        int scale = 0; // digits after the point
        boolean point = false;
        for (; i < e; i++) {
            int d = b[i] - '0';
            if (d >= 0 && d <= 9) {
                m = m * 10 + d;
                if (m > EXACT_FLOAT_INTEGERS) {
                    return Float.NaN;
                }
                digits++;
                scale += point ? 1 : 0;
            } else if (b[i] == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (digits == 0) {
            return Float.NaN;
        }
        int k = -scale;
        if (i < e) {
            if (b[i] != 'e' && b[i] != 'E') {
                return Float.NaN;
            }
            i++;
            boolean down = false;
            if (i < e && (b[i] == '+' || b[i] == '-')) {
                down = b[i] == '-';
                i++;
            }
            if (i == e || e - i > 3) {
                return Float.NaN;
            }
            int exponent = 0;
            for (; i < e; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    return Float.NaN;
                }
                exponent = exponent * 10 + d;
            }
            k += down ? -exponent : exponent;
        }
        if (k < -10 || k > 10) {
            return Float.NaN;
        }
        float v = k >= 0 ? (float) m * EXACT_TENS[k] : (float) m / EXACT_TENS[-k];
        return negative ? -v : v;
    }

    /**
     * Whether {@code text} is a decimal number as CSV writers write them (as {@link #decimal(byte[],
     * int, int)}): not Java's spellings {@code 1f}, {@code 0x1p0} or {@code 1_0}, nor NaN.
     */
    public static boolean decimal(String text) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return decimal(b, 0, b.length);
    }

    /** Whether b[s, e) is a decimal number as CSV writers write them: [+-]digits[.digits][e[+-]digits]. */
    static boolean decimal(byte[] b, int s, int e) {
        int i = s;
        if (i < e && (b[i] == '+' || b[i] == '-')) {
            i++;
        }
        int digits = 0;
        while (i < e && b[i] >= '0' && b[i] <= '9') {
            i++;
            digits++;
        }
        if (i < e && b[i] == '.') {
            i++;
            while (i < e && b[i] >= '0' && b[i] <= '9') {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < e && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < e && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int exponent = 0;
            while (i < e && b[i] >= '0' && b[i] <= '9') {
                i++;
                exponent++;
            }
            if (exponent == 0) {
                return false;
            }
        }
        return i == e;
    }

    private static String hint(String cell, boolean firstLine) {
        if (cell.matches("-?\\d+,\\d+")) {
            return " (a decimal comma? softxent reads decimal points)";
        }
        if (firstLine && cell.matches(".*[A-Za-z_].*")) {
            return " (a header line? the header option skips it: --header)";
        }
        if (MISSING.contains(cell.strip().toLowerCase(java.util.Locale.ROOT))) {
            return " (a missing value? fill or drop the rows that have one first)";
        }
        return "";
    }

    /** How data sets write a missing value (pandas, R, SQL exports, spreadsheets). */
    private static final java.util.Set<String> MISSING = java.util.Set.of("na", "n/a", "null", "none", "nil", "?",
            "-", "#n/a", "missing", "<na>", "nat", "nan");

    private static long parseLabel(byte[] b, int s, int e, Block out, int line, int column, boolean firstLine) {
        if (s == e) {
            fail(out, line, column, "an empty label (a missing value?): every row needs its class");
            return 0;
        }
        int i = s;
        boolean negative = b[i] == '-';
        if (negative || b[i] == '+') {
            i++;
        }
        if (i < e && e - i <= 18) {
            long v = 0;
            int j = i;
            while (j < e && b[j] >= '0' && b[j] <= '9') {
                v = v * 10 + (b[j] - '0');
                j++;
            }
            if (j == e) {
                v = negative ? -v : v;
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    fail(out, line, column, beyondInt(Long.toString(v), v < 0));
                }
                return v;
            }
        }
        String cell = new String(b, s, e - s, java.nio.charset.StandardCharsets.UTF_8);
        if (!decimal(b, s, e)) {
            fail(out, line, column, "the label '" + shorten(cell) + "' is not a number: labels are integers "
                    + "(the class values)" + hint(cell, firstLine));
            return 0;
        }
        // Exactly, from the text, not through a double: "1e-999" or "0.99999999999999999" must not
        // round to a class, and "1e2147483648" is too large, not a number that breaks the parser.
        long v = exactInteger(b, s, e);
        if (v == NOT_INTEGER) {
            fail(out, line, column, "the label '" + shorten(cell) + "' is not an integer: labels are the class "
                    + "values, integers");
            return 0;
        }
        if (v == BEYOND_INT || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            fail(out, line, column, beyondInt(shorten(cell), b[s] == '-'));
            return 0;
        }
        return v;
    }

    /** {@link #exactInteger}'s answer for a number that is not an integer. */
    private static final long NOT_INTEGER = Long.MIN_VALUE;
    /** {@link #exactInteger}'s answer for an integer of 10 digits or more (beyond an int). */
    private static final long BEYOND_INT = Long.MAX_VALUE;

    /**
     * The integer the decimal text b[s, e) writes ({@link #decimal} true: [+-]digits[.digits]
     * [e[+-]digits]), judged exactly from its digits, in time linear in its length whatever its
     * exponent: {@link #NOT_INTEGER} when some nonzero digit stands below the units,
     * {@link #BEYOND_INT} when one stands at 10¹⁰ or above, else the value.
     */
    static long exactInteger(byte[] b, int s, int e) {
        int i = s;
        boolean negative = b[i] == '-';
        if (b[i] == '-' || b[i] == '+') {
            i++;
        }
        int intStart = i;
        while (i < e && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        int intEnd = i;
        int fracStart = i;
        int fracEnd = i;
        if (i < e && b[i] == '.') {
            fracStart = ++i;
            while (i < e && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            fracEnd = i;
        }
        long exponent = 0;
        if (i < e && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean down = b[i] == '-';
            if (b[i] == '-' || b[i] == '+') {
                i++;
            }
            while (i < e) {
                exponent = Math.min(exponent * 10 + (b[i++] - '0'), 1_000_000_000_000L); // clamped: no overflow
            }
            exponent = down ? -exponent : exponent;
        }
        // Each nonzero digit's power of ten, the exponent added: the lowest must be at the units or
        // above, the highest below 10^10.
        long high = Long.MIN_VALUE;
        long low = Long.MAX_VALUE;
        for (int k = intStart; k < fracEnd; k++) {
            if (k == intEnd || b[k] == '0') {
                continue;
            }
            long power = (k < intEnd ? intEnd - 1 - k : -(k - fracStart + 1)) + exponent;
            high = Math.max(high, power);
            low = Math.min(low, power);
        }
        if (high == Long.MIN_VALUE) {
            return 0; // every digit 0
        }
        if (low < 0) {
            return NOT_INTEGER;
        }
        if (high >= 10) {
            return BEYOND_INT;
        }
        long value = 0;
        for (int k = intStart; k < fracEnd; k++) {
            if (k == intEnd || b[k] == '0') {
                continue;
            }
            long power = (k < intEnd ? intEnd - 1 - k : -(k - fracStart + 1)) + exponent;
            long digit = b[k] - '0';
            for (long p = 0; p < power; p++) {
                digit *= 10;
            }
            value += digit;
        }
        return negative ? -value : value;
    }

    /** The problem of a label beyond an int's range, as {@code shown}. */
    private static String beyondInt(String shown, boolean negative) {
        return "the label " + shown + " is " + (negative ? "too small" : "too large") + ": labels are integers from "
                + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
    }

    private static void fail(Block out, int line, int column, String problem) {
        if (out.error == null) {
            out.error = problem;
            out.errorLine = line;
            out.errorColumn = column;
        }
    }

    /** A cell for a message: at most 40 characters, control characters shown as '?'. */
    static String shorten(String s) {
        String t = s.length() <= 40 ? s : s.substring(0, 37) + "...";
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    private static int trimCr(byte[] b, int from, int end) {
        return end > from && b[end - 1] == '\r' ? end - 1 : end;
    }

    private static int indexOf(byte[] b, int from, int to, byte v) {
        for (int i = from; i < to; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b, int from, int to, byte v) {
        for (int i = to - 1; i >= from; i--) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * The file's bytes: through gzip when its first bytes say it is compressed; a UTF-8 byte order
     * mark skipped; a .npy file, compressed or not, and a UTF-16 file refused by name.
     */
    private static final class Source implements AutoCloseable {
        private final Path file;
        private final InputStream in;

        private Source(Path file, InputStream in) {
            this.file = file;
            this.in = in;
        }

        static Source open(Path file) throws IOException {
            RegularFiles.require(file);
            byte[] head = new byte[8];
            int got;
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer bb = ByteBuffer.wrap(head);
                while (bb.hasRemaining() && c.read(bb) > 0) {
                    // fill
                }
                got = bb.position();
            }
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            try {
                if (got >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                    InputStream gz;
                    try {
                        gz = new BufferedInputStream(new GzipMembers(raw), 1 << 16);
                    } catch (java.io.EOFException | java.util.zip.ZipException e) {
                        throw damaged(file, e);
                    }
                    try {
                        gz.mark(8);
                        byte[] inner;
                        try {
                            inner = gz.readNBytes(6);
                        } catch (java.io.EOFException | java.util.zip.ZipException e) {
                            throw damaged(file, e);
                        }
                        gz.reset();
                        if (isNpy(inner, inner.length)) {
                            throw new DataFileException(file, "", "a gzip-compressed .npy file: softxent maps .npy "
                                    + "files uncompressed (gunzip it first)");
                        }
                        return skipBom(file, gz);
                    } catch (IOException | RuntimeException e) {
                        gz.close(); // the inflater's native memory too
                        throw e;
                    }
                }
                if (isNpy(head, got)) {
                    boolean named = file.getFileName() != null
                            && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".npy");
                    throw new DataFileException(file, "", NPY_NOT_CSV + (named ? "" : ": name it .npy"));
                }
                String packed = compression(head, got);
                if (packed != null) {
                    throw new DataFileException(file, "", "a " + packed + " file: softxent reads CSV text, plain or "
                            + "gzip-compressed; decompress it first");
                }
                return skipBom(file, raw);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        private static Source skipBom(Path file, InputStream in) throws IOException {
            in.mark(4);
            byte[] bom = in.readNBytes(3);
            if (bom.length >= 2 && ((bom[0] & 0xff) == 0xff && (bom[1] & 0xff) == 0xfe
                    || (bom[0] & 0xff) == 0xfe && (bom[1] & 0xff) == 0xff)) {
                throw new DataFileException(file, "", "a UTF-16 text file: save it as UTF-8 (or ASCII)");
            }
            if (!(bom.length == 3 && (bom[0] & 0xff) == 0xef && (bom[1] & 0xff) == 0xbb && (bom[2] & 0xff) == 0xbf)) {
                in.reset();
            }
            return new Source(file, in);
        }

        /** The compression other than gzip the first bytes announce, or null. */
        private static String compression(byte[] b, int length) {
            if (length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
                return "zip";
            }
            if (length >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h') {
                return "bzip2-compressed";
            }
            if (length >= 6 && (b[0] & 0xff) == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X' && b[4] == 'Z') {
                return "xz-compressed";
            }
            if (length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f
                    && (b[3] & 0xff) == 0xfd) {
                return "zstd-compressed";
            }
            return null;
        }

        private static boolean isNpy(byte[] b, int length) {
            if (length < 6) {
                return false;
            }
            for (int i = 0; i < 6; i++) {
                if (b[i] != Npy.MAGIC[i]) {
                    return false;
                }
            }
            return true;
        }

        int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw damaged(file, e);
            }
        }

        private static DataFileException damaged(Path file, IOException e) {
            return new DataFileException(file, "", "the gzip stream ends early or is damaged: a truncated download? ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
