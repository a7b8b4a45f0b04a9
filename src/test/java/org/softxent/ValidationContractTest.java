package org.softxent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.softxent.testing.Close;
import org.softxent.testing.EngineTest;

/**
 * The bad-input catalogue of the API, on every engine: for each bad call, the exception's type, a
 * message that names the argument (and the shapes), that no input and no output array of the call
 * changed, and that the engine still computes correctly right after. Outputs are poisoned with NaN
 * and must still be NaN. (The CPU scans inputs for NaN and infinities before it writes anything;
 * the GPU finds them during the pass, and its outputs are then unspecified: for those cases the
 * outputs are checked where {@link #refusesValuesBeforeWriting()}.)
 */
public abstract class ValidationContractTest extends EngineTest {
    private static final int N = 4;
    private static final int C = 10;

    /** One bad call, what it must throw, and the fragments its message must hold. */
    record Case(String name, Class<? extends Throwable> type, boolean foundInThePass, Call call, String... fragments) {
    }

    interface Call {
        void on(Args a) throws Throwable;
    }

    /** Bad arguments the API refuses before any work. */
    static Case refused(String name, Class<? extends Throwable> type, Call call, String... fragments) {
        return new Case(name, type, false, call, fragments);
    }

    /** Bad values the engine finds in the data (NaN, infinities). */
    static Case found(String name, Call call, String... fragments) {
        return new Case(name, IllegalArgumentException.class, true, call, fragments);
    }

    /**
     * The arrays of one call: each input it asks for (a copy is kept) and each output (poisoned
     * with NaN); afterwards every input must be as it was and every output still poisoned.
     */
    static final class Args {
        private final Map<Object, Object> inputs = new IdentityHashMap<>();
        private final List<float[]> outputs = new ArrayList<>();

        /** Logits [N, C], finite, with entry {@code index} set to {@code value} when index ≥ 0. */
        float[] logits(int index, float value) {
            float[] z = new float[N * C];
            for (int i = 0; i < z.length; i++) {
                z[i] = (float) Math.sin(i);
            }
            if (index >= 0) {
                z[index] = value;
            }
            return in(z);
        }

        float[] logits() {
            return logits(-1, 0f);
        }

        int[] labels(int... values) {
            int[] y = values.length == 0 ? new int[] {0, 3, 9, 5} : values;
            inputs.put(y, y.clone());
            return y;
        }

        /** A zero-filled input of {@code size}, with entry {@code index} set to {@code value} when index ≥ 0. */
        float[] in(int size, int index, float value) {
            float[] a = new float[size];
            if (index >= 0) {
                a[index] = value;
            }
            return in(a);
        }

        float[] in(int size) {
            return in(size, -1, 0f);
        }

        float[] in(float[] a) {
            inputs.put(a, a.clone());
            return a;
        }

        float[] out(int size) {
            float[] a = Close.poisoned(size);
            outputs.add(a);
            return a;
        }

        void assertInputsUnchanged() {
            inputs.forEach((array, copy) -> {
                if (array instanceof float[] f) {
                    assertArrayEquals((float[]) copy, f, "an input changed");
                } else {
                    assertArrayEquals((int[]) copy, (int[]) array, "an input changed");
                }
            });
        }

        void assertOutputsUnchanged() {
            for (float[] o : outputs) {
                for (int i = 0; i < o.length; i++) {
                    assertTrue(Float.isNaN(o[i]), "output entry " + i + " was written: " + o[i]);
                }
            }
        }
    }

    /** Whether the engine finds bad values before it writes an output (the CPU) or during the pass (the GPU). */
    protected boolean refusesValuesBeforeWriting() {
        return sx.device() == Device.CPU;
    }

