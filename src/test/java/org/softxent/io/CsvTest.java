package org.softxent.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.Rng;

/** The CSV reader: exact numbers across its parallel blocks, and each refusal at its line and column. */
class CsvTest {
    @TempDir
    Path dir;

    /** A CSV of random rows larger than several of the reader's blocks, and what it must read. */
    record Written(Path file, float[] x, int[] labels, int rows, int features, int[] lines) {
    }

    private Written write(Rng rng, String name, int rows, int features, boolean gzip, boolean blanks)
            throws IOException {
        float[] x = rng.normal(rows * features, 1000);
        int[] labels = new int[rows];
        int[] lines = new int[rows];
        StringBuilder b = new StringBuilder();
        int line = 0;
        for (int r = 0; r < rows; r++) {
            if (blanks && r % 997 == 3) {
                b.append(r % 2 == 0 ? "\n" : "  \r\n");
                line++;
            }
            for (int q = 0; q < features; q++) {
                // Every spelling a writer uses: plain, exponent, leading +, spaces, shortest repr.
                float v = x[r * features + q];
                String s = switch ((r + q) % 4) {
                    case 0 -> Float.toString(v);
                    case 1 -> String.format(Locale.ROOT, "%.9e", v);
                    case 2 -> " " + String.format(Locale.ROOT, "%.9g", v) + " ";
                    default -> (v >= 0 ? "+" : "") + new java.math.BigDecimal(v).toPlainString();
                };
                x[r * features + q] = Float.parseFloat(s.strip());
                b.append(s).append(',');
            }
            labels[r] = rng.labels(1, 2_000_000)[0] - 1_000_000;
            b.append(labels[r]).append(r % 3 == 0 ? "\r\n" : "\n");
            line++;
            lines[r] = line;
        }
        Path file = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return new Written(file, x, labels, rows, features, lines);
    }

    /** A short decimal as a writer of integers and few decimals writes it: every optional part drawn. */
    private static String shortNumber(Rng rng) {
        StringBuilder b = new StringBuilder();
        b.append(new String[] {"", "", "-", "+"}[rng.nextInt(0, 4)]);
        int whole = rng.nextInt(0, 9);
        for (int i = 0; i < whole; i++) {
            b.append((char) ('0' + rng.nextInt(0, 10)));
        }
        int fraction = whole == 0 ? rng.nextInt(1, 9) : rng.nextInt(0, 9);
        if (fraction > 0 || rng.nextInt(0, 8) == 0) {
            b.append('.');
        }
        for (int i = 0; i < fraction; i++) {
            b.append((char) ('0' + rng.nextInt(0, 10)));
        }
        if (rng.nextInt(0, 3) == 0) {
            b.append(rng.nextInt(0, 2) == 0 ? 'e' : 'E').append(new String[] {"", "-", "+"}[rng.nextInt(0, 3)])
                    .append(rng.nextInt(0, 14));
        }
        return b.toString();
    }

    @Test
    void shortDecimalsReadAsFloatParseFloatReadsThem() {
        Rng rng = Rng.fresh();
        int taken = 0;
        for (int i = 0; i < 200_000; i++) {
            String s = shortNumber(rng);
            byte[] b = ("," + s + ",").getBytes(StandardCharsets.US_ASCII);
            float fast = Csv.shortDecimal(b, 1, b.length - 1);
            if (fast == fast) {
                taken++;
                assertEquals(Float.floatToRawIntBits(Float.parseFloat(s)), Float.floatToRawIntBits(fast),
                        "'" + s + "' " + rng);
            }
        }
        assertTrue(taken > 50_000, "the fast path reads the shorter numbers: " + taken + " " + rng);
        String[][] cases = {{"255", "255"}, {"-0", "-0.0"}, {"+0.5", "0.5"}, {"16777216", "16777216"},
            {"1e10", "1e10"}, {"12345e-10", "12345e-10"}, {"7.", "7"}, {".25", "0.25"}, {"0.1", "0.1"},
            {"1677721.6", "1677721.6"}};
        for (String[] c : cases) {
            byte[] b = c[0].getBytes(StandardCharsets.US_ASCII);
            assertEquals(Float.floatToRawIntBits(Float.parseFloat(c[1])),
                    Float.floatToRawIntBits(Csv.shortDecimal(b, 0, b.length)), c[0]);
        }
        // Declined, for the full parser: past 2^24, past 10^±10, other spellings, not numbers.
        for (String declined : new String[] {"16777217", "1e11", "1e-11", "0.00000000001", "nan", "inf", "1e", "1e+",
            "-", ".", "1.2.3", "0x10", "1_0", "8f", "1e1000"}) {
            byte[] b = declined.getBytes(StandardCharsets.US_ASCII);
            float v = Csv.shortDecimal(b, 0, b.length);
            assertTrue(v != v, declined + " gave " + v);
        }
    }

