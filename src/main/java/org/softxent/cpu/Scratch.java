package org.softxent.cpu;

/**
 * Per-thread row buffers, grown on demand and never shrunk, so that row loops allocate nothing
 * per row. Each slot is one buffer; a caller uses distinct slots for buffers it holds at once.
 */
final class Scratch {
    /** The slot of a row of logits widened to double. */
    static final int ROW = 0;
    /** The slot of a row of probabilities. */
    static final int PROBS = 1;
    /** The slot of a tile of accumulators. */
    static final int TILE = 2;
    /** The slot of a block of logits (the OpenBLAS path). */
    static final int LOGITS = 3;

    /** The float slot of a block's logits as OpenBLAS wrote them. */
    static final int FLOAT_LOGITS = 0;
    /** The float slot of a block's dS. */
    static final int FLOAT_DS = 1;

    private static final ThreadLocal<double[][]> BUFFERS = ThreadLocal.withInitial(() -> new double[4][0]);
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[2][0]);

    private Scratch() {
    }

    /** The buffer of {@code slot}, at least {@code length} doubles, with unspecified contents. */
    static double[] doubles(int slot, int length) {
        double[][] buffers = BUFFERS.get();
        if (buffers[slot].length < length) {
            buffers[slot] = new double[length];
        }
        return buffers[slot];
    }

    /** The float buffer of {@code slot}, at least {@code length} floats, with unspecified contents. */
    static float[] floats(int slot, int length) {
        float[][] buffers = FLOATS.get();
        if (buffers[slot].length < length) {
            buffers[slot] = new float[length];
        }
        return buffers[slot];
    }

    /** Row {@code row} of a [rows, cols] float matrix, widened into the {@link #ROW} buffer. */
    static double[] widen(float[] values, int row, int cols) {
        double[] z = doubles(ROW, cols);
        int off = row * cols;
        for (int j = 0; j < cols; j++) {
            z[j] = values[off + j];
        }
        return z;
    }
}
