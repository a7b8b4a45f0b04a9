package org.softxent.train;

import java.util.List;

/**
 * What training made: the model (with the weights of the best validation epoch when it stopped
 * early), the history of every epoch, why it stopped, the features that were constant over the
 * training rows (they carry no information; their scale is kept at 1), those whose values float32
 * rounds coarsely next to their spread ({@link #coarseFeatures}), where it ran, and how the rows
 * were split.
 *
 * @param coarseFeatures the features whose float32 values (what softxent computes with) are fewer
 *                       than {@value Scaling#COARSE_STEPS} of float32's steps apart per standard
 *                       deviation: values far from zero next to their spread (a timestamp of 1.7e9
 *                       ± 600 is rounded to steps of 128), which lose most of what tells them apart
 *                       before training sees them; subtracting an offset first keeps it. None for
 *                       rows standardised from wider values as stored (a float64 or int64 .npy)
 */
public record TrainingResult(LinearModel model, List<Epoch> history, String stopReason, int bestEpoch,
                             int[] constantFeatures, int[] coarseFeatures, String device, int trainingRows,
                             int validationRows) {
    /**
     * What {@link #device()} says when the training rows were read from their source chunk by
     * chunk on the CPU rather than held whole (the benchmark tells its two runs apart by it).
     */
    public static final String READ_FROM_SOURCE = "the rows read from their source";

    public TrainingResult {
        history = List.copyOf(history);
        constantFeatures = constantFeatures.clone();
        coarseFeatures = coarseFeatures.clone();
    }

    @Override
    public int[] constantFeatures() {
        return constantFeatures.clone();
    }

    @Override
    public int[] coarseFeatures() {
        return coarseFeatures.clone();
    }
}
