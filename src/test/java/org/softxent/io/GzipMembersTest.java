package org.softxent.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.Rng;

/**
 * A .csv.gz of several gzip members (cat a.gz b.gz) is read whole, and one whose later member is
 * damaged, cut or followed by other bytes is refused, not read as its first member.
 */
class GzipMembersTest {
    @TempDir
    Path dir;

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static String rows(Rng rng, int n, float[] x, int from) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            float v = (float) rng.nextGaussian();
            x[from + i] = v;
            b.append(String.format(Locale.ROOT, "%s,%d%n", Float.toString(v), v > 0 ? 1 : 0));
        }
        return b.toString();
    }

    private Path file(String name, byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        Path f = dir.resolve(name);
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void everyMemberIsReadAndADamagedOneRefused() throws IOException {
        Rng rng = Rng.fresh();
        float[] x = new float[1000 + 20_000];
        byte[] a = gzip(rows(rng, 1000, x, 0));
        byte[] b = gzip(rows(rng, 20_000, x, 1000));
        Csv.Options o = Csv.Options.labelIn(Csv.LAST);
        for (Path whole : new Path[] {file("ab.csv.gz", a, b), file("padded.csv.gz", a, b, new byte[100]),
            file("empty-first.csv.gz", gzip(""), a, b)}) {
            Csv.Table t = Csv.read(whole, o);
            assertEquals(21_000, t.rows(), whole + " " + rng);
            assertArrayEquals(x, t.x(), whole + " " + rng);
        }
        byte[] flipped = b.clone();
        flipped[1] ^= 1; // the second member's magic
        byte[] badCrc = b.clone();
        badCrc[b.length - 6] ^= (byte) 0xff;
        Path[] damaged = {file("cut-header.csv.gz", a, java.util.Arrays.copyOf(b, 8)),
            file("flipped.csv.gz", a, flipped), file("junk.csv.gz", a, b, "garbage!!".getBytes(StandardCharsets.US_ASCII)),
            file("cut-trailer.csv.gz", a, java.util.Arrays.copyOf(b, b.length - 4)), file("crc.csv.gz", a, badCrc)};
        for (Path f : damaged) {
            DataFileException e = assertThrows(DataFileException.class, () -> Csv.read(f, o), f + " " + rng);
            assertTrue(e.getMessage().contains("the gzip stream ends early or is damaged")
                    && !e.getMessage().contains("null"), f + ": " + e.getMessage());
        }
    }
}
