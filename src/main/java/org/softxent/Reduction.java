package org.softxent;

import java.util.Locale;

/**
 * How per-sample losses are combined, as PyTorch's {@code reduction} argument.
 */
public enum Reduction {
    /**
     * The weighted mean. For cross-entropy with integer labels the divisor is the sum of the class
     * weights of the rows that are not ignored (their count without weights); for probability
     * targets it is N; for binary cross-entropy it is the number of elements N·K.
     */
    MEAN,
    /** The plain sum of the per-sample losses. */
    SUM,
    /** No reduction: one loss per sample ([N] for cross-entropy, [N, K] for binary cross-entropy). */
    NONE;

    /**
     * Parses {@code mean}, {@code sum} or {@code none}, ignoring case.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static Reduction parse(String name) {
        if (name != null) {
            for (Reduction r : values()) {
                if (r.name().equalsIgnoreCase(name.trim())) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("reduction must be mean, sum or none, got '" + name + "'");
    }

    /** The lower-case name used by PyTorch and on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
