package org.softxent.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.List;

/**
 * What a fit did: the objective (the regularised weighted mean loss, MLlib's) at every L-BFGS
 * iteration, the first entry at the initial coefficients, as MLlib's objectiveHistory; why it stopped;
 * the softxent engines that computed the blocks; and how long it took.
 */
public final class SoftxentTrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] objectiveHistory;
    private final String convergence;
    private final List<String> engines;
    private final int lossEvaluations;
    private final double optimizationSeconds;

    SoftxentTrainingSummary(double[] objectiveHistory, String convergence, List<String> engines, int lossEvaluations,
                            double optimizationSeconds) {
        this.objectiveHistory = objectiveHistory.clone();
        this.convergence = convergence;
        this.engines = List.copyOf(engines);
        this.lossEvaluations = lossEvaluations;
        this.optimizationSeconds = optimizationSeconds;
    }

    /** The objective at the start and after each iteration. */
    public double[] objectiveHistory() {
        return objectiveHistory.clone();
    }

    /** Iterations run (MLlib's convention: objectiveHistory().length − 1). */
    public int totalIterations() {
        return objectiveHistory.length - 1;
    }

    /** Breeze's convergence reason (e.g. "max iterations", "function values converged"), or "none". */
    public String convergence() {
        return convergence;
    }

    /** The descriptions of the softxent engines that computed blocks (one per distinct device). */
    public List<String> engines() {
        return Collections.unmodifiableList(engines);
    }

    /** Passes over the cached blocks (each one loss and gradient evaluation, line search included). */
    public int lossEvaluations() {
        return lossEvaluations;
    }

    /** Wall time of the optimisation loop (after the statistics pass), in seconds. */
    public double optimizationSeconds() {
        return optimizationSeconds;
    }

    @Override
    public String toString() {
        return "SoftxentTrainingSummary[iterations=" + totalIterations() + ", evaluations=" + lossEvaluations
                + ", convergence=" + convergence + ", seconds=" + optimizationSeconds + ", engines=" + engines + "]";
    }
}