    @TestFactory
    Stream<DynamicTest> everyBadCallIsRefusedAndChangesNothing() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Args a = new Args();
            Throwable e = assertThrows(c.type(), () -> c.call().on(a), c.name());
            for (String f : c.fragments()) {
                assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                        "message '" + e.getMessage() + "' should contain '" + f + "'");
            }
            a.assertInputsUnchanged();
            if (!c.foundInThePass() || refusesValuesBeforeWriting()) {
                a.assertOutputsUnchanged();
            }
            engineStillWorks();
        }));
    }

    /** A rejected call must leave the engine as it was: the next call computes the right answer. */
    @AfterEach
    void engineStillWorks() {
        float[] p = sx.softmax(new float[] {0f, (float) Math.log(3)}, 1, 2);
        assertEquals(0.25f, p[0], 1e-6f);
        assertEquals(0.75f, p[1], 1e-6f);
    }

    private static CrossEntropyOptions defaults() {
        return CrossEntropyOptions.defaults();
    }

    private List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.addAll(shapeCases());
        cases.addAll(outputCases());
        cases.addAll(nullCases());
        cases.addAll(valueCases());
        cases.addAll(optionCases());
        return cases;
    }

    private List<Case> shapeCases() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Class<ShapeMismatchException> sme = ShapeMismatchException.class;
        ClassifierOptions o = ClassifierOptions.defaults();
        return List.of(
            refused("an empty batch", iae, a -> sx.softmax(a.in(0), 0, C), "rows", "at least 1", "0"),
            refused("zero classes", iae, a -> sx.softmax(a.in(0), N, 0), "cols", "at least 1"),
            refused("cross-entropy of an empty batch", iae, a -> sx.crossEntropy(a.in(0), 0, C, a.labels(new int[0]),
                    defaults()), "rows", "at least 1"),
            refused("the classifier on an empty batch", iae, a -> sx.classifier(a.in(0), a.in(C), null,
                    a.labels(new int[0]), 0, 1, C, o), "rows", "at least 1"),
            refused("the classifier without features", iae, a -> sx.classifier(a.in(N), a.in(0), null, a.labels(),
                    N, 0, C, o), "features", "at least 1"),
            refused("logits one short", sme, a -> sx.crossEntropy(a.in(39), N, C, a.labels(), defaults()),
                    "logits", "4 × 10", "40", "39"),
            refused("logits one long", sme, a -> sx.softmax(a.in(41), N, C), "logits", "41"),
            refused("binary cross-entropy logits of the wrong length", sme, a -> sx.binaryCrossEntropy(a.in(3),
                    a.in(N * C), N, C, BinaryCrossEntropyOptions.defaults()), "logits", "3"),
            refused("labels of the wrong length", sme, a -> sx.crossEntropy(a.logits(), N, C, a.labels(0, 1, 2),
                    defaults()), "labels", "rows = 4", "3"),
            refused("a label past the last class", iae, a -> sx.crossEntropy(a.logits(), N, C, a.labels(0, 10, 1, 2),
                    defaults()), "labels[1] = 10", "[0, 10)", "-100"),
            refused("a negative label that is not the ignore index", iae, a -> sx.crossEntropy(a.logits(), N, C,
                    a.labels(0, 1, -1, 2), defaults()), "labels[2] = -1"),
            refused("a classifier label past the last class", iae, a -> sx.classifier(a.in(N * 2), a.in(2 * C), null,
                    a.labels(0, 1, 2, 11), N, 2, C, o), "labels[3] = 11"),
            refused("class weights of the wrong length", sme, a -> sx.crossEntropy(a.logits(), N, C, a.labels(),
                    defaults().withClassWeights(new float[9])), "classWeights", "cols = 10", "9"),
            refused("pos_weight of the wrong length", sme, a -> sx.binaryCrossEntropy(a.logits(), a.in(N * C), N, C,
                    BinaryCrossEntropyOptions.defaults().withPosWeight(new float[3])), "posWeight", "cols = 10", "3"),
            refused("classifier class weights of the wrong length", sme, a -> sx.classifier(a.in(N * 2),
                    a.in(2 * C), null, a.labels(), N, 2, C,
                    o.withCrossEntropy(defaults().withClassWeights(new float[2]))), "classWeights", "classes = 10"),
            refused("probability targets of the wrong shape", sme, a -> sx.crossEntropyWithTargets(a.logits(), N, C,
                    a.in(30), defaults()), "targetProbs", "4 × 10", "30"),
            refused("binary targets of the wrong shape", sme, a -> sx.binaryCrossEntropy(a.logits(), a.in(30), N, C,
                    BinaryCrossEntropyOptions.defaults()), "targets", "30"),
            refused("an upstream gradient of the wrong shape", sme, a -> sx.softmaxBackward(a.logits(), a.in(3),
                    N, C), "gradProbs", "3"),
            refused("a Jacobian too large for an array", iae, a -> sx.softmaxJacobian(a.in(50_000), 1, 50_000),
                    "logits", "Jacobian", "softmaxBackward"),
            refused("classifier x of the wrong shape", sme, a -> sx.classifier(a.in(N * 3), a.in(2 * C), null,
                    a.labels(), N, 2, C, o), "x", "4 × 2", "12"),
            refused("classifier w of the wrong shape", sme, a -> sx.classifier(a.in(N * 2), a.in(3 * C), null,
                    a.labels(), N, 2, C, o), "w", "2 × 10", "30"),
            refused("classifier b of the wrong length", sme, a -> sx.classifier(a.in(N * 2), a.in(2 * C), a.in(9),
                    a.labels(), N, 2, C, o), "b", "classes = 10", "9"),
            refused("binary classifier targets of the wrong shape", sme, a -> sx.binaryClassifier(a.in(N * 2),
                    a.in(2 * 3), null, a.in(N * 2), N, 2, 3, BinaryClassifierOptions.defaults()), "targets",
                    "4 × 3", "8"),
            refused("binary classifier pos_weight of the wrong length", sme, a -> sx.binaryClassifier(a.in(N * 2),
                    a.in(2 * 3), null, a.in(N * 3), N, 2, 3, BinaryClassifierOptions.defaults().withBinaryCrossEntropy(
                    BinaryCrossEntropyOptions.defaults().withPosWeight(new float[] {1, 2}))), "posWeight",
                    "outputs = 3", "2"));
    }

    private List<Case> outputCases() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        Class<ShapeMismatchException> sme = ShapeMismatchException.class;
        ClassifierOptions o = ClassifierOptions.defaults();
        return List.of(
            refused("a gradient output of the wrong shape", sme, a -> sx.crossEntropy(a.logits(), N, C, a.labels(),
                    defaults(), a.out(5), null), "gradOut", "5"),
            refused("a probabilities output of the wrong shape", sme, a -> sx.crossEntropy(a.logits(), N, C,
                    a.labels(), defaults(), null, a.out(5)), "probsOut", "5"),
            refused("a softmax output of the wrong shape", sme, a -> sx.softmax(a.logits(), N, C, a.out(39)),
                    "out", "39"),
            refused("one array for two outputs", iae, a -> {
                float[] shared = a.out(N * C);
                sx.crossEntropy(a.logits(), N, C, a.labels(), defaults(), shared, shared);
            }, "gradOut", "probsOut", "same array"),
            refused("the logits as the gradient output", iae, a -> {
                float[] z = a.logits();
                sx.crossEntropy(z, N, C, a.labels(), defaults(), z, a.out(N * C));
            }, "logits", "gradOut", "same array"),
            refused("the logits as the softmax output", iae, a -> {
                float[] z = a.logits();
                sx.softmax(z, N, C, z);
            }, "same array"),
            refused("a Jacobian output of the wrong shape", sme, a -> sx.softmaxJacobian(a.logits(), N, C,
                    a.out(N * C)), "out", "4 × 10 × 10 = 400"),
            refused("a bias gradient without a bias", iae, a -> sx.classifier(a.in(N * 2), a.in(2 * C), null,
                    a.labels(), N, 2, C, o, a.out(2 * C), a.out(C), null), "gradB", "b is null"),
            refused("a dX output of the wrong shape", sme, a -> sx.classifier(a.in(N * 2), a.in(2 * C), null,
                    a.labels(), N, 2, C, o, a.out(2 * C), null, a.out(7)), "gradX", "4 × 2", "7"),
            refused("the weights as their own gradient", iae, a -> {
                float[] w = a.in(2 * C);
                sx.classifier(a.in(N * 2), w, null, a.labels(), N, 2, C, o, w, null, a.out(N * 2));
            }, "w", "gradW", "same array"));
    }

    private List<Case> nullCases() {
        Class<NullPointerException> npe = NullPointerException.class;
        ClassifierOptions o = ClassifierOptions.defaults();
        return List.of(
            refused("null logits", npe, a -> sx.softmax(null, N, C), "logits"),
            refused("null labels", npe, a -> sx.crossEntropy(a.logits(), N, C, null, defaults()), "labels"),
            refused("null options", npe, a -> sx.crossEntropy(a.logits(), N, C, a.labels(), null), "options"),
            refused("null probability targets", npe, a -> sx.crossEntropyWithTargets(a.logits(), N, C, null,
                    defaults()), "targetProbs"),
            refused("a null upstream gradient", npe, a -> sx.softmaxBackward(a.logits(), null, N, C), "gradProbs"),
            refused("null binary targets", npe, a -> sx.binaryCrossEntropy(a.logits(), null, N, C,
                    BinaryCrossEntropyOptions.defaults()), "targets"),
            refused("a null x", npe, a -> sx.classifier(null, a.in(2 * C), null, a.labels(), N, 2, C, o), "x"),
            refused("a null w", npe, a -> sx.classifier(a.in(N * 2), null, null, a.labels(), N, 2, C, o), "w"),
            refused("a null device", npe, a -> Softxent.open(null), "device"));
    }

    private List<Case> valueCases() {
        ClassifierOptions o = ClassifierOptions.defaults();
        return List.of(
            found("NaN in the logits of cross-entropy", a -> sx.crossEntropy(a.logits(13, Float.NaN), N, C,
                    a.labels(), defaults(), a.out(N * C), a.out(N * C)), "logits[1, 3]", "NaN"),
            found("NaN in the logits of softmax", a -> sx.softmax(a.logits(13, Float.NaN), N, C, a.out(N * C)),
                    "logits[1, 3]"),
            found("+inf in the logits of log-softmax", a -> sx.logSoftmax(a.logits(0, Float.POSITIVE_INFINITY), N, C,
                    a.out(N * C)), "logits[0, 0]", "Infinity"),
            found("+inf in the logits of cross-entropy", a -> sx.crossEntropy(a.logits(13, Float.POSITIVE_INFINITY),
                    N, C, a.labels(), defaults(), a.out(N * C), null), "logits[1, 3]", "Infinity",
                    "-inf for a masked class"),
            found("-inf in the logits of binary cross-entropy", a -> sx.binaryCrossEntropy(
                    a.logits(13, Float.NEGATIVE_INFINITY), a.in(N * C), N, C, BinaryCrossEntropyOptions.defaults(),
                    a.out(N * C), a.out(N * C)), "logits[1, 3]", "must be finite"),
            found("+inf in the binary targets", a -> sx.binaryCrossEntropy(a.logits(), a.in(N * C, 7,
                    Float.POSITIVE_INFINITY), N, C, BinaryCrossEntropyOptions.defaults(), a.out(N * C), null),
                    "targets[0, 7]"),
            found("NaN in the probability targets", a -> sx.crossEntropyWithTargets(a.logits(), N, C,
                    a.in(N * C, 39, Float.NaN), defaults(), a.out(N * C), a.out(N * C)), "targetProbs[3, 9]"),
            found("NaN in the upstream gradient", a -> sx.softmaxBackward(a.logits(), a.in(N * C, 39, Float.NaN),
                    N, C, a.out(N * C)), "gradProbs[3, 9]"),
            found("NaN in the probabilities of the backward pass", a -> sx.softmaxBackward(a.in(N * C, 2, Float.NaN),
                    a.logits(), N, C, a.out(N * C)), "probs[0, 2]"),
            found("NaN in the logits of the Jacobian", a -> sx.softmaxJacobian(a.logits(5, Float.NaN), N, C,
                    a.out(N * C * C)), "logits[0, 5]"),
            found("NaN in the classifier's x", a -> sx.classifier(a.in(N * 2, 5, Float.NaN), a.in(2 * C), null,
                    a.labels(), N, 2, C, o, a.out(2 * C), null, a.out(N * 2)), "x[2, 1]"),
            found("NaN in the classifier's w", a -> sx.classifier(a.in(N * 2), a.in(2 * C, 12, Float.NaN), null,
                    a.labels(), N, 2, C, o, a.out(2 * C), null, a.out(N * 2)), "w[1, 2]"),
            found("-inf in the classifier's b", a -> sx.classifier(a.in(N * 2), a.in(2 * C),
                    a.in(C, 4, Float.NEGATIVE_INFINITY), a.labels(), N, 2, C, o, a.out(2 * C), a.out(C), null),
                    "b[0, 4]"),
            found("NaN in the binary classifier's targets", a -> sx.binaryClassifier(a.in(N * 2), a.in(2 * 3), null,
                    a.in(N * 3, 4, Float.NaN), N, 2, 3, BinaryClassifierOptions.defaults(), a.out(2 * 3), null,
                    a.out(N * 2)), "targets[1, 1]"));
    }

    private List<Case> optionCases() {
        Class<IllegalArgumentException> iae = IllegalArgumentException.class;
        return List.of(
            refused("label smoothing below 0", iae, a -> defaults().withLabelSmoothing(-0.1), "labelSmoothing",
                    "-0.1"),
            refused("label smoothing above 1", iae, a -> defaults().withLabelSmoothing(1.5), "labelSmoothing", "1.5"),
            refused("label smoothing NaN", iae, a -> defaults().withLabelSmoothing(Double.NaN), "labelSmoothing"),
            refused("NaN in the class weights", iae, a -> defaults().withClassWeights(a.in(C, 2, Float.NaN)),
                    "classWeights[2]"),
            refused("+inf in pos_weight", iae, a -> BinaryCrossEntropyOptions.defaults().withPosWeight(
                    a.in(new float[] {1, Float.POSITIVE_INFINITY})), "posWeight[1]"),
            refused("a negative L2 strength", iae, a -> ClassifierOptions.defaults().withReg(-1), "reg", "-1"),
            refused("a NaN L2 strength", iae, a -> ClassifierOptions.defaults().withReg(Double.NaN), "reg"),
            refused("reduction none for the classifier", iae, a -> ClassifierOptions.defaults()
                    .withCrossEntropy(defaults().withReduction(Reduction.NONE)), "reduction", "none"),
            refused("reduction none for the binary classifier", iae, a -> BinaryClassifierOptions.defaults()
                    .withBinaryCrossEntropy(BinaryCrossEntropyOptions.defaults().withReduction(Reduction.NONE)),
                    "reduction", "none"),
            refused("an ignore index with probability targets", iae, a -> sx.crossEntropyWithTargets(a.logits(), N, C,
                    a.in(N * C), defaults().withIgnoreIndex(1), a.out(N * C), null), "ignoreIndex",
                    "integer labels only"),
            refused("an unknown reduction", iae, a -> Reduction.parse("avg"), "mean, sum or none", "avg"),
            refused("an unknown device", iae, a -> Device.parse("tpu"), "auto, cpu or gpu", "tpu"),
            refused("a gradient to check of the wrong length", ShapeMismatchException.class, a -> GradientCheck.of(
                    z -> 0.0, a.in(3), a.in(2), GradientCheck.Options.all()), "analyticGradient", "3", "2"),
            refused("a gradient check of no coordinates", iae, a -> GradientCheck.Options.sampled(0, 1), "count"),
            refused("a gradient check step of 0", iae, a -> GradientCheck.Options.all().withStep(0), "step"),
            refused("a negative gradient check floor", iae, a -> GradientCheck.Options.all().withFloor(-1), "floor"),
            refused("a closed engine", IllegalStateException.class, a -> {
                Softxent closed = Softxent.open(sx.device());
                closed.close();
                closed.softmax(a.logits(), N, C, a.out(N * C));
            }, "closed"),
            // Closed says so first, before any check of what the call was given.
            refused("a closed engine given bad arguments", IllegalStateException.class, a -> {
                Softxent closed = Softxent.open(sx.device());
                closed.close();
                closed.crossEntropy(null, -1, 0, null, null);
            }, "closed"),
            refused("a closed engine asked for a Jacobian too large", IllegalStateException.class, a -> {
                Softxent closed = Softxent.open(sx.device());
                closed.close();
                closed.softmaxJacobian(a.logits(), 1, 100_000);
            }, "closed"));
    }

    // Not bad input, but what makes options safe to share: they copy what they are given.

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

    @Test
    void minusOneIsALabelOnceItIsTheIgnoreIndex() {
        Args a = new Args();
        sx.crossEntropy(a.logits(), N, C, a.labels(0, 1, -1, 2), defaults().withIgnoreIndex(-1));
        // and -inf in the logits is a masked class, not an error
        sx.crossEntropy(a.logits(13, Float.NEGATIVE_INFINITY), N, C, a.labels(), defaults());
    }
}
