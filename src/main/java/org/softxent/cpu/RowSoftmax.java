package org.softxent.cpu;

/**
 * The softmax of one row, in double precision: the reference every other path is checked against.
 * An instance serves one thread for a range of rows: {@link #of} computes a row, then
 * {@link #negLogProb} and {@link #logProb} give that row's log-probabilities.
 *
 * <p>Every log-probability is formed as (z − max) − log Σ, never as z − (max + log Σ): at
 * |max| = 1e12 the rounding of max + log Σ is already 1e-4, and from about 1e17 on it loses log Σ
 * entirely, so that a row of C equal logits would lose log C. The CUDA kernels use the same form.
 */
final class RowSoftmax {
    private final double[] p;
    private double max;
    private double logSum;

    /** A row softmax for rows of up to {@code cols} logits, on the calling thread's scratch buffer. */
    RowSoftmax(int cols) {
        this.p = Scratch.doubles(Scratch.PROBS, cols);
    }

    /**
     * Computes the softmax of {@code z[off, off + cols)} and returns it in {@code [0, cols)} of a
     * buffer this instance owns (valid until the next call). Shifting by the row maximum keeps exp
     * from overflowing for any finite logits; −inf logits give exactly 0. A row that is all −inf
     * gives NaN, as in PyTorch.
     */
    double[] of(double[] z, int off, int cols) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            m = Math.max(m, z[off + j]);
        }
        double sum = 0.0;
        for (int j = 0; j < cols; j++) {
            double e = Math.exp(z[off + j] - m);
            p[j] = e;
            sum += e;
        }
        for (int j = 0; j < cols; j++) {
            p[j] /= sum;
        }
        max = m;
        logSum = Math.log(sum);
        return p;
    }

    /** −log p of the logit {@code z} of the row last computed: (max − z) + log Σ; +inf for −inf. */
    double negLogProb(double z) {
        return (max - z) + logSum;
    }

    /** log p of the logit {@code z} of the row last computed: (z − max) − log Σ; −inf for −inf. */
    double logProb(double z) {
        return (z - max) - logSum;
    }
}
