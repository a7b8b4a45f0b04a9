package org.softxent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.softxent.testing.EngineTest;

/**
 * Every validation rule, on every engine: the exception's type, and a message that names the
 * argument and the shapes. After each rejected call the engine must still compute correctly.
 */
public abstract class ValidationContractTest extends EngineTest {
    private static final int N = 4;
    private static final int C = 10;

    private final float[] logits = new float[N * C];
    private final int[] labels = {0, 3, 9, 5};

    {
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
    }

    /** A rejected call must leave the engine as it was: the next call computes the right answer. */
    @AfterEach
    void engineStillWorks() {
        float[] p = sx.softmax(new float[] {0f, (float) Math.log(3)}, 1, 2);
        assertEquals(0.25f, p[0], 1e-6f);
        assertEquals(0.75f, p[1], 1e-6f);
    }

    private static <T extends Throwable> void rejects(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                    "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    private CrossEntropyOptions defaults() {
        return CrossEntropyOptions.defaults();
    }

    // Shapes and sizes ---------------------------------------------------------------------------

    @Test
    void emptyBatchesAndZeroClasses() {
        rejects(IllegalArgumentException.class, () -> sx.softmax(new float[0], 0, C), "rows", "at least 1", "0");
        rejects(IllegalArgumentException.class, () -> sx.softmax(new float[0], N, 0), "cols", "at least 1");
        rejects(IllegalArgumentException.class,
                () -> sx.crossEntropy(new float[0], 0, C, new int[0], defaults()), "rows", "at least 1");
        rejects(IllegalArgumentException.class, () -> sx.classifier(new float[0], new float[C], null, new int[0],
                0, 1, C, ClassifierOptions.defaults()), "rows", "at least 1");
        rejects(IllegalArgumentException.class, () -> sx.classifier(new float[N], new float[0], null, labels,
                N, 0, C, ClassifierOptions.defaults()), "features", "at least 1");
    }

    @Test
    void logitsOfTheWrongLength() {
        rejects(ShapeMismatchException.class, () -> sx.crossEntropy(new float[39], N, C, labels, defaults()),
                "logits", "4 × 10", "40", "39");
        rejects(ShapeMismatchException.class, () -> sx.softmax(new float[41], N, C), "logits", "41");
        rejects(ShapeMismatchException.class, () -> sx.binaryCrossEntropy(new float[3], new float[40], N, C,
                BinaryCrossEntropyOptions.defaults()), "logits", "3");
    }

