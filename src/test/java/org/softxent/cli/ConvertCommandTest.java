package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.io.Csv;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import org.softxent.testing.Rng;

/**
 * {@code convert}: a CSV (here past several of the reader's 4 MiB blocks, gzip-compressed, with a
 * header and the label in its first column) to x.npy and y.npy holding exactly what the CSV reader
 * reads; bad input refused in one line naming the CSV's line and column, nothing written.
 */
class ConvertCommandTest {
    @TempDir
    Path dir;

    @Test
    void aCsvBecomesTheArraysItsReaderReads() throws Exception {
        Rng rng = Rng.fresh();
        int rows = 40_000;
        int features = 31;
        StringBuilder b = new StringBuilder("label");
        for (int q = 0; q < features; q++) {
            b.append(",f").append(q);
        }
        b.append('\n');
        for (int r = 0; r < rows; r++) {
            b.append(rng.nextInt(-3, 5));
            for (int q = 0; q < features; q++) {
                b.append(',').append(q % 2 == 0 ? Integer.toString(rng.nextInt(0, 256))
                        : String.format(Locale.ROOT, "%.7g", rng.nextDouble() * 1e3 - 500));
            }
            b.append('\n');
        }
        Path csv = dir.resolve("big.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(csv))) {
            out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
        }
        Path out = dir.resolve("npy");
        CommandLineTest.Run r = CommandLineTest.run("convert", "--data", csv.toString(), "--label-column", "0",
                "--header", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("[" + rows + ", " + features + "] float32"), r.out());
        Csv.Table t = Csv.read(csv, new Csv.Options(0, true, true));
        NpyArray x = Npy.read(out.resolve("x.npy"));
        NpyArray y = Npy.read(out.resolve("y.npy"));
        assertArrayEquals(new int[] {rows, features}, x.shape());
        assertArrayEquals(t.x(), x.floats(), "every value as the CSV reader reads it, " + rng);
        long[] labels = y.longs();
        for (int i = 0; i < rows; i++) {
            assertEquals(t.labels()[i], labels[i], "label " + i + ", " + rng);
        }
        // Without labels: every column a feature, no y.npy.
        Path all = dir.resolve("all");
        r = CommandLineTest.run("convert", "--data", csv.toString(), "--label-column", "none", "--header",
                "--out", all.toString());
        assertEquals(0, r.status(), r.err());
        assertArrayEquals(new int[] {rows, features + 1}, Npy.read(all.resolve("x.npy")).shape());
        assertFalse(Files.exists(all.resolve("y.npy")));
        // And train reads what it wrote.
        r = CommandLineTest.run("train", "--data", out.resolve("x.npy").toString(), "--labels",
                out.resolve("y.npy").toString(), "--epochs", "3", "--device", "cpu", "--out",
                dir.resolve("model").toString());
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "1,2,0\n3,4,1\n5,six,0\n");
        Path out = dir.resolve("never");
        CommandLineTest.Run r = CommandLineTest.run("convert", "--data", bad.toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--data (" + bad + ") line 3 column 1") && r.err().contains("'six' is not a number"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out), "nothing written");
        r = CommandLineTest.run("convert", "--data", dir.resolve("missing.csv").toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--data") && r.err().contains("missing.csv"), r.err());
        r = CommandLineTest.run("convert", "--data", dir.toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("softxent convert: --data"), "a folder as --data is --data's fault: " + r.err());
        r = CommandLineTest.run("convert", "--data", bad.toString(), "--label-column", "-2", "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--label-column -2"), r.err());
        assertFalse(Files.exists(out), "nothing written");
        // A .npy already: said as such, not "name it .npy" of a file named .npy.
        Path npy = dir.resolve("x.npy");
        org.softxent.io.Npy.write(npy, org.softxent.io.NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        r = CommandLineTest.run("convert", "--data", npy.toString(), "--out", out.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("is a .npy file already") && !r.err().contains("name it"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
