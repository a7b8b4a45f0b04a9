package org.softxent.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.ClassifierResult;
import org.softxent.CrossEntropyOptions;
import org.softxent.LossResult;
import org.softxent.Reduction;
import org.softxent.Softxent;
import org.softxent.cli.Inputs.Matrix;
import org.softxent.io.NpyArray;

/**
 * Each operation as named arrays in, named arrays out, in the golden case format. The per-operation
 * commands and {@code check} both run through here, so a case folder and its command line compute
 * exactly the same thing.
 */
final class Operations {
    private Operations() {
    }

    /** Inputs logits [N, C]; output probs (or log_probs) [N, C]. */
    static Map<String, NpyArray> softmax(Softxent sx, Inputs in, boolean log) {
        Matrix z = in.matrix("logits");
        float[] out = log ? sx.logSoftmax(z.data(), z.rows(), z.cols()) : sx.softmax(z.data(), z.rows(), z.cols());
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put(log ? "log_probs" : "probs", NpyArray.ofFloats(out, z.shape()));
        return outputs;
    }

    /**
     * Inputs logits [N, C], labels [N] or target_probs [N, C], optional class_weights [C]; outputs
     * loss (scalar, or [N] for none), grad_logits and probs [N, C].
     */
    static Map<String, NpyArray> crossEntropy(Softxent sx, Inputs in, CrossEntropyOptions options) {
        Matrix z = in.matrix("logits");
        if (in.has("labels") == in.has("target_probs")) {
            throw new InputException("give exactly one of " + in.display("labels") + " and "
                    + in.display("target_probs"));
        }
        if (in.has("class_weights")) {
            options = options.withClassWeights(in.vector("class_weights", z.cols(), "C"));
        }
        float[] grad = new float[z.data().length];
        float[] probs = new float[z.data().length];
        LossResult r = in.has("labels")
                ? sx.crossEntropy(z.data(), z.rows(), z.cols(), in.labels("labels", z.rows()), options, grad, probs)
                : sx.crossEntropyWithTargets(z.data(), z.rows(), z.cols(),
                        in.sameShape("target_probs", z, "logits"), options, grad, probs);
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put("loss", r.reduction() == Reduction.NONE
                ? NpyArray.ofFloats(r.losses(), z.rows())
                : NpyArray.scalar((float) r.loss()));
        outputs.put("grad_logits", NpyArray.ofFloats(grad, z.shape()));
        outputs.put("probs", NpyArray.ofFloats(probs, z.shape()));
        return outputs;
    }

    /**
     * Inputs x [N, D], w [D, C], optional b [C], labels [N], optional class_weights [C]; outputs loss (scalar), grad_w [D, C],
     * grad_b [C] (when b is given) and grad_x [N, D].
     */
    static Map<String, NpyArray> classifier(Softxent sx, Inputs in, ClassifierOptions options) {
        Matrix x = in.matrix("x");
        Matrix w = in.matrix("w");
        if (w.rows() != x.cols()) {
            throw in.bad("w", "expected shape (D, C) with D = " + x.cols() + " (the columns of "
                    + in.display("x") + "), got " + NpyArray.shapeString(w.shape()));
        }
        int n = x.rows();
        int d = x.cols();
        int c = w.cols();
        float[] b = in.has("b") ? in.vector("b", c, "C") : null;
        if (in.has("class_weights")) {
            options = options.withCrossEntropy(
                    options.crossEntropy().withClassWeights(in.vector("class_weights", c, "C")));
        }
        int[] labels = in.labels("labels", n);
        ClassifierResult r = sx.classifier(x.data(), w.data(), b, labels, n, d, c, options,
                new float[d * c], b == null ? null : new float[c], new float[n * d]);
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put("loss", NpyArray.scalar((float) r.loss()));
        outputs.put("grad_w", NpyArray.ofFloats(r.gradW(), d, c));
        if (b != null) {
            outputs.put("grad_b", NpyArray.ofFloats(r.gradB(), c));
        }
        outputs.put("grad_x", NpyArray.ofFloats(r.gradX(), n, d));
        return outputs;
    }

