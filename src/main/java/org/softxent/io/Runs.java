package org.softxent.io;

/** The runs of consecutive rows in a list of row indices: a selection of rows read a run at a time. */
final class Runs {
    private Runs() {
    }

    /** A run of consecutive rows: {@code count} rows from {@code row}, to go {@code at} rows on from the first. */
    @FunctionalInterface
    interface Run {
        void read(int row, int count, int at);
    }

    /** Reads {@code count} rows from {@code row} into dst (an array of the source's element type) from {@code offset}. */
    @FunctionalInterface
    interface Reader {
        void read(int row, int count, Object dst, int offset);
    }

    /** Gaps of at most this many elements between selected rows are read through, not skipped. */
    static final int GAP_ELEMENTS = 256;
    /** The most elements one read through a gap takes at once (256 KiB of floats). */
    static final int SPAN_ELEMENTS = 1 << 16;

    /**
     * The rows indices[from, to) of {@code features} elements each into dst, row i at
     * {@code offset + (i − from) · features}. Runs of consecutive rows are read as one piece, and
     * where the rows are narrow, runs a few rows apart are read as one span through a buffer and
     * their rows copied out: a random split of rows of 4 features leaves runs of 1 to 4 rows, whose
     * reads (a positional read or a slice of the file each) cost microseconds for 16 to 64 bytes,
     * where reading the few rows between them costs nanoseconds. The same values either way. Any
     * order is read right; only ascending indices gain.
     */
    static void gather(int[] indices, int from, int to, int features, Object dst, int offset, Reader reader) {
        int gap = GAP_ELEMENTS / Math.max(1, features);
        int spanRows = SPAN_ELEMENTS / Math.max(1, features);
        if (gap == 0 || spanRows < 2) {
            each(indices, from, to, (row, count, at) -> reader.read(row, count, dst, offset + at * features));
            return;
        }
        Object buffer = null;
        int i = from;
        while (i < to) {
            int first = indices[i];
            int j = i + 1;
            // Only ascending indices join a span (a repeated or earlier index starts a new one).
            while (j < to && indices[j] > indices[j - 1] && indices[j] - indices[j - 1] - 1 <= gap
                    && indices[j] - first < spanRows) {
                j++;
            }
            int span = indices[j - 1] - first + 1;
            if (span == j - i) { // consecutive: straight into place
                reader.read(first, span, dst, offset + (i - from) * features);
            } else {
                if (buffer == null) {
                    long most = (long) indices[to - 1] - first + 1; // (ascending: no span passes it)
                    buffer = java.lang.reflect.Array.newInstance(dst.getClass().getComponentType(),
                            (int) Math.max(1, Math.min(spanRows, most)) * features);
                }
                if (java.lang.reflect.Array.getLength(buffer) < span * features) {
                    buffer = java.lang.reflect.Array.newInstance(dst.getClass().getComponentType(), span * features);
                }
                reader.read(first, span, buffer, 0);
                for (int k = i; k < j; k++) {
                    System.arraycopy(buffer, (indices[k] - first) * features, dst, offset + (k - from) * features,
                            features);
                }
            }
            i = j;
        }
    }

    /** Each run of consecutive rows of indices[from, to) (ascending), in order, with its place from {@code from}. */
    static void each(int[] indices, int from, int to, Run run) {
        int i = from;
        while (i < to) {
            int j = i + 1;
            while (j < to && indices[j] == indices[j - 1] + 1) {
                j++;
            }
            run.read(indices[i], j - i, i - from);
            i = j;
        }
    }
}
