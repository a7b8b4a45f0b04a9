package org.softxent.train;

import java.util.List;

/**
 * What training made: the model (with the weights of the best validation epoch when it stopped
 * early), the history of every epoch, why it stopped, the features that were constant over the
 * training rows (they carry no information; their scale is kept at 1), where it ran, and how the
 * rows were split.
 */
public record TrainingResult(LinearModel model, List<Epoch> history, String stopReason, int bestEpoch,
                             int[] constantFeatures, String device, int trainingRows, int validationRows) {
    /**
     * What {@link #device()} says when the training rows were read from their source chunk by
     * chunk on the CPU rather than held whole (the benchmark tells its two runs apart by it).
     */
    public static final String READ_FROM_SOURCE = "the rows read from their source";

    public TrainingResult {
        history = List.copyOf(history);
        constantFeatures = constantFeatures.clone();
    }

    @Override
    public int[] constantFeatures() {
        return constantFeatures.clone();
    }
}