    @Test
    void aFileOfShortNumbersReadsExactly() throws IOException {
        Rng rng = Rng.fresh();
        int rows = 20_000;
        int features = 7;
        float[] x = new float[rows * features];
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < features; q++) {
                String s = q % 2 == 0 ? Integer.toString(rng.nextInt(0, 256)) : shortNumber(rng);
                x[r * features + q] = Float.parseFloat(s);
                b.append(s).append(',');
            }
            b.append(r % 5).append('\n');
        }
        Path file = dir.resolve("short.csv");
        Files.writeString(file, b, StandardCharsets.US_ASCII);
        Csv.Table t = Csv.read(file, Csv.Options.labelIn(Csv.LAST));
        assertArrayEquals(x, t.x(), "every value as Float.parseFloat reads it " + rng);
    }

    @Test
    void readsEveryNumberExactlyAcrossBlocks() throws IOException {
        Rng rng = Rng.fresh();
        for (boolean gzip : new boolean[] {false, true}) {
            Written w = write(rng, gzip ? "big.csv.gz" : "big.csv", 60_000, 9, gzip, true);
            assertTrue(gzip || Files.size(w.file()) > 8 << 20, "several blocks: " + Files.size(w.file()));
            Csv.Table t = Csv.read(w.file(), Csv.Options.labelIn(Csv.LAST));
            assertEquals(w.rows(), t.rows());
            assertEquals(w.features(), t.features());
            assertArrayEquals(w.x(), t.x(), "every value as Float.parseFloat reads it " + rng);
            assertArrayEquals(w.labels(), t.labels(), rng.toString());
            assertArrayEquals(w.lines(), t.lines(), "each row's line, blank lines counted " + rng);
        }
    }

    @Test
    void anErrorDeepInTheFileNamesItsLine() throws IOException {
        Rng rng = Rng.fresh();
        Written w = write(rng, "bad.csv", 50_000, 8, false, true);
        String text = Files.readString(w.file());
        int row = 41_234;
        String[] lines = text.split("\n", -1);
        int line = w.lines()[row];
        String[] cells = lines[line - 1].split(",");
        cells[5] = "1.2.3";
        lines[line - 1] = String.join(",", cells);
        Files.writeString(w.file(), String.join("\n", lines));
        DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(w.file(),
                Csv.Options.labelIn(Csv.LAST)));
        assertEquals("line " + line + " column 5", e.place(), e.getMessage() + " " + rng);
        assertEquals("'1.2.3' is not a number", e.problem());
    }

    @Test
    void refusalsSayWhatAndWhere() throws IOException {
        assertRefused("1,2,0\n3,,1\n", "line 2 column 1", "an empty cell");
        assertRefused("1,2,0\n3,4,1,5\n", "line 2", "more than 3 columns, but the first row has 3");
        assertRefused("1,2,0\n3,4\n", "line 2", "2 columns, but the first row has 3");
        assertRefused("1,2,0.5\n", "line 1 column 2", "the label '0.5' is not an integer");
        assertRefused("1,2,3000000000\n", "line 1 column 2", "the label 3000000000 is too large");
        assertRefused("1,2,123456789012345678901234\n", "line 1 column 2",
                "the label 123456789012345678901234 is too large");
        assertRefused("1,2,-2147483649\n", "line 1 column 2", "the label -2147483649 is too small");
        assertRefused("1,2,-1e12\n", "line 1 column 2", "the label -1e12 is too small");
        assertRefused("1,2,x\n", "line 1 column 2", "the label 'x' is not a number");
        // Judged exactly, not through a double, which rounds these to a class.
        assertRefused("1,2,1\n1,2,1e-999\n", "line 2 column 2", "the label '1e-999' is not an integer");
        assertRefused("1,2,0.99999999999999999\n", "line 1 column 2",
                "the label '0.99999999999999999' is not an integer");
        assertRefused("1,2,2147483647.0000000001\n", "line 1 column 2", "is not an integer");
        assertRefused("1,2,1e999\n", "line 1 column 2", "the label 1e999 is too large");
        // Exponents beyond an int's, and cells of many digits: judged from the text, at once.
        assertRefused("1,2,100e2147483647\n", "line 1 column 2", "the label 100e2147483647 is too large");
        assertRefused("1,2,-1e2147483648\n", "line 1 column 2", "the label -1e2147483648 is too small");
        assertRefused("1,2,1.0e-2147483647\n", "line 1 column 2", "is not an integer");
        assertRefused("1,2,1" + "0".repeat(100_000) + "\n", "line 1 column 2", "is too large");
        assertRefused("1,2,0." + "0".repeat(100_000) + "1\n", "line 1 column 2", "is not an integer");
        assertRefused("1,2,12345678901.5\n", "line 1 column 2", "is not an integer");
        assertRefused("1,2,2147483648.000\n", "line 1 column 2", "is too large");
        assertRefused("1,2,0\n1,2,nan\n", "line 2 column 2", "(a missing value?");
        // A quote that opens a cell and does not close on its line (a line break inside it?), on the
        // first line or a later one; a quote inside a cell; a properly quoted row of another width.
        assertRefused("\"1,2,0\n3,4,1\n", "line 1", "a quote (\") opens a cell and does not close on its line");
        assertRefused("1,2,0\n3,4,1\n\"5,6,1\n", "line 3", "a quote (\") opens a cell and does not close on its line");
        assertRefused("1,5\",0\n", "line 1", "a quote (\") inside a cell (an inch mark?)");
        assertRefused("1,2,0\n\"3\",1\n", "line 2", "2 columns, but the first row has 3");
        assertRefused("1,2,0\n5\n", "line 2", "1 column, but the first row has 3");
        assertRefused("1,2,0\n1\",2\",0\n", "line 2", "a quote (\") inside a cell (an inch mark?)");
        assertRefused("1,2,0\n1,2,3,4\"\n", "line 2", "more than 3 columns, but the first row has 3");
        assertRefused("a,b,label\n1,2,0\n", "line 1 column 0", "'a' is not a number (a header line?");
        assertRefused("1,nan,0\n", "line 1 column 1", "'nan': features must be finite numbers");
        assertRefused("1;2;0\n", "line 1", "separated by ';'");
        assertRefused("0,5;1,5;0\n", "line 1", "separated by ';' with decimal commas");
        assertRefused("1\t2\t0\n", "line 1", "separated by tabs");
        assertRefused("1|2|0\n", "line 1", "separated by '|'");
        assertRefused(" 1 2  0 \n", "line 1", "separated by spaces");
        assertRefused("1,2,0\n3,NA,1\n", "line 2 column 1", "'NA' is not a number (a missing value?");
        assertRefused("1,2,0\n3,4,?\n", "line 2 column 2", "the label '?' is not a number: labels are integers "
                + "(the class values) (a missing value?");
        assertRefused("\"1,5\",2,0\n", "line 1 column 0", "'1,5' is not a number (a decimal comma?");
        assertRefused("\n  \n", "", "no data rows");
        assertRefused("5\n", "line 1", "a row needs at least one feature and a label");
    }

    /** A one-column file's header of words with a space in them is taken for a header, not for spaces apart. */
    @Test
    void aOneColumnHeaderWithASpaceIsAskedAboutAsAHeader() throws IOException {
        Path p = dir.resolve("named.csv");
        Files.writeString(p, "sepal length\n3.5\n4\n");
        DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, new Csv.Options(Csv.NO_LABEL,
                false, true)));
        assertTrue(e.problem().contains("a header line?"), e.problem());
    }

    @Test
    void oneColumnWithSpacesAroundItIsOneColumn() throws IOException {
        Path p = dir.resolve("one.csv");
        Files.writeString(p, "  3.5 \n4\n 5\n");
        assertArrayEquals(new float[] {3.5f, 4, 5}, Csv.read(p, new Csv.Options(Csv.NO_LABEL, false, true)).x());
    }

    @Test
    void labelsWrittenAsWholeDecimalsAreTheirIntegers() throws IOException {
        Path p = dir.resolve("whole.csv");
        Files.writeString(p, "1,2.000\n1,3e0\n1,-0.0\n1,1.5e1\n1,-2147483648.00\n1,0e-99999\n1,12E-1\n");
        DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, Csv.Options.labelIn(Csv.LAST)));
        assertEquals("line 7 column 1", e.place(), e.getMessage());
        Files.writeString(p, "1,2.000\n1,3e0\n1,-0.0\n1,1.5e1\n1,-2147483648.00\n1,0e-99999\n1,120E-1\n"
                + "1,0e9999999999\n1,+3.\n1,.7e1\n1,0000000000000000000000000000042\n1,21474836.47e2\n1,-0.00\n");
        assertArrayEquals(new int[] {2, 3, 0, 15, Integer.MIN_VALUE, 0, 12, 0, 3, 7, 42, Integer.MAX_VALUE, 0},
                Csv.read(p, Csv.Options.labelIn(Csv.LAST)).labels());
    }

    private void assertRefused(String text, String place, String problem) throws IOException {
        Path p = dir.resolve("case.csv");
        Files.writeString(p, text);
        DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, Csv.Options.labelIn(Csv.LAST)),
                text);
        assertEquals(place, e.place(), text);
        assertTrue(e.problem().contains(problem), "'" + e.problem() + "' should say '" + problem + "'");
    }

    @Test
    void theOptionsSkipAHeaderAndReadAnyLabelColumn() throws IOException {
        Path p = dir.resolve("h.csv");
        Files.writeString(p, "\uFEFFlabel,a,b\n\n7,1.5,\"2\"\n-3,  3 ,4e1\n");
        Csv.Table t = Csv.read(p, new Csv.Options(0, true, true));
        assertArrayEquals(new float[] {1.5f, 2, 3, 40}, t.x());
        assertArrayEquals(new int[] {7, -3}, t.labels());
        assertArrayEquals(new int[] {3, 4}, t.lines());
        assertEquals(new Csv.Layout(3, 3, java.util.List.of("label", "a", "b")), Csv.layout(p, true));
        assertEquals(new Csv.Layout(3, 1, null), Csv.layout(write("plain.csv", "7,1.5,2\n"), false));
        // Quoted names: commas and doubled quotes inside, spaces around.
        assertEquals(java.util.List.of("a, b", "say \"hi\"", "", "c"), Csv.layout(write("q.csv",
                "\"a, b\", \"say \"\"hi\"\"\",,c \r\n1,2,3,4\n"), true).names());
        // A header's quote left open (a name with a line break in it): refused, naming the line.
        DataFileException open = assertThrows(DataFileException.class, () -> Csv.layout(write("open.csv",
                "a,\"b\nc\",d\n1,2,3\n"), true));
        assertEquals("line 1", open.place());
        assertTrue(open.problem().contains("the header line opens a quote (\") that does not close on its line"),
                open.problem());
        // A header of numbers: refused as data unless the caller knows it names the columns.
        Path numbers = write("wl.csv", "400,410,9\n1,2,0\n");
        assertTrue(assertThrows(DataFileException.class, () -> Csv.layout(numbers, true)).problem()
                .startsWith(Csv.HEADER_OF_NUMBERS));
        assertEquals(java.util.List.of("400", "410", "9"), Csv.layout(numbers, true, false, true).names());
        assertEquals(java.util.List.of("400", "410", "9"), Csv.headerNames(numbers));
        // headerNames reads the header line alone: what is wrong after it is the read's to say.
        assertEquals(java.util.List.of("400", "a b"), Csv.headerNames(write("semi.csv", "\n  \n400, \"a b\"\n1;2;0\n")));
        assertEquals(java.util.List.of(), Csv.headerNames(write("blank.csv", "\n\n")));
        // A header line longer than the first read, after blank lines that cross it too.
        String wide = String.join(",", java.util.Collections.nCopies(30_000, "f"));
        assertEquals(30_000, Csv.headerNames(write("wide.csv", "\n".repeat(70_000) + wide + "\r\n1\n")).size());
        assertArrayEquals(new float[] {1, 2}, Csv.read(numbers, new Csv.Options(Csv.LAST, true, true, false, true)).x());
        // A quote inside a cell that did not open with one is a character (inch marks), as Python's csv reads it.
        assertEquals(java.util.List.of("width\"", "height\"", "label"), Csv.layout(write("inch.csv",
                "width\",height\",label\n1,2,3\n"), true).names());
        Csv.Table none = Csv.read(dir.resolve("h.csv"), new Csv.Options(Csv.NO_LABEL, true, true));
        assertNull(none.labels());
        assertEquals(3, none.features());
        Csv.Table lenient = Csv.read(write("nan.csv", "1,nan,0\n2,-inf,1\n"), new Csv.Options(Csv.LAST, false, false));
        assertTrue(Float.isNaN(lenient.x()[1]) && lenient.x()[3] == Float.NEGATIVE_INFINITY);
    }

    @Test
    void filesThatAreNotCsvSayWhatTheyAre() throws IOException {
        Path npy = dir.resolve("x.csv");
        Npy.write(npy, NpyArray.ofFloats(new float[] {1, 2}, 2));
        assertTrue(assertThrows(DataFileException.class, () -> Csv.read(npy, Csv.Options.labelIn(Csv.LAST)))
                .problem().contains("a .npy file"));
        Path gz = dir.resolve("x.npy.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(npy));
        }
        assertTrue(assertThrows(DataFileException.class, () -> Csv.read(gz, Csv.Options.labelIn(Csv.LAST)))
                .problem().contains("gzip-compressed .npy"));
        Path utf16 = dir.resolve("u.csv");
        byte[] text = "1,2,0\n".getBytes(StandardCharsets.UTF_16LE);
        byte[] withBom = new byte[text.length + 2];
        withBom[0] = (byte) 0xff;
        withBom[1] = (byte) 0xfe;
        System.arraycopy(text, 0, withBom, 2, text.length);
        Files.write(utf16, withBom);
        assertTrue(assertThrows(DataFileException.class, () -> Csv.read(utf16, Csv.Options.labelIn(Csv.LAST)))
                .problem().contains("UTF-16"));
    }

    /**
     * A first line of the column numbers (pandas' header for unnamed columns): a header when one is
     * said to be there (from two columns, quoted, with CRLF, gzipped), refused when nobody said (from
     * three), a row when no header is said; other numbers in a header line are still refused.
     */
    @Test
    void aFirstLineOfTheColumnNumbers() throws IOException {
        String rows = "0.5,1.5,0\n2.5,3.5,1\n";
        Csv.Table numbered = Csv.read(write("n.csv", "0,1,2\n" + rows), new Csv.Options(Csv.LAST, true, true));
        assertEquals(2, numbered.rows());
        Csv.Table quoted = Csv.read(write("q.csv", "\"1\", \"2\" ,\"3\"\r\n" + rows.replace("\n", "\r\n")),
                new Csv.Options(Csv.LAST, true, true));
        assertEquals(2, quoted.rows());
        Csv.Table two = Csv.read(write("two.csv", "0,1\n0.5,0\n1.5,1\n"), new Csv.Options(Csv.LAST, true, true));
        assertEquals(2, two.rows());
        Path gz = dir.resolve("n.csv.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(("0,1,2\n" + rows).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(2, Csv.read(gz, new Csv.Options(Csv.LAST, true, true)).rows());
        DataFileException unsaid = assertThrows(DataFileException.class, () -> Csv.read(write("u.csv", "1,2,3\n" + rows),
                new Csv.Options(Csv.LAST, false, true, true)));
        assertTrue(unsaid.place().equals("line 1") && unsaid.problem().contains("the column numbers"), unsaid.problem());
        assertEquals(3, Csv.read(write("d.csv", "0,1,2\n" + rows), new Csv.Options(Csv.LAST, false, true)).rows());
        assertEquals(3, Csv.read(write("t.csv", "0,1\n" + "0.5,0\n1.5,1\n"),
                new Csv.Options(Csv.LAST, false, true, true)).rows(), "two columns: a row, as pandas' header is rare");
        DataFileException other = assertThrows(DataFileException.class, () -> Csv.read(write("o.csv", "0,2,4\n" + rows),
                new Csv.Options(Csv.LAST, true, true)));
        assertTrue(other.problem().contains("the header line holds only numbers"), other.problem());
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /**
     * pandas' index (a first column named "" or "Unnamed: 0" that holds distinct row numbers from 0,
     * in order or not) is refused as a feature, by parse and by convert; a column that names itself,
     * or numbers that repeat, is data.
     */
    @Test
    void pandasIndexColumnIsRefused() throws IOException {
        Rng rng = Rng.fresh();
        Csv.Options o = new Csv.Options(Csv.LAST, true, true);
        for (String name : new String[] {"", "Unnamed: 0", "id"}) {
            for (int order = 0; order < 3; order++) { // 0, 1, 2, …; two swapped (a split's rows); one repeated
                boolean repeated = order == 2;
                StringBuilder b = new StringBuilder(name + ",a,b,label\n");
                for (int i = 0; i < 300; i++) {
                    int number = order == 1 && i == 150 ? 151 : order == 1 && i == 151 ? 150
                            : repeated && i == 151 ? 150 : i;
                    b.append(number).append(',').append((float) rng.nextGaussian()).append(',')
                            .append((float) rng.nextGaussian()).append(',').append(i % 2).append('\n');
                }
                Path p = dir.resolve("pd.csv");
                Files.writeString(p, b.toString());
                String what = "name '" + name + "', order " + order + ", " + rng;
                if (!name.equals("id") && !repeated) {
                    DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, o), what);
                    assertTrue(e.getMessage().contains("the index pandas writes"), e.getMessage());
                    Path npy = dir.resolve("pd.npy");
                    try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(npy,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                        assertThrows(DataFileException.class, () -> Csv.convert(p, o, out), "convert, " + what);
                    }
                } else {
                    assertEquals(300, Csv.read(p, o).rows(), what);
                }
            }
        }
    }

    /** Header names not in UTF-8 (Latin-1's café) are refused, not stored as replacement characters. */
    @Test
    void aHeaderNotInUtf8IsRefused() throws IOException {
        Path p = dir.resolve("latin1.csv");
        byte[] latin1 = "caf\u00e9,b\u00e4r,y\n1,2,0\n3,4,1\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(p, latin1);
        Csv.Options o = new Csv.Options(Csv.LAST, true, true);
        DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, o));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
        Files.write(p, "caf\u00e9,b\u00e4r,y\n1,2,0\n3,4,1\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("caf\u00e9", "b\u00e4r", "y"), Csv.parse(p, o).names());
    }

    /**
     * A first line of whole numbers in increasing order above rows of fractions (a header of
     * wavelengths), read as data only when nobody said whether there is a header, is refused and
     * asked about; said to be data, it is data; rows of whole numbers are data.
     */
    @Test
    void aHeaderOfNumbersIsAskedAbout() throws IOException {
        Rng rng = Rng.fresh();
        for (String label : new String[] {"450", "1"}) {
            StringBuilder b = new StringBuilder("400,410,420,430," + label + "\n");
            StringBuilder whole = new StringBuilder("1,2,3,4,0\n");
            for (int i = 0; i < 200; i++) {
                b.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%d%n", rng.nextGaussian(), rng.nextGaussian(),
                        rng.nextGaussian(), rng.nextGaussian(), i % 2));
                whole.append(rng.nextInt(0, 256)).append(',').append(rng.nextInt(0, 256)).append(',')
                        .append(rng.nextInt(0, 256)).append(',').append(rng.nextInt(0, 256)).append(',').append(i % 2)
                        .append('\n');
            }
            Path p = dir.resolve("wavelengths.csv");
            Files.writeString(p, b.toString());
            Csv.Options unsaid = new Csv.Options(Csv.LAST, false, true, true);
            DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(p, unsaid), label + " " + rng);
            assertTrue(e.getMessage().contains("a header of numbers") && e.getMessage().contains("line 1"),
                    e.getMessage());
            assertEquals(201, Csv.read(p, new Csv.Options(Csv.LAST, false, true, false)).rows(), "said: data");
            Path q = dir.resolve("pixels.csv");
            Files.writeString(q, whole.toString());
            assertEquals(201, Csv.read(q, unsaid).rows(), "whole numbers throughout: data, " + rng);
        }
    }
}
