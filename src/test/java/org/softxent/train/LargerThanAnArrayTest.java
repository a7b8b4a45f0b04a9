package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.io.NpyFile;
import org.softxent.io.RowSource;
import org.softxent.testing.GpuTest;
import org.softxent.testing.Rng;

/**
 * A training set larger than one Java array holds: a uint8 .npy of 1,100,000 × 2,000 pixels
 * (2.2·10⁹ values, past 2³¹ − 1), written here and read from the file chunk by chunk. Training
 * takes that path by itself (no option asks for it), and the model learns the rule behind the
 * labels; on the GPU (the simulated device in CI) it streams through the device straight from the
 * file.
 */
class LargerThanAnArrayTest {
    private static final int ROWS = 1_100_000;
    private static final int FEATURES = 2_000;

    @TempDir
    static Path dir;
    private static Path file;
    private static int[] labels;
    private static Rng rng;

    @BeforeAll
    static void writeTheFile() throws IOException {
        rng = Rng.fresh();
        file = dir.resolve("big.npy");
        long room = java.nio.file.Files.getFileStore(dir).getUsableSpace();
        org.junit.jupiter.api.Assumptions.assumeTrue(room > 4L * ROWS * FEATURES / 2,
                "the 2.2 GB file needs room beside it: " + (room >> 20) + " MiB free in " + dir);
        labels = write(file, rng.seed());
        assertTrue((long) ROWS * FEATURES > Integer.MAX_VALUE, "past one array");
    }

    @Test
    void aSetPastTheArrayLimitTrainsFromTheFile() throws IOException {
        try (Softxent sx = Softxent.open(Device.CPU)) {
            trainsFromTheFile(sx, 4, "read from their source");
        }
    }

    /**
     * The same file streamed through the GPU's chunk buffers straight from the file (on the
     * simulated device in CI: one L-BFGS iteration, about two minutes of its kernels; two took
     * three and a half).
     */
    @Nested
    @GpuTest
    class OnTheGpu {
        @Test
        void aSetPastTheArrayLimitStreamsFromTheFileThroughTheDevice() throws IOException {
            try (Softxent sx = Softxent.open(Device.GPU)) {
                trainsFromTheFile(sx, 1, "the training set streamed from its source");
            }
        }
    }

    private static void trainsFromTheFile(Softxent sx, int iterations, String path) throws IOException {
        try (NpyFile f = NpyFile.open(file)) {
            RowSource x = RowSource.of(f);
            TrainingOptions o = TrainingOptions.defaults().withEpochs(iterations).withValidationFraction(0)
                    .withSeed(1);
            TrainingResult r = new SoftmaxRegression(o).fit(sx, new Rows(x, labels), null, null);
            assertTrue(r.device().contains(path), r.device());
            int[] sample = new int[20_000];
            Arrays.setAll(sample, i -> i * (ROWS / sample.length));
            double accuracy = r.model().evaluate(sx, RowSource.select(x, sample), Split.rows(labels, sample))
                    .accuracy();
            assertTrue(accuracy >= 0.95, "accuracy " + accuracy + " after " + r.history().size() + " iterations on "
                    + sx.description() + ", " + rng);
        }
    }

    /**
     * Writes the pixels (a hash of the seed, row and column) and returns the labels: whether the
     * row's first pixel is 128 or more, a rule one feature decides.
     */
    private static int[] write(Path file, long seed) throws IOException {
        String dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + ROWS + ", " + FEATURES + "), }";
        int headerLength = 10 + dict.length() + 1;
        int padded = (headerLength + 63) / 64 * 64;
        StringBuilder header = new StringBuilder(dict);
        while (10 + header.length() + 1 < padded) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer head = ByteBuffer.allocate(padded);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        head.put((byte) (header.length() & 0xff)).put((byte) (header.length() >> 8));
        head.put(header.toString().getBytes(StandardCharsets.US_ASCII)).flip();
        int[] labels = new int[ROWS];
        int block = 1024;
        ByteBuffer rows = ByteBuffer.allocateDirect(block * FEATURES);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) {
                out.write(head);
            }
            for (int r0 = 0; r0 < ROWS; r0 += block) {
                int m = Math.min(block, ROWS - r0);
                rows.clear();
                for (int i = 0; i < m; i++) {
                    long h = mix(seed ^ (r0 + i) * 0x9E3779B97F4A7C15L);
                    for (int q = 0; q < FEATURES; q += 8) {
                        h = mix(h + q);
                        rows.putLong(h);
                    }
                    labels[r0 + i] = (rows.get(i * FEATURES) & 0xff) >= 128 ? 1 : 0;
                }
                rows.flip();
                while (rows.hasRemaining()) {
                    out.write(rows);
                }
            }
        }
        return labels;
    }

    /** SplitMix64's finaliser: eight well-mixed bytes. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
