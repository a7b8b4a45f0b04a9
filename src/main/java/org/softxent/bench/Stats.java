package org.softxent.bench;

import java.util.Arrays;

/**
 * Timings of repeated runs, in milliseconds: the median and the 10th and 90th percentiles
 * (nearest rank).
 */
public record Stats(int runs, double medianMs, double p10Ms, double p90Ms) {

    /** The statistics of {@code samples} (milliseconds, at least one). */
    public static Stats of(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        return new Stats(s.length, percentile(s, 50), percentile(s, 10), percentile(s, 90));
    }

    private static double percentile(double[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
