package org.softxent.backend;

import org.softxent.ClassifierOptions;

/**
 * One step of the linear softmax classifier, already checked by the API.
 *
 * @param x      [rows, features] inputs
 * @param w      [features, classes] weights
 * @param b      [classes] bias, or null
 * @param labels [rows] integer labels
 * @param rowWeights [rows] each row's weight (finite, ≥ 0), or null for 1
 * @param gradW  [features, classes] dW = Xᵀ·dS + 2·reg·W, or null when not asked for
 * @param gradB  [classes] db = column sums of dS, or null
 * @param gradX  [rows, features] dX = dS·Wᵀ, or null
 * @param predicted [rows] each row's predicted class (the argmax of its logits, the lowest on a tie), or null
 */
public record ClassifierProblem(float[] x, float[] w, float[] b, int[] labels, float[] rowWeights, int rows, int features,
                                int classes, ClassifierOptions options, float[] gradW, float[] gradB,
                                float[] gradX, int[] predicted) {
}
