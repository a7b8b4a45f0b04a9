package org.softxent.backend;

import org.softxent.BinaryCrossEntropyOptions;

/**
 * One binary cross-entropy call, already checked by the API: logits and targets [rows, cols], the
 * options, and the outputs to write (each may be null: not asked for).
 *
 * @param gradOut   [rows, cols] the gradient of the reduced loss (for none: of the sum)
 * @param probsOut  [rows, cols] the sigmoid of the logits
 * @param lossesOut [rows, cols] the element losses; given exactly when the reduction is none
 */
public record BinaryCrossEntropyProblem(float[] logits, float[] targets, int rows, int cols,
                                        BinaryCrossEntropyOptions options, float[] gradOut, float[] probsOut,
                                        float[] lossesOut) {
}
