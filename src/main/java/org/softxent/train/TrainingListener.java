package org.softxent.train;

/** Told of each epoch (or L-BFGS iteration) as training goes: a progress bar, a log line. */
@FunctionalInterface
public interface TrainingListener {
    /**
     * @param epoch     the epoch just finished
     * @param maxEpochs the most there will be (training may stop sooner)
     */
    void epoch(Epoch epoch, int maxEpochs);
}
