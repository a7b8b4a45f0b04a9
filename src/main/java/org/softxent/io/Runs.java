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
