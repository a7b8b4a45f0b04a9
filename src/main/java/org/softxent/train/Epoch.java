package org.softxent.train;

/**
 * One point of a training history, after SGD epoch (or L-BFGS iteration) {@code epoch}, counted
 * from 1: the optimizer's objective (the loss it minimises, with the L2 term, class weights and
 * smoothing; for SGD the mean of the epoch's minibatch values); the training rows' loss (that
 * objective without its L2 term) and accuracy, from the optimizer's own pass over them (L-BFGS:
 * at the weights it accepted; SGD: each minibatch before its own step, as a PyTorch loop reports
 * them); the validation rows' loss, formed as the training rows' (the same class weights or
 * positive weight and label smoothing, no L2 term; without these, the mean log loss, as
 * scikit-learn's {@code log_loss}), which early stopping watches, and their accuracy, at the
 * epoch's end (NaN without validation rows); the learning rate (SGD's last step; L-BFGS's line-search step) and the
 * seconds since training began, everything the user waits for included.
 */
public record Epoch(int epoch, double objective, double trainLoss, double trainAccuracy, double validationLoss,
                    double validationAccuracy, double learningRate, double seconds) {
}
