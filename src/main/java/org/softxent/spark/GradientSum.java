package org.softxent.spark;

import java.io.Serializable;
import java.util.TreeSet;
import org.softxent.ClassifierResult;
import org.softxent.Softxent;

/**
 * The sum of the blocks' losses and gradients (each row weighted by its instance weight in the
 * classifier's pass), combined across partitions by
 * {@code treeAggregate}. The gradient is laid out as the optimiser's vector: W [features, outputs]
 * row-major, then the intercepts [outputs] when they are fitted. Also collects the engines that
 * computed (their descriptions), so that a fit can say where it ran.
 */
final class GradientSum implements Serializable {
    private static final long serialVersionUID = 2L;

    double loss;
    /** Null until a block is added: the zero value travels with every task, so it stays small. */
    double[] gradient;
    /**
     * Without an intercept: Σᵢ dSᵢ [outputs], the part of the weight gradient that the centring
     * moved out of the products (the driver's first-order rounding term leaves it out); else null.
     */
    double[] columns;
    final int size;
    final TreeSet<String> engines = new TreeSet<>();
    private transient float[] gradW;
    private transient float[] gradB;

    GradientSum(int size) {
        this.size = size;
    }

    /**
     * Adds one block at the coefficients w [features, outputs] and b [outputs]: the intercepts, or
     * without them the offsets c·θ of the centring ({@link Setup#scaledMean}).
     */
    GradientSum add(Block block, Setup s, float[] w, float[] b) {
        Softxent engine = Engines.forTask(s.device, s.precision);
        int f = s.features;
        int k = s.outputs;
        // One pair of gradient arrays per task, not per block.
        if (gradW == null) {
            gradW = new float[f * k];
            gradB = new float[k];
        }
        float[] gb = b == null ? null : gradB;
        double[] c = s.scaledMean;
        float[] gw = gradW;
        ClassifierResult r = Engines.compute(engine, () -> s.multinomial
                ? engine.classifier(block.x, w, b, block.labels, block.weights, block.rows, f, k, s.classifierOptions(),
                        gw, gb, null, null)
                : engine.binaryClassifier(block.x, w, b, block.targets, block.weights, block.rows, f, k,
                        s.binaryOptions(), gw, gb, null, null));
        loss += r.loss();
        // After the call: a CPU engine names OpenBLAS, loaded at its first product, until a load fails.
        engines.add(engine.description());
        if (gradient == null) {
            gradient = new double[size];
        }
        for (int i = 0; i < gradW.length; i++) {
            gradient[i] += gradW[i];
        }
        if (c != null) { // the rows' centring undone: dW = x̂ᵀ·dS + c ⊗ Σᵢ dSᵢ
            if (columns == null) {
                columns = new double[k];
            }
            for (int j = 0; j < f; j++) {
                for (int i = 0; i < k; i++) {
                    gradient[j * k + i] += c[j] * gb[i];
                }
            }
            for (int i = 0; i < k; i++) {
                columns[i] += gb[i];
            }
        } else if (gb != null) {
            for (int i = 0; i < k; i++) {
                gradient[f * k + i] += gb[i];
            }
        }
        return this;
    }

    GradientSum merge(GradientSum o) {
        loss += o.loss;
        if (gradient == null) {
            gradient = o.gradient;
        } else if (o.gradient != null) {
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] += o.gradient[i];
            }
        }
        if (columns == null) {
            columns = o.columns;
        } else if (o.columns != null) {
            for (int i = 0; i < columns.length; i++) {
                columns[i] += o.columns[i];
            }
        }
        engines.addAll(o.engines);
        return this;
    }
}
