package org.softxent.train;

/** Told of each epoch (or L-BFGS iteration) as training goes: a progress bar, a log line. */
@FunctionalInterface
public interface TrainingListener {
    /**
     * @param epoch     the epoch just finished
     * @param maxEpochs the most there will be (training may stop sooner)
     */
    void epoch(Epoch epoch, int maxEpochs);

    /**
     * Training passed every check of its data and options and takes its first step now: what is
     * said before this point is never said of a run that is then refused.
     *
     * @param steps where the steps run, in words (the engine, and how the rows are held)
     */
    default void started(String steps) {
    }
}
