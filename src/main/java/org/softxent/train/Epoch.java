package org.softxent.train;

/**
 * One point of a training history, after SGD epoch (or L-BFGS iteration) {@code epoch}, counted
 * from 1: the optimizer's objective (the loss it minimises, with the L2 term, class weights and
 * smoothing; for SGD the mean of the epoch's minibatch values), then the plain mean log loss and
 * accuracy of the weights at the epoch's end on the training rows and on the validation rows (NaN
 * without a validation split), the learning rate (SGD's last step; L-BFGS's line-search step) and
 * the seconds since training began, not counting the time spent on these metrics (so that it is
 * the optimizer's time, which the benchmark reports).
 *
 * <p>The training metrics use at most {@value Trainer#METRIC_ROWS} training rows (a fixed sample
 * drawn from the seed), so that they cost little next to an epoch.
 */
public record Epoch(int epoch, double objective, double trainLoss, double trainAccuracy, double validationLoss,
                    double validationAccuracy, double learningRate, double seconds) {
}
