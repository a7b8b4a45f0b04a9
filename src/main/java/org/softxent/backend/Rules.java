package org.softxent.backend;

import static org.softxent.backend.Checks.requireNonNull;
import static org.softxent.backend.Checks.requirePositive;

import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;

/**
 * The rules of each operation's arguments, in one place for both ways in: host arrays
 * ({@link org.softxent.Softxent}) and device buffers ({@link org.softxent.OnDevice}), each argument
 * an {@link Operand}. They check dimensions, shapes, option lengths and what must be present;
 * what only the data shows (labels out of range, NaN) is each path's own.
 */
public final class Rules {
    private Rules() {
    }

    public static void softmax(int rows, int cols, Operand logits, Operand out) {
        matrix(rows, cols, logits);
        matrix(rows, cols, out);
    }

    /**
     * Cross-entropy: logits [rows, cols] with exactly one of labels [rows] and probability targets
     * [rows, cols]; the optional gradient and softmax outputs [rows, cols].
     */
    public static void crossEntropy(int rows, int cols, Operand logits, Operand labels, Operand targets,
                                    CrossEntropyOptions options, Operand gradOut, Operand probsOut) {
        requireNonNull("options", options);
        matrix(rows, cols, logits);
        if (targets != null) {
            matrix(rows, cols, targets);
            if (options.ignoreIndex() != CrossEntropyOptions.DEFAULT_IGNORE_INDEX) {
                throw new IllegalArgumentException("ignoreIndex (" + options.ignoreIndex()
                        + ") applies to integer labels only, not to probability targets");
            }
        } else {
            vector(rows, "rows", labels);
        }
        if (options.hasClassWeights()) {
            Checks.requireLength("classWeights", options.classWeights(), cols, "cols");
        }
        optionalMatrix(rows, cols, gradOut);
        optionalMatrix(rows, cols, probsOut);
    }

    public static void softmaxBackward(int rows, int cols, Operand probs, Operand gradProbs, Operand out) {
        matrix(rows, cols, probs);
        matrix(rows, cols, gradProbs);
        matrix(rows, cols, out);
    }

    /** The Jacobian: logits [rows, cols], out [rows, cols, cols]. */
    public static void softmaxJacobian(int rows, int cols, Operand logits, Operand out) {
        matrix(rows, cols, logits);
        present(out);
        long size = (long) rows * cols * cols;
        out.require(size, "hold rows × cols × cols = " + rows + " × " + cols + " × " + cols + " = " + size + " floats");
    }

    public static void binaryCrossEntropy(int rows, int cols, Operand logits, Operand targets,
                                          BinaryCrossEntropyOptions options, Operand gradOut, Operand probsOut) {
        requireNonNull("options", options);
        matrix(rows, cols, logits);
        matrix(rows, cols, targets);
        if (options.posWeight() != null) {
            Checks.requireLength("posWeight", options.posWeight(), cols, "cols");
        }
        optionalMatrix(rows, cols, gradOut);
        optionalMatrix(rows, cols, probsOut);
    }

    /**
     * The classifier: x [rows, features], w [features, classes], b [classes] or absent, labels
     * [rows]; the optional gradients dW [features, classes], db [classes] (only with b), dX [rows,
     * features].
     */
    public static void classifier(int rows, int features, int classes, Operand x, Operand w, Operand b, Operand labels,
                                  ClassifierOptions options, Operand gradW, Operand gradB, Operand gradX) {
        classifier(rows, features, classes, x, w, b, labels, options, gradW, gradB, gradX, null);
    }

    /** As the other, with the optional predicted classes [rows] (ints). */
    public static void classifier(int rows, int features, int classes, Operand x, Operand w, Operand b, Operand labels,
                                  ClassifierOptions options, Operand gradW, Operand gradB, Operand gradX,
                                  Operand predicted) {
        requireNonNull("options", options);
        linearInputs(rows, features, "classes", classes, x, w, b, gradB);
        vector(rows, "rows", labels);
        CrossEntropyOptions ce = options.crossEntropy();
        if (ce.hasClassWeights()) {
            Checks.requireLength("classWeights", ce.classWeights(), classes, "classes");
        }
        linearGradients(rows, features, "classes", classes, gradW, gradB, gradX);
        if (predicted != null && predicted.present()) {
            predicted.require(rows, "have length rows = " + rows);
        }
    }

