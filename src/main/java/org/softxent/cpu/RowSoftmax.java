package org.softxent.cpu;

/**
 * The softmax of one row, in double precision: the reference every other path is checked against.
 */
final class RowSoftmax {
    private RowSoftmax() {
    }

    /**
     * Writes the softmax of {@code z[off, off + cols)} into {@code p[0, cols)} and returns the row's
     * log-sum-exp. Shifting by the row maximum keeps exp from overflowing for any finite logits;
     * −inf logits give exactly 0. A row that is all −inf gives NaN, as in PyTorch.
     */
    static double softmax(double[] z, int off, int cols, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, z[off + j]);
        }
        double sum = 0.0;
        for (int j = 0; j < cols; j++) {
            double e = Math.exp(z[off + j] - max);
            p[j] = e;
            sum += e;
        }
        for (int j = 0; j < cols; j++) {
            p[j] /= sum;
        }
        return max + Math.log(sum);
    }
}