    @Test
    void labelsOfTheWrongLengthOrOutOfRange() {
        rejects(ShapeMismatchException.class, () -> sx.crossEntropy(logits, N, C, new int[3], defaults()),
                "labels", "rows = 4", "3");
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(logits, N, C, new int[] {0, 10, 1, 2},
                defaults()), "labels[1] = 10", "[0, 10)", "-100");
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(logits, N, C, new int[] {0, 1, -1, 2},
                defaults()), "labels[2] = -1");
        rejects(IllegalArgumentException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], null,
                new int[] {0, 1, 2, 11}, N, 2, C, ClassifierOptions.defaults()), "labels[3] = 11");
        // −1 is fine once it is the ignore index.
        sx.crossEntropy(logits, N, C, new int[] {0, 1, -1, 2}, defaults().withIgnoreIndex(-1));
    }

    @Test
    void classWeightsAndPosWeightOfTheWrongLength() {
        rejects(ShapeMismatchException.class, () -> sx.crossEntropy(logits, N, C, labels,
                defaults().withClassWeights(new float[9])), "classWeights", "cols = 10", "9");
        rejects(ShapeMismatchException.class, () -> sx.binaryCrossEntropy(logits, new float[N * C], N, C,
                BinaryCrossEntropyOptions.defaults().withPosWeight(new float[3])), "posWeight", "cols = 10", "3");
        rejects(ShapeMismatchException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], null, labels,
                N, 2, C, ClassifierOptions.defaults().withCrossEntropy(defaults().withClassWeights(new float[2]))),
                "classWeights", "classes = 10");
    }

    @Test
    void targetsOfTheWrongShape() {
        rejects(ShapeMismatchException.class, () -> sx.crossEntropyWithTargets(logits, N, C, new float[30],
                defaults()), "targetProbs", "4 × 10", "30");
        rejects(ShapeMismatchException.class, () -> sx.binaryCrossEntropy(logits, new float[30], N, C,
                BinaryCrossEntropyOptions.defaults()), "targets", "30");
        rejects(ShapeMismatchException.class, () -> sx.softmaxBackward(logits, new float[3], N, C),
                "gradProbs", "3");
    }

    @Test
    void outputsOfTheWrongShapeOrSharedWithInputs() {
        rejects(ShapeMismatchException.class, () -> sx.crossEntropy(logits, N, C, labels, defaults(),
                new float[5], null), "gradOut", "5");
        rejects(ShapeMismatchException.class, () -> sx.crossEntropy(logits, N, C, labels, defaults(),
                null, new float[5]), "probsOut", "5");
        rejects(ShapeMismatchException.class, () -> sx.softmax(logits, N, C, new float[39]), "out", "39");
        float[] shared = new float[N * C];
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(logits, N, C, labels, defaults(),
                shared, shared), "gradOut", "probsOut", "same array");
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(logits, N, C, labels, defaults(),
                logits, null), "logits", "gradOut", "same array");
        rejects(IllegalArgumentException.class, () -> sx.softmax(logits, N, C, logits), "same array");
        rejects(ShapeMismatchException.class, () -> sx.softmaxJacobian(logits, N, C, new float[N * C]),
                "out", "4 × 10 × 10 = 400");
    }

    @Test
    void jacobiansTooLargeForAnArray() {
        rejects(IllegalArgumentException.class, () -> sx.softmaxJacobian(new float[50_000], 1, 50_000),
                "Jacobian", "softmaxBackward");
    }

    @Test
    void classifierShapes() {
        ClassifierOptions o = ClassifierOptions.defaults();
        rejects(ShapeMismatchException.class, () -> sx.classifier(new float[N * 3], new float[2 * C], null, labels,
                N, 2, C, o), "x", "4 × 2", "12");
        rejects(ShapeMismatchException.class, () -> sx.classifier(new float[N * 2], new float[3 * C], null, labels,
                N, 2, C, o), "w", "2 × 10", "30");
        rejects(ShapeMismatchException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], new float[9],
                labels, N, 2, C, o), "b", "classes = 10", "9");
        rejects(IllegalArgumentException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], null, labels,
                N, 2, C, o, null, new float[C], null), "gradB", "b is null");
        rejects(ShapeMismatchException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], null, labels,
                N, 2, C, o, null, null, new float[7]), "gradX", "4 × 2", "7");
    }

    // Nulls --------------------------------------------------------------------------------------

    @Test
    void nullArraysAndOptionsAreNamed() {
        rejects(NullPointerException.class, () -> sx.softmax(null, N, C), "logits");
        rejects(NullPointerException.class, () -> sx.crossEntropy(logits, N, C, null, defaults()), "labels");
        rejects(NullPointerException.class, () -> sx.crossEntropy(logits, N, C, labels, null), "options");
        rejects(NullPointerException.class, () -> sx.crossEntropyWithTargets(logits, N, C, null, defaults()),
                "targetProbs");
        rejects(NullPointerException.class, () -> sx.softmaxBackward(logits, null, N, C), "gradProbs");
        rejects(NullPointerException.class, () -> sx.binaryCrossEntropy(logits, null, N, C,
                BinaryCrossEntropyOptions.defaults()), "targets");
        rejects(NullPointerException.class, () -> sx.classifier(null, new float[2 * C], null, labels, N, 2, C,
                ClassifierOptions.defaults()), "x");
        rejects(NullPointerException.class, () -> sx.classifier(new float[N * 2], null, null, labels, N, 2, C,
                ClassifierOptions.defaults()), "w");
        rejects(NullPointerException.class, () -> Softxent.open(null), "device");
    }

    // Values -------------------------------------------------------------------------------------

    @Test
    void nonFiniteInputsAreRejectedWhereTheyAre() {
        float[] z = logits.clone();
        z[13] = Float.NaN;
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(z, N, C, labels, defaults()),
                "logits[1, 3]", "NaN");
        rejects(IllegalArgumentException.class, () -> sx.softmax(z, N, C), "logits[1, 3]");
        z[13] = Float.POSITIVE_INFINITY;
        rejects(IllegalArgumentException.class, () -> sx.crossEntropy(z, N, C, labels, defaults()),
                "logits[1, 3]", "Infinity", "-inf for a masked class");
        z[13] = Float.NEGATIVE_INFINITY;
        sx.crossEntropy(z, N, C, labels, defaults()); // a mask is fine
        rejects(IllegalArgumentException.class, () -> sx.binaryCrossEntropy(z, new float[N * C], N, C,
                BinaryCrossEntropyOptions.defaults()), "logits[1, 3]", "must be finite");
        float[] t = new float[N * C];
        t[39] = Float.NaN;
        rejects(IllegalArgumentException.class, () -> sx.crossEntropyWithTargets(logits, N, C, t, defaults()),
                "targetProbs[3, 9]");
        rejects(IllegalArgumentException.class, () -> sx.softmaxBackward(logits, t, N, C), "gradProbs[3, 9]");
        float[] x = new float[N * 2];
        x[5] = Float.NaN;
        rejects(IllegalArgumentException.class, () -> sx.classifier(x, new float[2 * C], null, labels, N, 2, C,
                ClassifierOptions.defaults()), "x[2, 1]");
        float[] b = new float[C];
        b[4] = Float.NEGATIVE_INFINITY;
        rejects(IllegalArgumentException.class, () -> sx.classifier(new float[N * 2], new float[2 * C], b, labels,
                N, 2, C, ClassifierOptions.defaults()), "b[0, 4]");
    }

    @Test
    void optionValues() {
        rejects(IllegalArgumentException.class, () -> defaults().withLabelSmoothing(-0.1), "labelSmoothing", "-0.1");
        rejects(IllegalArgumentException.class, () -> defaults().withLabelSmoothing(1.5), "labelSmoothing", "1.5");
        rejects(IllegalArgumentException.class, () -> defaults().withLabelSmoothing(Double.NaN), "labelSmoothing");
        float[] w = new float[C];
        w[2] = Float.NaN;
        rejects(IllegalArgumentException.class, () -> defaults().withClassWeights(w), "classWeights[2]");
        rejects(IllegalArgumentException.class, () -> BinaryCrossEntropyOptions.defaults()
                .withPosWeight(new float[] {1, Float.POSITIVE_INFINITY}), "posWeight[1]");
        rejects(IllegalArgumentException.class, () -> ClassifierOptions.defaults().withReg(-1), "reg", "-1");
        rejects(IllegalArgumentException.class, () -> ClassifierOptions.defaults().withReg(Double.NaN), "reg");
        rejects(IllegalArgumentException.class, () -> ClassifierOptions.defaults()
                .withCrossEntropy(defaults().withReduction(Reduction.NONE)), "reduction", "none");
        rejects(IllegalArgumentException.class, () -> sx.crossEntropyWithTargets(logits, N, C, new float[N * C],
                defaults().withIgnoreIndex(1)), "ignoreIndex", "integer labels only");
        rejects(IllegalArgumentException.class, () -> Reduction.parse("avg"), "mean, sum or none", "avg");
        rejects(IllegalArgumentException.class, () -> Device.parse("tpu"), "auto, cpu or gpu", "tpu");
    }

    @Test
    void optionsAreImmutableCopies() {
        float[] w = new float[C];
        Arrays.fill(w, 1f);
        CrossEntropyOptions o = defaults().withClassWeights(w);
        w[0] = 100f;
        assertEquals(1f, o.classWeights()[0], "the options copied the weights");
        o.classWeights()[1] = 100f;
        assertEquals(1f, o.classWeights()[1], "the accessor returns a copy");
        assertEquals(o, defaults().withClassWeights(o.classWeights()));
    }
}
