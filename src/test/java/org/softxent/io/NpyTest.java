package org.softxent.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.Rng;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void a_read_on_an_interrupted_thread_neither_fails_nor_closes_the_file_for_others() throws Exception {
        long seed = System.nanoTime();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[3000 * 7];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Path p = dir.resolve("interrupted.npy");
        Npy.write(p, NpyArray.ofFloats(v, 3000, 7));
        try (NpyFile f = NpyFile.open(p)) {
            float[] got = new float[v.length];
            Thread.currentThread().interrupt();
            try {
                f.readFloats(0, v.length, got, 0);
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept, seed " + seed);
            } finally {
                Thread.interrupted();
            }
            assertArrayEquals(v, got, "seed " + seed);
            float[] again = new float[v.length];
            f.readFloats(0, v.length, again, 0);
            assertArrayEquals(v, again, "seed " + seed);
        }
    }

    /**
     * A selection of narrow rows (a random split's runs of a few rows, and longer gaps) read through
     * spans (Runs.gather) gives each row's own values, for float32, uint8 and float64 files, through
     * gather, a selected source's reads from any row, and their byte and double forms.
     */
    @Test
    void narrowRowsPickedFromSpansAreEachRowsOwn() throws IOException {
        Rng rng = Rng.fresh();
        int rows = 20_000;
        int d = 3;
        float[] v = rng.normal(rows * d, 1);
        byte[] bytes = new byte[rows * d];
        double[] wide = new double[rows * d];
        for (int i = 0; i < v.length; i++) {
            bytes[i] = (byte) rng.nextInt(0, 256);
            wide[i] = v[i] * 1e-3 + i;
        }
        java.util.List<Integer> picked = new java.util.ArrayList<>();
        for (int r = 0; r < rows; r++) {
            if (r % 5000 > 4000 ? rng.nextInt(0, 50) == 0 : rng.nextInt(0, 10) < 7) {
                picked.add(r);
            }
        }
        int[] idx = picked.stream().mapToInt(Integer::intValue).toArray();
        Npy.write(dir.resolve("f.npy"), NpyArray.ofFloats(v, rows, d));
        writeUint8(dir.resolve("b.npy"), bytes, rows, d);
        Npy.write(dir.resolve("w.npy"), NpyArray.ofDoubles(wide, rows, d));
        try (NpyFile ff = NpyFile.open(dir.resolve("f.npy")); NpyFile bf = NpyFile.open(dir.resolve("b.npy"));
             NpyFile wf = NpyFile.open(dir.resolve("w.npy"))) {
            RowSource f = RowSource.of(ff);
            RowSource b = RowSource.of(bf);
            RowSource w = RowSource.of(wf);
            int from = 17;
            int to = idx.length - 3;
            float[] got = new float[(to - from) * d + 5];
            f.gather(idx, from, to, got, 5);
            byte[] gotBytes = new byte[(to - from) * d];
            b.gatherBytes(idx, from, to, gotBytes);
            double[] gotDoubles = new double[(to - from) * d];
            w.gatherDoubles(idx, from, to, gotDoubles);
            RowSource sf = RowSource.select(f, idx);
            float[] sel = new float[(to - from) * d];
            sf.read(from, to - from, sel, 0);
            byte[] selBytes = new byte[(to - from) * d];
            RowSource.select(b, idx).readBytes(from, to - from, selBytes, 0);
            double[] selDoubles = new double[(to - from) * d];
            RowSource.select(w, idx).readDoubles(from, to - from, selDoubles, 0);
            float[] asFloats = new float[(to - from) * d];
            RowSource.select(b, idx).read(from, to - from, asFloats, 0);
            for (int i = from; i < to; i++) {
                for (int q = 0; q < d; q++) {
                    int at = (i - from) * d + q;
                    int src = idx[i] * d + q;
                    String where = "picked row " + i + " (row " + idx[i] + "), column " + q + " " + rng;
                    assertEquals(v[src], got[5 + at], 0, where);
                    assertEquals(v[src], sel[at], 0, where);
                    assertEquals(bytes[src], gotBytes[at], where);
                    assertEquals(bytes[src], selBytes[at], where);
                    assertEquals(bytes[src] & 0xff, asFloats[at], 0, where);
                    assertEquals(wide[src], gotDoubles[at], 0, where);
                    assertEquals(wide[src], selDoubles[at], 0, where);
                }
            }
            // Any order, repeats included, is read right (only ascending indices join a span).
            int[] mixed = {5, 7, 7, 3, 4, 4, 100, 9, 11, 10, 19_999, 0};
            float[] m = new float[mixed.length * d];
            f.gather(mixed, 0, mixed.length, m, 0);
            for (int i = 0; i < mixed.length; i++) {
                for (int q = 0; q < d; q++) {
                    assertEquals(v[mixed[i] * d + q], m[i * d + q], 0, "mixed[" + i + "] = " + mixed[i] + " " + rng);
                }
            }
        }
    }

    /** bytes [rows, d] as a uint8 .npy (format 1.0). */
    private static void writeUint8(Path p, byte[] bytes, int rows, int d) throws IOException {
        StringBuilder h = new StringBuilder("{'descr': '|u1', 'fortran_order': False, 'shape': (" + rows + ", " + d
                + "), }");
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (h.length() & 0xff),
            (byte) (h.length() >> 8)});
        out.write(h.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(bytes);
        java.nio.file.Files.write(p, out.toByteArray());
    }

    /**
     * Reads of mapped data (maps starting every 64 KiB here, so that reads cross from one map's
     * stride into the next) give what positional reads give, for every width of dtype; a closed
     * file's reads fail as before.
     */
    @Test
    void mappedReadsAreThePositionalReads() throws IOException {
        Rng rng = Rng.fresh();
        int rows = 3000;
        int d = 37;
        float[] v = rng.normal(rows * d, 100);
        double[] wide = new double[v.length];
        byte[] bytes = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            wide[i] = v[i];
            bytes[i] = (byte) v[i];
        }
        Path floats = dir.resolve("f.npy");
        Path doubles = dir.resolve("d.npy");
        Npy.write(floats, NpyArray.ofFloats(v, rows, d));
        Npy.write(doubles, NpyArray.ofDoubles(wide, rows, d));
        Path uint8 = dir.resolve("u.npy");
        Files.write(uint8, file(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (" + rows + ", " + d + "), }",
                bytes));
        for (Path p : List.of(floats, doubles, uint8)) {
            try (NpyFile mapped = NpyFile.open(p); NpyFile read = NpyFile.open(p)) {
                assertTrue(mapped.map(1 << 16, Long.MAX_VALUE), "mapped");
                assertTrue(mapped.map(1 << 16, Long.MAX_VALUE), "idempotent");
                for (int t = 0; t < 200; t++) {
                    int first = rng.nextInt(0, v.length);
                    int count = rng.nextInt(0, Math.min(v.length - first, 100_000) + 1);
                    float[] a = new float[count];
                    float[] b = new float[count];
                    mapped.readFloats(first, count, a, 0);
                    read.readFloats(first, count, b, 0);
                    assertArrayEquals(b, a, p.getFileName() + " [" + first + ", +" + count + ") " + rng);
                    if (p == uint8) {
                        byte[] c = new byte[count];
                        mapped.readBytes(first, count, c, 0);
                        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, first, first + count), c,
                                "bytes [" + first + ", +" + count + ") " + rng);
                    }
                }
                if (p == uint8) { // the bytes as stored, mapped and read, through a source and a selection of it
                    assertTrue(mapped.isUint8() && read.isUint8());
                    byte[] got = new byte[v.length + 1];
                    mapped.readBytes(0, v.length, got, 1);
                    assertArrayEquals(bytes, java.util.Arrays.copyOfRange(got, 1, got.length), "mapped bytes " + rng);
                    java.util.Arrays.fill(got, (byte) 0);
                    read.readBytes(0, v.length, got, 1);
                    assertArrayEquals(bytes, java.util.Arrays.copyOfRange(got, 1, got.length), "read bytes " + rng);
                    RowSource picked = RowSource.select(RowSource.checked(RowSource.of(read)), new int[] {2, 3, 7});
                    assertTrue(picked.holdsBytes());
                    byte[] three = new byte[3 * d];
                    picked.readBytes(0, 3, three, 0);
                    for (int i = 0; i < 3; i++) {
                        int row = new int[] {2, 3, 7}[i];
                        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, row * d, row * d + d),
                                java.util.Arrays.copyOfRange(three, i * d, i * d + d), "row " + row + " " + rng);
                    }
                } else {
                    assertFalse(read.isUint8() || RowSource.of(read).holdsBytes(), p.getFileName().toString());
                    assertThrows(IllegalStateException.class, () -> read.readBytes(0, 1, new byte[1], 0));
                    assertThrows(UnsupportedOperationException.class,
                            () -> RowSource.of(read).readBytes(0, 1, new byte[d], 0));
                }
                float[] all = new float[v.length];
                mapped.readFloats(0, v.length, all, 0);
                float[] want = new float[v.length];
                read.readFloats(0, v.length, want, 0);
                assertArrayEquals(want, all, p.getFileName() + " " + rng);
                mapped.close();
                assertThrows(IOException.class, () -> mapped.readFloats(0, 1, new float[1], 0));
            }
        }
        try (NpyFile f = NpyFile.open(floats)) {
            assertFalse(f.map(1 << 16, 1000), "a file larger than allowed keeps to positional reads");
        }
        String before = System.getProperty(NpyFile.MAP_PROPERTY);
        System.setProperty(NpyFile.MAP_PROPERTY, "false");
        try (NpyFile f = NpyFile.open(floats)) {
            assertFalse(f.mapIfItFits(), "-D" + NpyFile.MAP_PROPERTY + "=false: never mapped");
        } finally {
            if (before == null) {
                System.clearProperty(NpyFile.MAP_PROPERTY);
            } else {
                System.setProperty(NpyFile.MAP_PROPERTY, before);
            }
        }
    }

    @Test
    void roundTripsEveryDtypeAndShape() throws IOException {
        Rng rng = Rng.fresh();
        float[] f = rng.normal(24, 10);
        check(NpyArray.ofFloats(f, 2, 3, 4));
        check(NpyArray.ofDoubles(new double[] {Math.PI, -0.0, Double.NaN, Double.NEGATIVE_INFINITY}, 4));
        check(NpyArray.ofInts(new int[] {Integer.MIN_VALUE, 0, 7}, 3));
        check(NpyArray.ofLongs(new long[] {Long.MAX_VALUE, -100}, 2, 1));
        check(NpyArray.scalar(4.25f));
        check(NpyArray.ofFloats(new float[0], 0, 5));
    }

    private void check(NpyArray a) throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, a);
        byte[] bytes = Files.readAllBytes(p);
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLength) % 64, "the data starts on a 64-byte boundary, as NumPy writes it");
        NpyArray b = Npy.read(p);
        assertEquals(a.dtype(), b.dtype());
        assertArrayEquals(a.shape(), b.shape());
        assertArrayEquals(a.toDoubles(), b.toDoubles());
    }

    @Test
    void readsWhatNumPyWrote() throws IOException {
        Path golden = Path.of(System.getProperty("softxent.golden", "src/test/resources/golden"));
        NpyArray logits = Npy.read(golden.resolve("ce_basic/logits.npy"));
        assertEquals(NpyArray.DType.FLOAT32, logits.dtype());
        assertArrayEquals(new int[] {64, 10}, logits.shape());
        assertEquals(1.0367526f, logits.floats()[0]);
        NpyArray labels = Npy.read(golden.resolve("ce_basic/labels.npy"));
        assertEquals(NpyArray.DType.INT64, labels.dtype());
        assertEquals(9L, labels.longs()[1]);
        NpyArray loss = Npy.read(golden.resolve("ce_basic/loss.npy"));
        assertEquals(0, loss.ndim());
        assertEquals(4.70062813, loss.doubles()[0], 1e-8);
    }

    @Test
    void numpyReadsWhatWeWrite() throws Exception {
        Path p = dir.resolve("w.npy");
        Npy.write(p, NpyArray.ofFloats(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3));
        assertEquals("float32 (2, 3) 1.5 6.0", numpy("a = numpy.load(sys.argv[1]); print(a.dtype, a.shape, a[0, 0], "
                + "a[1, 2])", List.of(p.toString())));
    }

    /** What a Python script prints, with numpy and sys imported and the given arguments; skips without NumPy. */
    private static String numpy(String script, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", "-c", "import numpy, sys\n" + script));
        command.addAll(args);
        Process python;
        try {
            python = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no python3 here");
            return null;
        }
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        Assumptions.assumeFalse(out.contains("No module named"), "no numpy here");
        return out;
    }

    @Test
    void readsBigEndianAndVersion2Headers() throws IOException {
        Path p = dir.resolve("be.npy");
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.25f).putFloat(-3f);
        Files.write(p, file(2, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data.array()));
        NpyArray a = Npy.read(p);
        assertArrayEquals(new float[] {1.25f, -3f}, a.floats());
    }

    /**
     * Fortran order (np.save of a transposed array: scikit-learn's coef_.T, or what pandas'
     * to_numpy often returns) is read into C order: whole by Npy.read at any number of dimensions,
     * and by NpyFile in any range of elements (rows cut anywhere, a window's worth and more, and
     * single elements), each element where NumPy would index it.
     */
    @Test
    void readsFortranOrderIntoCOrder() throws IOException {
        Rng rng = Rng.fresh();
        // Npy.read: float32 [3, 4], int64 [2, 3], float64 [2, 3, 4]
        int[][] shapes = {{3, 4}, {2, 3}, {2, 3, 4}};
        for (int t = 0; t < shapes.length; t++) {
            int[] shape = shapes[t];
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            int width = t == 0 ? 4 : 8;
            ByteBuffer data = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
            double[] want = new double[n]; // in C order
            float[] values = rng.normal(n, 10);
            for (int f = 0; f < n; f++) { // f walks the file: Fortran order, the first index fastest
                int rest = f;
                int c = 0;
                int[] index = new int[shape.length];
                for (int k = 0; k < shape.length; k++) {
                    index[k] = rest % shape[k];
                    rest /= shape[k];
                }
                for (int k = 0; k < shape.length; k++) {
                    c = c * shape[k] + index[k];
                }
                double v = t == 1 ? Math.round(values[f] * 1000) : values[f];
                want[c] = v;
                if (t == 0) {
                    data.putFloat((float) v);
                } else if (t == 1) {
                    data.putLong((long) v);
                } else {
                    data.putDouble(v);
                }
            }
            String descr = t == 0 ? "<f4" : t == 1 ? "<i8" : "<f8";
            String tuple = java.util.Arrays.toString(shape).replace('[', '(').replace(']', ')');
            Path p = dir.resolve("fortran" + t + ".npy");
            Files.write(p, file(1, "{'descr': '" + descr + "', 'fortran_order': True, 'shape': " + tuple + ", }",
                    data.array()));
            NpyArray a = Npy.read(p);
            assertArrayEquals(shape, a.shape(), rng.toString());
            double[] got = t == 0 ? toDoubles(a.floats()) : t == 1 ? java.util.Arrays.stream(a.longs())
                    .asDoubleStream().toArray() : a.doubles();
            assertArrayEquals(want, got, 0.0, descr + " " + tuple + " " + rng);
        }

        // NpyFile: a float32 [rows, cols] past one window (4 MiB), read in ranges that cut rows anywhere
        int rows = 1500 + rng.nextInt(0, 500);
        int cols = 700 + rng.nextInt(0, 100);
        float[] c = rng.normal(rows * cols, 3); // C order
        ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.BIG_ENDIAN);
        for (int col = 0; col < cols; col++) {
            for (int r = 0; r < rows; r++) {
                data.putFloat(c[r * cols + col]);
            }
        }
        Path p = dir.resolve("fortran-big.npy");
        Files.write(p, file(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (" + rows + ", " + cols + "), }",
                data.array()));
        try (NpyFile f = NpyFile.open(p)) {
            float[] all = new float[rows * cols];
            f.readFloats(0, all.length, all, 0);
            assertArrayEquals(c, all, 0f, "whole " + rows + " × " + cols + " " + rng);
            for (int k = 0; k < 20; k++) {
                int first = rng.nextInt(0, rows * cols - 1);
                int count = rng.nextInt(0, Math.min(3 * cols, rows * cols - first));
                float[] part = new float[count + 2];
                f.readFloats(first, count, part, 2);
                assertArrayEquals(java.util.Arrays.copyOfRange(c, first, first + count),
                        java.util.Arrays.copyOfRange(part, 2, count + 2), 0f, "[" + first + ", +" + count + ") " + rng);
                assertEquals(c[first], f.readDouble(first), 0.0, "element " + first + " " + rng);
            }
            f.mapIfItFits(); // the same through the map
            float[] again = new float[rows * cols];
            f.readFloats(0, again.length, again, 0);
            assertArrayEquals(c, again, 0f, "mapped " + rng);
        }
        // A row or a column vector is the same bytes in either order; NpyFile takes Fortran 2-D only.
        Path column = dir.resolve("fortran-column.npy");
        Files.write(column, file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }",
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array()));
        assertArrayEquals(new float[] {1.5f, -2f}, Npy.read(column).floats());
        Path cube = dir.resolve("fortran-cube.npy");
        Files.write(cube, file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }", new byte[32]));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyFile.open(cube).close());
        assertTrue(e.getMessage().contains("(2, 2, 2) in Fortran order") && e.getMessage().contains("[N, D]"),
                e.getMessage());
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void rejectsWhatItCannotRead() throws IOException {
        rejects("not a .npy", "hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
        rejects("'<f2' (float16) is not supported", file(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }",
                new byte[2]));
        rejects("truncated data", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                new byte[40]));
        // A shape that describes fewer values than the file holds (an edited header): its rows would be misread.
        rejects("the header's shape (3, 2) of float32 needs 24 bytes of data, the file holds 48 after its header",
                file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", new byte[48]));
        rejects("needs 48 bytes of data, the file holds 49", file(1, "{'descr': '<f4', 'fortran_order': False, "
                + "'shape': (3, 4), }", new byte[49]));
        rejects("has no 'descr'", file(1, "{'shape': (3,), 'fortran_order': False}", new byte[12]));
        // Said for what they are: a file cut short after (or within) its magic, an .npz's zip
        // archive, a structured dtype.
        rejects("truncated .npy file: 6 bytes", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        rejects("truncated .npy file: 9 bytes", new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 70});
        rejects("truncated .npy file: 3 bytes", new byte[] {(byte) 0x93, 'N', 'U'});
        rejects("a zip archive, not a .npy file (an .npz?", new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0});
        rejects("a structured dtype (named fields, a record array) is not supported", file(1, "{'descr': [('a', "
                + "'<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }", new byte[8]));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Npy.read(dir.resolve("missing.npy")));
    }

    /** Wide dtypes read as doubles as they are stored; float32 and narrower say they are not wide. */
    @Test
    void wideDtypesAreReadAsDoublesExactly() throws IOException {
        long big = (1L << 53) - 7;
        Path p = dir.resolve("wide.npy");
        Npy.write(p, NpyArray.ofLongs(new long[] {big, -big, 1_700_000_013L, 0}, 4));
        double[] d = new double[6];
        try (NpyFile f = NpyFile.open(p)) {
            assertTrue(f.isWide());
            f.readDoubles(0, 4, d, 1);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, big, -big, 1_700_000_013L, 0, 0}, d);
        Npy.write(p, NpyArray.ofDoubles(new double[] {1.7e9 + 0.25, -3e300}, 2));
        try (NpyFile f = NpyFile.open(p)) {
            f.readDoubles(0, 2, d, 0);
        }
        assertEquals(1.7e9 + 0.25, d[0], 0.0);
        assertEquals(-3e300, d[1], 0.0);
        Npy.write(p, NpyArray.ofInts(new int[] {Integer.MIN_VALUE, 16_777_217}, 2));
        try (NpyFile f = NpyFile.open(p)) {
            assertTrue(f.isWide());
            f.readDoubles(0, 2, d, 0);
        }
        assertEquals(Integer.MIN_VALUE, d[0], 0.0);
        assertEquals(16_777_217, d[1], 0.0);
        Npy.write(p, NpyArray.ofFloats(new float[] {1, 2}, 2));
        try (NpyFile f = NpyFile.open(p)) {
            assertFalse(f.isWide());
            assertThrows(IllegalStateException.class, () -> f.readDoubles(0, 2, new double[2], 0));
        }
    }

    /** Headers NumPy refuses (numpy.lib.format), and a repeated key, whose meaning NumPy leaves to chance. */
    @Test
    void readsHeadersAsStrictlyAsNumPy() throws IOException {
        byte[] data = new byte[8];
        rejects("negative dimension -2 in shape (-2,)", header("'shape': (-2,)"));
        rejects("repeated key 'descr'", file(1, "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, "
                + "'shape': (2,), }", data));
        rejects("unexpected key 'x'", header("'shape': (2,), 'x': 1"));
        rejects("'fortran_order' in the .npy header is not True or False",
                file(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", data));
        rejects("'shape' in the .npy header is not a tuple", header("'shape': (2)"));
        rejects("'shape' in the .npy header is not a tuple", header("'shape': 2"));
        rejects("'descr' in the .npy header is not a string", file(1, "{'descr': 4, 'fortran_order': False, "
                + "'shape': (2,), }", data));
        for (String shape : new String[] {"[2]", "(2.0,)", "(True,)", "(02,)", "(,)", "(2,,)"}) {
            rejects("unreadable .npy header", header("'shape': " + shape));
        }
        rejects("unreadable .npy header", file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk",
                data));
        rejects("unreadable .npy header", file(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }",
                data));
        rejects("dtype 'float32' is not supported", file(1, "{'descr': 'float32', 'fortran_order': False, "
                + "'shape': (2,), }", data));
        rejects("NumPy reads at most 10000", file(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
                + " ".repeat(10_000), data));

        // What NumPy writes, and what it still reads: Python 2's longs in versions 1 and 2, any spacing,
        // double quotes, no byte order, no trailing comma.
        for (byte[] ok : new byte[][] {
            file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }", data),
            file(3, "{ \"descr\" : '|f4' ,\n'fortran_order':False,'shape':( 1 , 2 ) }", data),
            file(1, "{'shape': (2,), 'fortran_order': False, 'descr': 'f4'}", data),
        }) {
            Path p = dir.resolve("ok.npy");
            Files.write(p, ok);
            assertEquals(2, Npy.read(p).size());
        }
    }

    /** NumPy itself, where it is installed, refuses every header {@link #readsHeadersAsStrictlyAsNumPy} does. */
    @Test
    void numpyRefusesWhatWeRefuse() throws Exception {
        String[] refused = {"'shape': (-2,)", "'shape': (2,), 'x': 1", "'shape': (2)", "'shape': [2]",
            "'shape': (2.0,)", "'shape': (02,)", "'shape': (,)"};
        List<String> files = new ArrayList<>();
        for (int i = 0; i < refused.length; i++) {
            Path p = dir.resolve("refused" + i + ".npy");
            Files.write(p, header(refused[i]));
            assertThrows(NpyFormatException.class, () -> Npy.read(p), refused[i]);
            files.add(p.toString());
        }
        Path good = dir.resolve("good.npy");
        Files.write(good, header("'shape': (2,)"));
        files.add(good.toString());
        // The last file is one both read: proof that the files reached NumPy.
        assertEquals("read " + good, numpy("""
                for f in sys.argv[1:]:
                    try:
                        numpy.load(f)
                        print('read', f)
                    except Exception:
                        pass
                """, files), "NumPy read a header softxent refuses");
    }

    @Test
    void refusesAPipeAtOnceAndADirectory() throws Exception {
        Path fifo = dir.resolve("fifo.npy");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here");
            return;
        }
        assertTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        java.nio.file.FileSystemException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(java.nio.file.FileSystemException.class, () -> Npy.read(fifo)));
        assertTrue(e.getReason().contains("not a regular file but a named pipe"), e.getMessage());
        e = assertThrows(java.nio.file.FileSystemException.class, () -> Npy.read(dir));
        assertEquals("not a regular file but a directory", e.getReason());
    }

    /** A version 1.0 float32 file whose header is descr, fortran_order and then {@code rest}. */
    private static byte[] header(String rest) {
        return file(1, "{'descr': '<f4', 'fortran_order': False, " + rest + ", }", new byte[8]);
    }

    private void rejects(String fragment, byte[] content) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, content);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    /** A data set's .npy read as floats and longs, whatever its dtype and byte order. */
    @Test
    void dataSetsReadEveryNumericDtype() throws IOException {
        Rng rng = Rng.fresh();
        int n = 1000;
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = rng.labels(1, 256)[0] - 128;
        }
        // (descr, bytes per element, signed)
        Object[][] kinds = {{"|u1", 1, false}, {"|i1", 1, true}, {"<i2", 2, true}, {">i2", 2, true}, {"<u2", 2, false},
            {"<i4", 4, true}, {">i4", 4, true}, {"<u4", 4, false}, {"<i8", 8, true}, {">i8", 8, true}, {"<u8", 8, false}, {"<f4", 4, true},
            {">f4", 4, true}, {"<f8", 8, true}, {"<f2", 2, true}};
        for (Object[] k : kinds) {
            String descr = (String) k[0];
            int width = (Integer) k[1];
            boolean signed = (Boolean) k[2];
            ByteBuffer data = ByteBuffer.allocate(n * width).order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN
                    : ByteOrder.LITTLE_ENDIAN);
            long[] want = new long[n];
            for (int i = 0; i < n; i++) {
                long v = signed ? values[i] : Math.abs(values[i]);
                want[i] = width == 1 && !signed ? v & 0xff : v;
                char type = descr.charAt(1);
                if (type == 'f') {
                    switch (width) {
                        case 2 -> data.putShort((short) halfBitsOf((int) v));
                        case 4 -> data.putFloat(v);
                        default -> data.putDouble(v);
                    }
                } else {
                    switch (width) {
                        case 1 -> data.put((byte) v);
                        case 2 -> data.putShort((short) v);
                        case 4 -> data.putInt((int) v);
                        default -> data.putLong(v);
                    }
                }
            }
            Path p = dir.resolve("d.npy");
            Files.write(p, file(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + n / 10 + ", 10), }",
                    data.array()));
            try (NpyFile f = NpyFile.open(p)) {
                assertArrayEquals(new long[] {n / 10, 10}, f.shape());
                assertEquals(descr.equals("|u1"), f.isUint8(), descr + " read as bytes");
                assertEquals(descr.equals("|u1"), RowSource.of(f).holdsBytes(), descr + " held as bytes");
                float[] floats = new float[n + 3];
                f.readFloats(7, n - 7, floats, 3);
                long[] longs = new long[n];
                f.readLongs(0, n, longs, 0);
                for (int i = 0; i < n; i++) {
                    assertEquals(want[i], longs[i], descr + " element " + i + " " + rng);
                    if (i >= 7) {
                        assertEquals((float) want[i], floats[i - 4], descr + " element " + i + " " + rng);
                    }
                }
            }
        }
    }

    @Test
    void float16IsReadExactly() {
        assertEquals(1f, NpyFile.halfToFloat(0x3c00));
        assertEquals(-2f, NpyFile.halfToFloat(0xc000));
        assertEquals(65504f, NpyFile.halfToFloat(0x7bff));
        assertEquals(0x1p-24f, NpyFile.halfToFloat(0x0001));
        assertEquals(0x1p-14f, NpyFile.halfToFloat(0x0400));
        assertEquals(0.333251953125f, NpyFile.halfToFloat(0x3555));
        assertEquals(-0f, NpyFile.halfToFloat(0x8000));
        assertEquals(Float.POSITIVE_INFINITY, NpyFile.halfToFloat(0x7c00));
        assertTrue(Float.isNaN(NpyFile.halfToFloat(0x7e00)));
    }

    @Test
    void dataSetsRefuseWhatHoldsNoNumbers() throws IOException {
        Path p = dir.resolve("s.npy");
        Files.write(p, file(1, "{'descr': '<U5', 'fortran_order': False, 'shape': (2,), }", new byte[40]));
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyFile.open(p));
        assertTrue(e.getMessage().contains("'<U5' is not one softxent reads"), e.getMessage());
        // Named as NumPy names them, or by their code where NumPy has no name (a float of 3 bytes).
        Files.write(p, file(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", new byte[16]));
        e = assertThrows(NpyFormatException.class, () -> NpyFile.open(p));
        assertTrue(e.getMessage().contains("(complex64) holds complex numbers"), e.getMessage());
        Files.write(p, file(1, "{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", new byte[6]));
        e = assertThrows(NpyFormatException.class, () -> NpyFile.open(p));
        assertTrue(e.getMessage().contains("dtype '<f3' is not one") && !e.getMessage().contains("float24"),
                e.getMessage());
        Files.write(p, file(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new byte[16]));
        e = assertThrows(NpyFormatException.class, () -> NpyFile.open(p));
        assertTrue(e.getMessage().contains("Python objects"), e.getMessage());
        Files.write(p, file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1).putDouble(2.5).array()));
        try (NpyFile f = NpyFile.open(p)) {
            long[] v = new long[2];
            NpyFormatException half = assertThrows(NpyFormatException.class, () -> f.readLongs(0, 2, v, 0));
            assertTrue(half.getMessage().contains("element 1 is 2.5, not an integer"), half.getMessage());
        }
    }

    /** The float16 bits of a whole number of magnitude below 2048 (exact). */
    private static int halfBitsOf(int v) {
        if (v == 0) {
            return 0;
        }
        int sign = v < 0 ? 0x8000 : 0;
        int a = Math.abs(v);
        int exponent = 31 - Integer.numberOfLeadingZeros(a);
        return sign | ((exponent + 15) << 10) | ((a << (10 - exponent)) & 0x3ff);
    }

    private static byte[] file(int version, String dict, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = (dict + "\n").getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        ByteBuffer length = ByteBuffer.allocate(version == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (version == 1) {
            length.putShort((short) header.length);
        } else {
            length.putInt(header.length);
        }
        out.writeBytes(length.array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }
}
