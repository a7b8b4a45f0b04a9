package org.softxent.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * A synthetic image data set of the size and kind of MNIST, for the end-to-end benchmark: 28 × 28
 * pixels of 0 to 255 (whole numbers, stored as float32 and as CSV text), 10 classes, 60,000
 * training rows and 10,000 test rows. Each class has a prototype, a few soft strokes; an image is
 * its class's prototype blended with another class's, shifted by a pixel or two, with noise, so
 * that a linear classifier reaches about MNIST's accuracy rather than 1.0. Drawn from a seed.
 *
 * <pre>
 * java -cp target/softxent.jar org.softxent.bench.SyntheticImages DIR
 * </pre>
 * writes DIR/train.csv (label last, no header), DIR/train_x.npy [60000, 784] float32,
 * DIR/train_y.npy [60000] int64, and the same for test.
 */
public final class SyntheticImages {
    static final int SIDE = 28;
    static final int PIXELS = SIDE * SIDE;
    static final int CLASSES = 10;
    static final int TRAIN = 60_000;
    static final int TEST = 10_000;

    private SyntheticImages() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SyntheticImages DIR");
            System.exit(2);
        }
        write(Path.of(args[0]), 2026);
        System.out.println("wrote " + args[0] + "/train.csv, train_x.npy, train_y.npy, test.csv, test_x.npy, test_y.npy");
    }

    /** The set's rows: x [rows, 784] of whole numbers 0..255, labels [rows]. */
    record Set(float[] x, long[] y, int rows) {
    }

    /** Writes the training and test sets into dir (created if missing), unless they are there already. */
    static void write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("test_y.npy"))) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[][] prototypes = prototypes(random);
        for (String part : new String[] {"train", "test"}) {
            Set s = draw(prototypes, part.equals("train") ? TRAIN : TEST, random);
            Npy.write(dir.resolve(part + "_x.npy"), NpyArray.ofFloats(s.x(), s.rows(), PIXELS));
            Npy.write(dir.resolve(part + "_y.npy"), NpyArray.ofLongs(s.y(), s.rows()));
            writeCsv(dir.resolve(part + ".csv"), s);
        }
    }

    private static float[][] prototypes(SplittableRandom random) {
        float[][] p = new float[CLASSES][PIXELS];
        for (int k = 0; k < CLASSES; k++) {
            int strokes = 3 + random.nextInt(3);
            for (int s = 0; s < strokes; s++) {
                double x0 = 6 + random.nextDouble() * 16;
                double y0 = 6 + random.nextDouble() * 16;
                double angle = random.nextDouble() * Math.PI;
                double length = 5 + random.nextDouble() * 8;
                for (int i = 0; i < SIDE; i++) {
                    for (int j = 0; j < SIDE; j++) {
                        // Distance from the pixel to the stroke's segment, a soft line of width ~2.
                        double dx = j - x0;
                        double dy = i - y0;
                        double along = Math.max(-length / 2, Math.min(length / 2, dx * Math.cos(angle)
                                + dy * Math.sin(angle)));
                        double px = dx - along * Math.cos(angle);
                        double py = dy - along * Math.sin(angle);
                        double v = Math.exp(-(px * px + py * py) / 2.5);
                        p[k][i * SIDE + j] = (float) Math.min(1, p[k][i * SIDE + j] + v);
                    }
                }
            }
        }
        return p;
    }

    private static Set draw(float[][] prototypes, int rows, SplittableRandom random) {
        float[] x = new float[rows * PIXELS];
        long[] y = new long[rows];
        for (int r = 0; r < rows; r++) {
            int k = random.nextInt(CLASSES);
            int other = random.nextInt(CLASSES);
            double mix = 0.45 + 0.55 * random.nextDouble();
            int sx = random.nextInt(5) - 2;
            int sy = random.nextInt(5) - 2;
            double ink = 180 + 75 * random.nextDouble();
            y[r] = k;
            for (int i = 0; i < SIDE; i++) {
                for (int j = 0; j < SIDE; j++) {
                    int si = i - sy;
                    int sj = j - sx;
                    double v = 0;
                    if (si >= 0 && si < SIDE && sj >= 0 && sj < SIDE) {
                        v = mix * prototypes[k][si * SIDE + sj] + (1 - mix) * prototypes[other][si * SIDE + sj];
                    }
                    double pixel = ink * v + 40 * random.nextGaussian();
                    x[r * PIXELS + i * SIDE + j] = (float) Math.max(0, Math.min(255, Math.rint(pixel)));
                }
            }
        }
        return new Set(x, y, rows);
    }

    private static void writeCsv(Path file, Set s) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] line = new byte[PIXELS * 4 + 8];
            for (int r = 0; r < s.rows(); r++) {
                int at = 0;
                for (int q = 0; q < PIXELS; q++) {
                    at = digits((int) s.x()[r * PIXELS + q], line, at);
                    line[at++] = ',';
                }
                at = digits((int) s.y()[r], line, at);
                line[at++] = '\n';
                out.write(line, 0, at);
            }
        }
    }

    private static int digits(int v, byte[] b, int at) {
        if (v >= 100) {
            b[at++] = (byte) ('0' + v / 100);
        }
        if (v >= 10) {
            b[at++] = (byte) ('0' + v / 10 % 10);
        }
        b[at++] = (byte) ('0' + v % 10);
        return at;
    }
}
