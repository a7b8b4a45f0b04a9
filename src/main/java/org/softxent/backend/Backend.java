package org.softxent.backend;

import org.softxent.Device;
import org.softxent.io.RowSource;

/**
 * The contract every compute backend implements: the CPU engine, its exact reference and the CUDA engine.
 *
 * <p>The public API ({@link org.softxent.Softxent}) checks shapes, lengths, labels and options and
 * allocates the outputs before it calls a backend, so a backend may assume all of that. What only
 * a pass over the data can find, non-finite values in the inputs, is the backend's to report, with
 * {@link Checks#nonFinite}. Outputs that are {@code null} are not computed.
 *
 * <p>All arrays are row-major. A backend must be safe to call from several threads.
 */
public interface Backend extends AutoCloseable {

    /** {@link Device#CPU} or {@link Device#GPU}. */
    Device device();

    /** One line for people: what computes, e.g. "CPU reference (double accumulation, 4 threads)". */
    String description();

    /**
     * Row softmax (or log-softmax) of logits [rows, cols] into out [rows, cols]. Logits may be −inf
     * (probability exactly 0); NaN and +inf are errors.
     */
    void softmax(float[] logits, int rows, int cols, boolean log, float[] out);

    /** Cross-entropy with its gradient, see {@link CrossEntropyProblem}; returns the reduced loss (NaN for none). */
    double crossEntropy(CrossEntropyProblem problem);

    /**
     * The softmax vector–Jacobian product: out = P ⊙ (G − rowsum(G ⊙ P)), all [rows, cols]; P and G
     * must be finite.
     */
    void softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out);

    /** The Jacobians diag(p) − ppᵀ of each row's softmax into out [rows, cols, cols]. */
    void softmaxJacobian(float[] logits, int rows, int cols, float[] out);

    /** Sigmoid binary cross-entropy with its gradient; returns the reduced loss (NaN for none). */
    double binaryCrossEntropy(BinaryCrossEntropyProblem problem);

    /** The linear softmax classifier's loss and the gradients asked for; returns the loss. */
    double classifier(ClassifierProblem problem);

    /** The linear sigmoid classifier's loss and the gradients asked for; returns the loss. */
    double binaryClassifier(BinaryClassifierProblem problem);

    /**
     * Whether {@link #classifierFrom} and {@link #binaryClassifierFrom} read rows from a source here:
     * the fast CPU engine's, which reads them block by block into buffers of its cache blocks' size,
     * so that each row crosses memory once, as from an array. Others take arrays only.
     */
    default boolean readsSources() {
        return false;
    }

    /**
     * The classifier over the rows of {@code x} in place of {@code problem.x()} (null), which must
     * be finite (no pass checks them): the loss and the gradients asked for, as {@link #classifier}
     * computes them; {@code problem.gradX()} must be null. For the engines that
     * {@link #readsSources}.
     *
     * @param x the rows, [problem.rows(), problem.features()]; read from several threads at once
     */
    default double classifierFrom(ClassifierProblem problem, RowSource x) {
        throw new UnsupportedOperationException(description() + " reads rows from arrays only");
    }

    /** {@link #classifierFrom} for the sigmoid classifier. */
    default double binaryClassifierFrom(BinaryClassifierProblem problem, RowSource x) {
        throw new UnsupportedOperationException(description() + " reads rows from arrays only");
    }

    /**
     * The classifier's forward pass: probabilities = softmax(X·W + b) [rows, classes] into
     * probsOut, and each row's predicted class (the argmax, the lowest on a tie) into
     * predictedOut; either may be null (not both). X, W and b must be finite.
     */
    void linearSoftmax(float[] x, float[] w, float[] b, int rows, int features, int classes, float[] probsOut,
                       int[] predictedOut);

    /** Releases what the backend holds (device memory, contexts). Idempotent. */
    @Override
    void close();
}