    /**
     * Inputs logits [N, C] and grad_probs [N, C]; outputs probs and grad_logits [N, C]. A row of
     * logits that is all −inf is refused: its softmax is NaN (0/0), and the backward pass takes
     * finite probabilities only.
     */
    static Map<String, NpyArray> softmaxBackward(Softxent sx, Inputs in) {
        Matrix z = in.matrix("logits");
        float[] g = in.sameShape("grad_probs", z, "logits");
        for (int r = 0; r < z.rows(); r++) {
            int j = 0;
            while (j < z.cols() && z.data()[r * z.cols() + j] == Float.NEGATIVE_INFINITY) {
                j++;
            }
            if (j == z.cols()) {
                throw in.bad("logits", "row " + r + " is all -inf: its softmax is NaN (0/0), and the backward pass "
                        + "needs finite probabilities");
            }
        }
        float[] probs = sx.softmax(z.data(), z.rows(), z.cols());
        float[] grad = sx.softmaxBackward(probs, g, z.rows(), z.cols());
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put("probs", NpyArray.ofFloats(probs, z.shape()));
        outputs.put("grad_logits", NpyArray.ofFloats(grad, z.shape()));
        return outputs;
    }

    /** Input logits [N, C]; output jacobian [N, C, C]. */
    static Map<String, NpyArray> softmaxJacobian(Softxent sx, Inputs in) {
        Matrix z = in.matrix("logits");
        // C² floats a row: refused with the shapes and the file before the heap runs out, not after,
        // and before the engine's own refusal of one larger than a Java array (whose advice names
        // the API's softmaxBackward, not the command).
        double elements = (double) z.rows() * z.cols() * z.cols();
        Runtime heap = Runtime.getRuntime();
        long free = heap.maxMemory() - (heap.totalMemory() - heap.freeMemory());
        if (elements <= Integer.MAX_VALUE - 8 && 4 * elements > free) {
            throw in.bad("logits", String.format(java.util.Locale.ROOT, "[%d, %d]: the Jacobian "
                    + "[%d, %d, %d] takes %.0f MiB, more than the %d MiB this JVM's heap has free (for larger "
                    + "heaps: SOFTXENT_JAVA_OPTS=-Xmx... with target/softxent, java -Xmx... -jar otherwise; for a "
                    + "product with it, softmax-backward computes one without it)",
                    z.rows(), z.cols(), z.rows(), z.cols(), z.cols(), 4 * elements / 1048576, free >> 20));
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw in.bad("logits", String.format(java.util.Locale.ROOT, "[%d, %d]: the Jacobian [%d, %d, %d] has "
                    + "%.0f entries, more than one Java array holds; it is meant for small C: for its product with a "
                    + "gradient, softmax-backward computes it without the Jacobian", z.rows(), z.cols(), z.rows(),
                    z.cols(), z.cols(), elements));
        }
        float[] j = sx.softmaxJacobian(z.data(), z.rows(), z.cols());
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put("jacobian", NpyArray.ofFloats(j, z.rows(), z.cols(), z.cols()));
        return outputs;
    }

    /**
     * Inputs logits and targets ([N, K] or [N]), optional pos_weight [K] (for logits [N]: [N], one per
     * element, or one value, as PyTorch broadcasts it); outputs loss (scalar, or
     * the logits' shape for none), grad_logits and probs (the logits' shape).
     */
    static Map<String, NpyArray> binaryCrossEntropy(Softxent sx, Inputs in, BinaryCrossEntropyOptions options) {
        Matrix z = in.matrixOrVector("logits");
        float[] t = in.sameShape("targets", z, "logits");
        if (z.shape().length == 1 && z.rows() > 1 && in.has("pos_weight") && in.length("pos_weight") == z.rows()) {
            // PyTorch broadcasts pos_weight along the last dimension, which for logits [N] is N itself:
            // a pos_weight [N] weighs each element. Viewed as one row of N columns, each column has its
            // own (the losses are elementwise, so mean, sum and none are the same in either view).
            z = new Matrix(z.data(), 1, z.rows(), z.shape());
        }
        if (in.has("pos_weight")) {
            boolean oneD = z.shape().length == 1;
            if (oneD && z.cols() == 1 && in.length("pos_weight") != 1) {
                in.broadcastVector("pos_weight", z.rows(), "N"); // refused: neither one value nor one per element
            }
            options = options.withPosWeight(in.broadcastVector("pos_weight", z.cols(), oneD ? "N" : "K"));
        }
        float[] grad = new float[z.data().length];
        float[] probs = new float[z.data().length];
        LossResult r = sx.binaryCrossEntropy(z.data(), t, z.rows(), z.cols(), options, grad, probs);
        Map<String, NpyArray> outputs = new LinkedHashMap<>();
        outputs.put("loss", r.reduction() == Reduction.NONE
                ? NpyArray.ofFloats(r.losses(), z.shape())
                : NpyArray.scalar((float) r.loss()));
        outputs.put("grad_logits", NpyArray.ofFloats(grad, z.shape()));
        outputs.put("probs", NpyArray.ofFloats(probs, z.shape()));
        return outputs;
    }
}
