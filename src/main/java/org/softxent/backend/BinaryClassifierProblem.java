package org.softxent.backend;

import org.softxent.BinaryClassifierOptions;

/**
 * One step of the linear sigmoid classifier, already checked by the API.
 *
 * @param x       [rows, features] inputs
 * @param w       [features, outputs] weights
 * @param b       [outputs] bias, or null
 * @param targets [rows, outputs] targets, usually 0 or 1
 * @param rowWeights [rows] each row's weight (finite, ≥ 0), or null for 1
 * @param gradW   [features, outputs] dW = Xᵀ·dS + 2·reg·W, or null when not asked for
 * @param gradB   [outputs] db = column sums of dS, or null
 * @param gradX   [rows, features] dX = dS·Wᵀ, or null
 * @param predicted [rows, outputs] 1 where the logit is &gt; 0, else 0; or null
 */
public record BinaryClassifierProblem(float[] x, float[] w, float[] b, float[] targets, float[] rowWeights, int rows,
                                      int features,
                                      int outputs, BinaryClassifierOptions options, float[] gradW, float[] gradB,
                                      float[] gradX, int[] predicted) {
}
