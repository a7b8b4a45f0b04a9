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

    /**
     * A member whose header names its file and ends with its CRC-16 (gzip -n is not the default:
     * `gzip file.csv` writes the name) is read, and one whose header CRC is wrong refused.
     */
    @Test
    void aHeaderWithANameAndItsCrcIsReadAndAWrongCrcRefused() throws IOException {
        byte[] text = "1,0\n2,1\n3,0\n".getBytes(StandardCharsets.US_ASCII);
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(text);
        deflater.finish();
        byte[] deflated = new byte[256];
        int n = deflater.deflate(deflated);
        deflater.end();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[] {0x1f, (byte) 0x8b, 8, 8 | 2, 0, 0, 0, 0, 0, 3});
        header.write("rows.csv\0".getBytes(StandardCharsets.US_ASCII));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(header.toByteArray());
        for (int wrong = 0; wrong < 2; wrong++) {
            ByteArrayOutputStream member = new ByteArrayOutputStream();
            member.write(header.toByteArray());
            int crc16 = (int) (crc.getValue() & 0xffff) ^ wrong;
            member.write(crc16 & 0xff);
            member.write(crc16 >> 8);
            member.write(deflated, 0, n);
            java.util.zip.CRC32 body = new java.util.zip.CRC32();
            body.update(text);
            for (long v : new long[] {body.getValue(), text.length}) {
                for (int k = 0; k < 4; k++) {
                    member.write((int) (v >> (8 * k)) & 0xff);
                }
            }
            Path f = file("named" + wrong + ".csv.gz", member.toByteArray());
            if (wrong == 0) {
                Csv.Table t = Csv.read(f, Csv.Options.labelIn(Csv.LAST));
                assertArrayEquals(new float[] {1, 2, 3}, t.x());
            } else {
                DataFileException e = assertThrows(DataFileException.class,
                        () -> Csv.read(f, Csv.Options.labelIn(Csv.LAST)));
                assertTrue(e.getMessage().contains("CRC-16"), e.getMessage());
            }
        }
    }
}
