package org.softxent.backend;

import org.softxent.CrossEntropyOptions;

/**
 * One cross-entropy call, already checked by the API: logits [rows, cols] with either integer
 * labels [rows] or probability targets [rows, cols] (exactly one is non-null), the options, and the
 * outputs to write (each may be null: not asked for).
 *
 * @param gradOut   [rows, cols] the gradient of the reduced loss with respect to the logits
 *                  (for reduction none: of the sum of the row losses)
 * @param probsOut  [rows, cols] the row softmax
 * @param lossesOut [rows] the per-row losses; given exactly when the reduction is none
 */
public record CrossEntropyProblem(float[] logits, int rows, int cols, int[] labels, float[] targetProbs,
                                  CrossEntropyOptions options, float[] gradOut, float[] probsOut,
                                  float[] lossesOut) {
}
