package org.softxent.spark;

/** Label conventions shared by training and validation. */
final class Classes {
    /** The most classes softxent takes (a label is an index into arrays of this many). */
    static final int MAX_CLASSES = 1 << 20;

    private Classes() {
    }

    /** Whether a label is a non-negative integer class index (0.0, 1.0, 2.0, ...). */
    static boolean isClassIndex(double label) {
        return label >= 0 && label < MAX_CLASSES && label == Math.rint(label);
    }
}