    /**
     * The classifier's forward pass: x [rows, features], w [features, classes], b [classes] or
     * absent; the probabilities [rows, classes] and the predicted classes [rows], at least one.
     */
    public static void linearSoftmax(int rows, int features, int classes, Operand x, Operand w, Operand b,
                                     Operand probsOut, Operand predictedOut) {
        linearInputs(rows, features, "classes", classes, x, w, b, Operand.of("gradB", null));
        if (!probsOut.present() && !predictedOut.present()) {
            throw new NullPointerException("probsOut and predictedOut are both null: nothing to compute");
        }
        if (probsOut.present()) {
            shape("rows", rows, "classes", classes, probsOut);
        }
        if (predictedOut.present()) {
            predictedOut.require(rows, "have length rows = " + rows);
        }
    }

    /**
     * The binary classifier: x [rows, features], w [features, outputs], b [outputs] or absent,
     * targets [rows, outputs]; the optional gradients as for {@link #classifier}.
     */
    public static void binaryClassifier(int rows, int features, int outputs, Operand x, Operand w, Operand b,
                                        Operand targets, BinaryClassifierOptions options, Operand gradW,
                                        Operand gradB, Operand gradX) {
        binaryClassifier(rows, features, outputs, x, w, b, targets, options, gradW, gradB, gradX, null);
    }

    /** As the other, with the optional predictions [rows, outputs] (ints: 1 where the logit is > 0). */
    public static void binaryClassifier(int rows, int features, int outputs, Operand x, Operand w, Operand b,
                                        Operand targets, BinaryClassifierOptions options, Operand gradW,
                                        Operand gradB, Operand gradX, Operand predicted) {
        if (predicted != null && predicted.present()) {
            dimensions("rows", rows, "outputs", outputs);
            long count = (long) rows * outputs;
            predicted.require(count, "hold rows × outputs = " + rows + " × " + outputs + " = " + count + " ints");
        }
        requireNonNull("options", options);
        linearInputs(rows, features, "outputs", outputs, x, w, b, gradB);
        shape("rows", rows, "outputs", outputs, targets);
        float[] posWeight = options.binaryCrossEntropy().posWeight();
        if (posWeight != null) {
            Checks.requireLength("posWeight", posWeight, outputs, "outputs");
        }
        linearGradients(rows, features, "outputs", outputs, gradW, gradB, gradX);
    }

    /**
     * The linear layer both classifiers share: the dimensions, x [rows, features], w [features,
     * outputs] and b [outputs] or absent (and then no gradB); outputsName is how the caller's API
     * names the outputs ("classes" or "outputs").
     */
    private static void linearInputs(int rows, int features, String outputsName, int outputs, Operand x, Operand w,
                                     Operand b, Operand gradB) {
        dimensions("rows", rows, "features", features);
        dimensions("features", features, outputsName, outputs);
        dimensions("rows", rows, outputsName, outputs);
        shape("rows", rows, "features", features, x);
        shape("features", features, outputsName, outputs, w);
        if (b.present()) {
            vector(outputs, outputsName, b);
        } else if (gradB.present()) {
            throw new IllegalArgumentException("gradB was given but b is null: there is no bias to differentiate");
        }
    }

    /** The linear layer's optional gradients: dW [features, outputs], db [outputs], dX [rows, features]. */
    private static void linearGradients(int rows, int features, String outputsName, int outputs, Operand gradW,
                                        Operand gradB, Operand gradX) {
        if (gradW.present()) {
            shape("features", features, outputsName, outputs, gradW);
        }
        if (gradB.present()) {
            vector(outputs, outputsName, gradB);
        }
        if (gradX.present()) {
            shape("rows", rows, "features", features, gradX);
        }
    }

    /** Both dimensions at least 1. */
    public static void dimensions(String rowsName, int rows, String colsName, int cols) {
        requirePositive(rowsName, rows);
        requirePositive(colsName, cols);
    }

    private static void matrix(int rows, int cols, Operand a) {
        dimensions("rows", rows, "cols", cols);
        shape("rows", rows, "cols", cols, a);
    }

    private static void optionalMatrix(int rows, int cols, Operand a) {
        if (a != null && a.present()) {
            shape("rows", rows, "cols", cols, a);
        }
    }

    private static void shape(String rowsName, int rows, String colsName, int cols, Operand a) {
        present(a);
        long count = (long) rows * cols;
        a.require(count, "hold " + rowsName + " × " + colsName + " = " + rows + " × " + cols + " = " + count + " floats");
    }

    private static void vector(int length, String lengthName, Operand a) {
        present(a);
        a.require(length, "have length " + lengthName + " = " + length);
    }

    private static void present(Operand a) {
        if (!a.present()) {
            throw new NullPointerException(a.name() + " must not be null");
        }
    }
}
