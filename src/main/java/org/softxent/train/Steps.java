package org.softxent.train;

import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;

/**
 * The training arithmetic on one engine, over the training rows (standardised) given when it was
 * made: the full objective and its gradient for L-BFGS, SGD epochs with the weights and the
 * optimizer's state kept where the engine computes (the host's arrays, or the device's memory), and
 * the validation pass. Every pass also counts the rows it predicts right, from the logits it makes
 * anyway, so that an epoch's metrics cost no pass of their own. W is [features, outputs] and b
 * [outputs], as in the classifier.
 */
interface Steps extends AutoCloseable {
    /** A pass's loss and how many rows it predicted right (elements, for the binary classifier). */
    record Pass(double loss, long correct) {
    }

    /** The objective over every training row at (w, b), its gradients into gw and gb. */
    Pass objective(float[] w, float[] b, float[] gw, float[] gb);

    /**
     * Shuffles an epoch's order of the training rows (a permutation of [0, rows)) for {@link #epoch}:
     * uniformly, unless the steps read the rows in chunks and draw each minibatch from one chunk.
     */
    default void shuffle(int[] order, SplittableRandom random) {
        Split.shuffle(order, random);
    }

    /** Sets SGD's weights and zeroes its velocity. */
    void start(float[] w, float[] b);

    /**
     * One SGD epoch: minibatches of the rows in {@code order}, step {@code first + i} taking the
     * learning rate {@code rate(first + i)}.
     *
     * @return the mean of the minibatch objectives, weighted by their rows, and the rows the steps
     *         predicted right (each with the weights before its own step)
     */
    Pass epoch(int[] order, long first, LongToDoubleFunction rate);

    /** SGD's current weights into w and b. */
    void weights(float[] w, float[] b);

    /**
     * The validation rows' loss as the training rows' is formed (their class weights or positive
     * weight and label smoothing, their weighted mean; no L2 term: see Problem), and the rows
     * predicted right at (w, b); null without validation rows.
     */
    Pass validate(float[] w, float[] b);

    /** What computes: "CPU ..." or the GPU, and how the data is held. */
    String description();

    @Override
    void close();
}
