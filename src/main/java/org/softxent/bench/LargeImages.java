package org.softxent.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * The {@link SyntheticImages} training set ten times over as uint8 pixels, 600,000 × 784 (470 MB;
 * 1.9 GB as float32), for issue 26's measure of an L-BFGS iteration read from a file against one
 * from memory at the size it names. The copies are the same rows: the iteration's time is what is
 * measured, not the model.
 */
final class LargeImages {
    static final int COPIES = 10;
    static final int ROWS = COPIES * SyntheticImages.TRAIN;

    private LargeImages() {
    }

    /** Writes x [ROWS, 784] uint8 and y [ROWS] int64 from the set's pixels (whole numbers 0..255) and labels. */
    static void write(float[] pixels, long[] labels, Path x, Path y) throws IOException {
        byte[] rows = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            rows[i] = (byte) (int) pixels[i];
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(x), 1 << 20)) {
            out.write(header("|u1", ROWS, SyntheticImages.PIXELS));
            for (int k = 0; k < COPIES; k++) {
                out.write(rows);
            }
        }
        long[] all = new long[ROWS];
        for (int k = 0; k < COPIES; k++) {
            System.arraycopy(labels, 0, all, k * labels.length, labels.length);
        }
        Npy.write(y, NpyArray.ofLongs(all, ROWS));
    }

    /**
     * A version 1.0 .npy header of dtype {@code descr} and shape (rows, cols), C order, padded to a
     * multiple of 64 bytes ({@link Npy#header} writes the dtypes softxent's arrays hold, not uint8).
     */
    private static byte[] header(String descr, long rows, long cols) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = 6 + 2 + 2 + dict.length() + 1;
        String text = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] head = new byte[10 + text.length()];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        System.arraycopy(magic, 0, head, 0, 8);
        head[8] = (byte) text.length();
        head[9] = (byte) (text.length() >> 8);
        System.arraycopy(text.getBytes(StandardCharsets.US_ASCII), 0, head, 10, text.length());
        return head;
    }
}
