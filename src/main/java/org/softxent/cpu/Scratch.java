package org.softxent.cpu;

/**
 * A per-thread row buffer, grown on demand and never shrunk, so that row loops allocate nothing
 * per row. A caller must not hold two of them at once.
 */
final class Scratch {
    private static final ThreadLocal<double[]> BUFFER = ThreadLocal.withInitial(() -> new double[0]);

    private Scratch() {
    }

    /** A buffer of at least {@code length} doubles, with unspecified contents. */
    static double[] doubles(int length) {
        double[] buffer = BUFFER.get();
        if (buffer.length < length) {
            buffer = new double[length];
            BUFFER.set(buffer);
        }
        return buffer;
    }
}
