package org.softxent;

import static org.softxent.backend.Checks.requireDistinct;
import static org.softxent.backend.Checks.requireLabels;
import static org.softxent.backend.Checks.requireNonNull;
import static org.softxent.backend.Checks.requireRowWeights;
import static org.softxent.backend.Checks.requirePositive;
import static org.softxent.backend.Checks.requireShape;

import java.util.Optional;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.backend.Operand;
import org.softxent.backend.Rules;
import org.softxent.cpu.CpuBackend;
import org.softxent.cuda.CudaBackends;

/**
 * The way in: softmax, cross-entropy losses and their gradients for whole batches, on the GPU or
 * on the CPU.
 *
 * <pre>{@code
 * try (Softxent sx = Softxent.open(Device.AUTO)) {
 *     LossResult r = sx.crossEntropy(logits, n, c, labels, CrossEntropyOptions.defaults());
 *     double loss = r.loss();            // mean over the batch
 *     float[] dLogits = r.gradLogits();  // [n, c]
 * }
 * }</pre>
 *
 * <h2>Conventions</h2>
 * <ul>
 * <li>Matrices are row-major {@code float[]} with their shape given beside them: logits [rows, cols]
 *     are N samples by C classes.</li>
 * <li>Each operation has two forms. The short one allocates its usual outputs. The long one writes
 *     into arrays the caller passes (to avoid allocation in loops); an output passed as {@code null}
 *     is not computed. Inputs are never modified; outputs must not be inputs or each other.</li>
 * <li>Everything is checked before any work: shapes (a {@link ShapeMismatchException} naming the
 *     argument and the dimensions), empty batches, labels outside [0, C), option lengths, nulls.
 *     Non-finite inputs are rejected with an {@link IllegalArgumentException} naming the entry;
 *     logits may be −inf (a masked class: probability exactly 0), never NaN or +inf.</li>
 * <li>Semantics are PyTorch's ({@code F.softmax}, {@code F.cross_entropy},
 *     {@code F.binary_cross_entropy_with_logits}): see the README's table.</li>
 * </ul>
 *
 * <p>An engine may be shared by several threads. Close it to release the device.
 */
public final class Softxent implements AutoCloseable {
    static {
        org.softxent.backend.BackendAccess.set(Softxent::backend);
    }

    private final Backend backend;
    private final String fallbackReason;
    private volatile boolean closed;

    private Softxent(Backend backend, String fallbackReason) {
        this.backend = backend;
        this.fallbackReason = fallbackReason;
    }

    /** Opens an engine on the GPU when one is usable, otherwise on the CPU ({@link Device#AUTO}). */
    public static Softxent open() {
        return open(Device.AUTO);
    }

    /**
     * Opens an engine on the given device.
     *
     * @param device {@code AUTO} (the GPU when usable, else the CPU, with {@link #fallbackReason()}),
     *               {@code CPU}, or {@code GPU}
     * @throws DeviceUnavailableException for {@code GPU} when no GPU is usable; the message says why
     */
    public static Softxent open(Device device) {
        requireNonNull("device", device);
        switch (device) {
            case CPU:
                return new Softxent(CpuBackend.fast(), null);
            case GPU:
                return new Softxent(CudaBackends.open(true), null);
            default:
                try {
                    return new Softxent(CudaBackends.open(false), null);
                } catch (DeviceUnavailableException e) {
                    return new Softxent(CpuBackend.fast(), e.getMessage());
                }
        }
    }

    /**
     * Opens the exact CPU reference: every product and sum accumulated in double, the same bits
     * whatever the number of threads. It is what softxent checks GPU results against. Its
     * classifiers were 4–12× slower, on the benchmark's shapes, than those of {@link Device#CPU},
     * whose matrix products are OpenBLAS's float sgemm.
     */
    public static Softxent openReference() {
        return new Softxent(CpuBackend.reference(), null);
    }

    /**
     * Opens an engine on one GPU of several: {@code gpuOrdinal} numbers the CUDA devices this process
     * sees (0 first; as {@code CUDA_VISIBLE_DEVICES} and Spark's task resources name them).
     *
     * @throws DeviceUnavailableException when no GPU is usable or there is no device with that ordinal
     */
    public static Softxent openGpu(int gpuOrdinal) {
        return new Softxent(CudaBackends.open(true, gpuOrdinal), null);
    }

    /** The device this engine computes on: {@link Device#CPU} or {@link Device#GPU}. */
    public Device device() {
        return backend.device();
    }

    /**
     * One line for people: the device and how it computes, as it stands when asked (on the CPU it
     * names the bundled OpenBLAS from the start, which loads at the first product that needs it;
     * once a product finds that it cannot load, it says why instead).
     */
    public String description() {
        return backend.description();
    }

    /**
     * The device-resident API: the same operations on buffers already in GPU memory, queued on the
     * engine's own stream.
     *
     * @throws IllegalStateException when this engine computes on the CPU
     */
    public OnDevice onDevice() {
        return onDevice(null);
    }

    /**
     * The device-resident API on a stream of the caller's (a {@code CUstream} of the engine's CUDA
     * context, the device's primary context): calls are queued on it, after the work the caller
     * queued there before, so no further ordering is needed against that work. The engine's calls
     * still run in the order they were made, whatever their streams (a call on another stream than
     * the last call's waits for that one's work, on the device); only {@code uploadRows}' copies
     * run beside them, until {@code awaitUploads}. The engine's own stream waits for the work of
     * each call on yours, so you may destroy your stream once your calls returned. Null: the engine's own stream.
     *
     * @throws IllegalStateException when this engine computes on the CPU
     */
    public OnDevice onDevice(jcuda.driver.CUstream stream) {
        OnDevice gpu = CudaBackends.onDevice(backend(), stream);
        if (gpu != null) {
            return gpu;
        }
        throw new IllegalStateException("the device-resident API needs the GPU; this engine computes on the CPU"
                + fallbackReason().map(why -> " (" + why + ")").orElse(""));
    }

    /** Why {@link Device#AUTO} chose the CPU; empty when it chose the GPU or another device was asked for. */
    public Optional<String> fallbackReason() {
        return Optional.ofNullable(fallbackReason);
    }

    // ---------------------------------------------------------------------------------------------
    // Softmax and log-softmax

    /**
     * Row softmax: out[n, c] = exp(z[n, c] − max) / Σ exp(z[n, ·] − max).
     *
     * @param logits [rows, cols], finite or −inf; a row that is all −inf gives NaN, as in PyTorch
     * @return a new [rows, cols] array
     */
    public float[] softmax(float[] logits, int rows, int cols) {
        requireOpen();
        return softmax(logits, rows, cols, new float[checkedSize(rows, cols)]);
    }

    /** As {@link #softmax(float[], int, int)}, into {@code out} [rows, cols]; returns {@code out}. */
    public float[] softmax(float[] logits, int rows, int cols, float[] out) {
        requireOpen();
        checkRowOp("logits", logits, rows, cols, out);
        backend().softmax(logits, rows, cols, false, out);
        return out;
    }

    /**
     * Row log-softmax: out[n, c] = z[n, c] − logsumexp(z[n, ·]); −inf where the logit is −inf.
     *
     * @return a new [rows, cols] array
     */
    public float[] logSoftmax(float[] logits, int rows, int cols) {
        requireOpen();
        return logSoftmax(logits, rows, cols, new float[checkedSize(rows, cols)]);
    }

    /** As {@link #logSoftmax(float[], int, int)}, into {@code out} [rows, cols]; returns {@code out}. */
    public float[] logSoftmax(float[] logits, int rows, int cols, float[] out) {
        requireOpen();
        checkRowOp("logits", logits, rows, cols, out);
        backend().softmax(logits, rows, cols, true, out);
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Cross-entropy

    /**
     * Cross-entropy from logits and integer labels, with its gradient, as PyTorch's
     * {@code F.cross_entropy(logits, labels, ...)}.
     *
     * @param logits  [rows, cols]
     * @param labels  [rows], each in [0, cols) or equal to the ignore index
     * @param options reduction, class weights [cols], ignore index, label smoothing
     * @return the loss and a new gradient [rows, cols] (probabilities not computed)
     */
    public LossResult crossEntropy(float[] logits, int rows, int cols, int[] labels, CrossEntropyOptions options) {
        requireOpen();
        return crossEntropy(logits, rows, cols, labels, options, new float[checkedSize(rows, cols)], null);
    }

    /**
     * As {@link #crossEntropy(float[], int, int, int[], CrossEntropyOptions)}, writing the gradient
     * and the row softmax into the caller's arrays.
     *
     * @param gradOut  [rows, cols] receives the gradient of the loss with respect to the logits (for
     *                 reduction none, of the sum of the row losses; zero on ignored rows), or null
     * @param probsOut [rows, cols] receives the row softmax, or null
     */
    public LossResult crossEntropy(float[] logits, int rows, int cols, int[] labels, CrossEntropyOptions options,
                                   float[] gradOut, float[] probsOut) {
        requireOpen();
        checkedSize(rows, cols);
        Rules.crossEntropy(rows, cols, Operand.of("logits", logits), Operand.of("labels", labels), null, options,
                Operand.of("gradOut", gradOut), Operand.of("probsOut", probsOut));
        requireLabels("labels", labels, cols, options.ignoreIndex());
        return crossEntropy(logits, rows, cols, labels, null, options, gradOut, probsOut);
    }

    /**
     * Cross-entropy from logits and probability targets, as PyTorch's
     * {@code F.cross_entropy(logits, target_probs, ...)}: the row loss is −Σ_c w_c·t_c·log p_c, the
     * mean divides by N. Targets are used as given (PyTorch does not require them to sum to 1).
     *
     * @param targetProbs [rows, cols] finite target probabilities
     * @param options     reduction, class weights, label smoothing; the ignore index applies to
     *                    integer labels only and must be left at its default
     */
    public LossResult crossEntropyWithTargets(float[] logits, int rows, int cols, float[] targetProbs,
                                              CrossEntropyOptions options) {
        requireOpen();
        return crossEntropyWithTargets(logits, rows, cols, targetProbs, options,
                new float[checkedSize(rows, cols)], null);
    }

    /** As {@link #crossEntropyWithTargets(float[], int, int, float[], CrossEntropyOptions)}, into the caller's arrays (null: not computed). */
    public LossResult crossEntropyWithTargets(float[] logits, int rows, int cols, float[] targetProbs,
                                              CrossEntropyOptions options, float[] gradOut, float[] probsOut) {
        requireOpen();
        checkedSize(rows, cols);
        Rules.crossEntropy(rows, cols, Operand.of("logits", logits), null, Operand.of("targetProbs", targetProbs),
                options, Operand.of("gradOut", gradOut), Operand.of("probsOut", probsOut));
        return crossEntropy(logits, rows, cols, null, targetProbs, options, gradOut, probsOut);
    }

    private LossResult crossEntropy(float[] logits, int rows, int cols, int[] labels, float[] targetProbs,
                                    CrossEntropyOptions options, float[] gradOut, float[] probsOut) {
        requireDistinct(new String[] {"logits", "targetProbs", "gradOut", "probsOut"},
                new Object[] {logits, targetProbs, gradOut, probsOut}, 2);
        float[] losses = options.reduction() == Reduction.NONE ? new float[rows] : null;
        double loss = backend().crossEntropy(new CrossEntropyProblem(logits, rows, cols, labels, targetProbs,
                options, gradOut, probsOut, losses));
        return new LossResult(options.reduction(), loss, losses, gradOut, probsOut);
    }

    // ---------------------------------------------------------------------------------------------
    // Softmax backward and Jacobian

    /**
     * The softmax backward pass for any upstream gradient (a vector–Jacobian product, never a
     * materialised Jacobian): dZ = P ⊙ (G − rowsum(G ⊙ P)).
     *
     * @param probs     [rows, cols] the softmax output P of the forward pass
     * @param gradProbs [rows, cols] the upstream gradient G with respect to P
     * @return a new [rows, cols] array dZ, the gradient with respect to the logits
     */
    public float[] softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols) {
        requireOpen();
        return softmaxBackward(probs, gradProbs, rows, cols, new float[checkedSize(rows, cols)]);
    }

    /** As {@link #softmaxBackward(float[], float[], int, int)}, into {@code out} [rows, cols]; returns {@code out}. */
    public float[] softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out) {
        requireOpen();
        checkedSize(rows, cols);
        Rules.softmaxBackward(rows, cols, Operand.of("probs", probs), Operand.of("gradProbs", gradProbs),
                Operand.of("out", out));
        requireDistinct(new String[] {"probs", "gradProbs", "out"}, new Object[] {probs, gradProbs, out}, 2);
        backend().softmaxBackward(probs, gradProbs, rows, cols, out);
        return out;
    }

    /**
     * The explicit softmax Jacobian of every row, J[n, i, j] = p_i·(δ_ij − p_j), for small C (for
     * teaching and checking; use {@link #softmaxBackward} in real work).
     *
     * @param logits [rows, cols]
     * @return a new [rows, cols, cols] array
     * @throws IllegalArgumentException when rows·cols·cols exceeds what a Java array holds
     */
    public float[] softmaxJacobian(float[] logits, int rows, int cols) {
        requireOpen();
        checkLogits(logits, rows, cols);
        return softmaxJacobian(logits, rows, cols, new float[jacobianSize(rows, cols)]);
    }

    /** As {@link #softmaxJacobian(float[], int, int)}, into {@code out} [rows, cols, cols]; returns {@code out}. */
    public float[] softmaxJacobian(float[] logits, int rows, int cols, float[] out) {
        requireOpen();
        jacobianSize(rows, cols);
        Rules.softmaxJacobian(rows, cols, Operand.of("logits", logits), Operand.of("out", out));
        requireDistinct(new String[] {"logits", "out"}, new Object[] {logits, out}, 1);
        backend().softmaxJacobian(logits, rows, cols, out);
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Binary cross-entropy

    /**
     * Sigmoid binary cross-entropy from logits, as PyTorch's
     * {@code F.binary_cross_entropy_with_logits}: stable for any finite logit.
     *
     * @param logits  [rows, cols] finite
     * @param targets [rows, cols] finite, usually in [0, 1]
     * @param options reduction (mean over all rows·cols elements), pos_weight [cols]
     * @return the loss and a new gradient [rows, cols]
     */
    public LossResult binaryCrossEntropy(float[] logits, float[] targets, int rows, int cols,
                                         BinaryCrossEntropyOptions options) {
        requireOpen();
        return binaryCrossEntropy(logits, targets, rows, cols, options, new float[checkedSize(rows, cols)], null);
    }

    /**
     * As {@link #binaryCrossEntropy(float[], float[], int, int, BinaryCrossEntropyOptions)}, into
     * the caller's arrays.
     *
     * @param gradOut  [rows, cols] the gradient with respect to the logits, or null
     * @param probsOut [rows, cols] the sigmoid of the logits, or null
     */
    public LossResult binaryCrossEntropy(float[] logits, float[] targets, int rows, int cols,
                                         BinaryCrossEntropyOptions options, float[] gradOut, float[] probsOut) {
        requireOpen();
        checkedSize(rows, cols);
        Rules.binaryCrossEntropy(rows, cols, Operand.of("logits", logits), Operand.of("targets", targets), options,
                Operand.of("gradOut", gradOut), Operand.of("probsOut", probsOut));
        requireDistinct(new String[] {"logits", "targets", "gradOut", "probsOut"},
                new Object[] {logits, targets, gradOut, probsOut}, 2);
        float[] losses = options.reduction() == Reduction.NONE ? new float[rows * cols] : null;
        double loss = backend().binaryCrossEntropy(new BinaryCrossEntropyProblem(logits, targets, rows, cols,
                options, gradOut, probsOut, losses));
        return new LossResult(options.reduction(), loss, losses, gradOut, probsOut);
    }

    // ---------------------------------------------------------------------------------------------
    // The linear softmax classifier

    /**
     * One forward and backward step of the linear softmax classifier: logits = X·W + b, loss =
     * reduce(CE(logits, labels)) + reg·ΣW². Returns dW, and db when there is a bias; not dX.
     *
     * @param x      [rows, features]
     * @param w      [features, classes]
     * @param b      [classes], or null for no bias
     * @param labels [rows], each in [0, classes) or the ignore index
     */
    public ClassifierResult classifier(float[] x, float[] w, float[] b, int[] labels, int rows, int features,
                                       int classes, ClassifierOptions options) {
        requireOpen();
        float[] gradW = new float[checkedSize("features", features, "classes", classes)];
        float[] gradB = b == null ? null : new float[classes];
        return classifier(x, w, b, labels, rows, features, classes, options, gradW, gradB, null);
    }

    /**
     * As {@link #classifier(float[], float[], float[], int[], int, int, int, ClassifierOptions)},
     * writing the gradients that are asked for into the caller's arrays.
     *
     * @param gradW [features, classes] receives dW = Xᵀ·dS + 2·reg·W, or null
     * @param gradB [classes] receives db = column sums of dS, or null (must be null when b is)
     * @param gradX [rows, features] receives dX = dS·Wᵀ, or null
     */
    public ClassifierResult classifier(float[] x, float[] w, float[] b, int[] labels, int rows, int features,
                                       int classes, ClassifierOptions options,
                                       float[] gradW, float[] gradB, float[] gradX) {
        requireOpen();
        return classifier(x, w, b, labels, rows, features, classes, options, gradW, gradB, gradX, null);
    }

    /**
     * As the other long form, with the classifier's predictions from the same pass: a training
     * loop's accuracy at no extra pass over the data.
     *
     * @param predictedOut [rows] receives each row's predicted class, the argmax of X·W + b (the
     *                     lowest index on a tie), or null
     */
    public ClassifierResult classifier(float[] x, float[] w, float[] b, int[] labels, int rows, int features,
                                       int classes, ClassifierOptions options,
                                       float[] gradW, float[] gradB, float[] gradX, int[] predictedOut) {
        requireOpen();
        return classifier(x, w, b, labels, null, rows, features, classes, options, gradW, gradB, gradX, predictedOut);
    }

    /**
     * As the other long forms, with a weight per row: row i's loss and its gradient are multiplied by
     * {@code rowWeights[i]}, and the mean divides by Σ rowWeights[i]·classWeight[labels[i]] over the
     * rows not ignored, so that a row of weight k counts as k copies of it (an instance weight, as
     * Spark ML's weightCol). One call whatever the weights, on every engine.
     *
     * @param rowWeights [rows], each finite and ≥ 0; null weighs every row 1
     */
    public ClassifierResult classifier(float[] x, float[] w, float[] b, int[] labels, float[] rowWeights, int rows,
                                       int features, int classes, ClassifierOptions options,
                                       float[] gradW, float[] gradB, float[] gradX, int[] predictedOut) {
        requireOpen();
        checkedSize("rows", rows, "features", features);
        checkedSize("features", features, "classes", classes);
        checkedSize("rows", rows, "classes", classes);
        Rules.classifier(rows, features, classes, Operand.of("x", x), Operand.of("w", w), Operand.of("b", b),
                Operand.of("labels", labels), options, Operand.of("gradW", gradW), Operand.of("gradB", gradB),
                Operand.of("gradX", gradX), Operand.of("predictedOut", predictedOut));
        requireLabels("labels", labels, classes, options.crossEntropy().ignoreIndex());
        requireRowWeights("rowWeights", rowWeights, rows, options.crossEntropy().reduction() == Reduction.MEAN,
                labels, options.crossEntropy().ignoreIndex());
        requireDistinct(new String[] {"x", "w", "b", "labels", "rowWeights", "gradW", "gradB", "gradX", "predictedOut"},
                new Object[] {x, w, b, labels, rowWeights, gradW, gradB, gradX, predictedOut}, 5);
        double loss = backend().classifier(new ClassifierProblem(x, w, b, labels, rowWeights, rows, features, classes,
                options, gradW, gradB, gradX, predictedOut));
        return new ClassifierResult(loss, gradW, gradB, gradX, predictedOut);
    }

    /**
     * The classifier's forward pass, for prediction: probabilities = softmax(X·W + b) and each
     * row's predicted class (the argmax, the lowest index on a tie). The products as the
     * classifier's on this engine; the softmax as {@link #softmax}'s, exact at every magnitude.
     *
     * @param x            [rows, features], finite
     * @param w            [features, classes], finite
     * @param b            [classes] finite, or null for no bias
     * @param probsOut     [rows, classes] receives the probabilities, or null
     * @param predictedOut [rows] receives the predicted classes, or null (not both null)
     * @return probsOut
     */
    public float[] linearSoftmax(float[] x, float[] w, float[] b, int rows, int features, int classes,
                                 float[] probsOut, int[] predictedOut) {
        requireOpen();
        checkedSize("rows", rows, "features", features);
        checkedSize("features", features, "classes", classes);
        checkedSize("rows", rows, "classes", classes);
        Rules.linearSoftmax(rows, features, classes, Operand.of("x", x), Operand.of("w", w), Operand.of("b", b),
                Operand.of("probsOut", probsOut), Operand.of("predictedOut", predictedOut));
        requireDistinct(new String[] {"x", "w", "b", "probsOut"}, new Object[] {x, w, b, probsOut}, 3);
        backend().linearSoftmax(x, w, b, rows, features, classes, probsOut, predictedOut);
        return probsOut;
    }

    // ---------------------------------------------------------------------------------------------
    // The linear sigmoid classifier

    /**
     * One forward and backward step of the linear sigmoid classifier (logistic regression with K
     * independent outputs; K = 1 for binary classification): logits = X·W + b, loss =
     * reduce(BCE(logits, targets)) + reg·ΣW², the BCE as PyTorch's
     * {@code binary_cross_entropy_with_logits} (the mean over all N·K elements, pos_weight [K]).
     * Returns dW, and db when there is a bias; not dX.
     *
     * @param x       [rows, features]
     * @param w       [features, outputs]
     * @param b       [outputs], or null for no bias
     * @param targets [rows, outputs] finite, usually 0 or 1
     */
    public ClassifierResult binaryClassifier(float[] x, float[] w, float[] b, float[] targets, int rows, int features,
                                             int outputs, BinaryClassifierOptions options) {
        requireOpen();
        float[] gradW = new float[checkedSize("features", features, "outputs", outputs)];
        float[] gradB = b == null ? null : new float[outputs];
        return binaryClassifier(x, w, b, targets, rows, features, outputs, options, gradW, gradB, null);
    }

    /**
     * As {@link #binaryClassifier(float[], float[], float[], float[], int, int, int, BinaryClassifierOptions)},
     * writing the gradients that are asked for into the caller's arrays.
     *
     * @param gradW [features, outputs] receives dW = Xᵀ·dS + 2·reg·W, or null
     * @param gradB [outputs] receives db = column sums of dS, or null (must be null when b is)
     * @param gradX [rows, features] receives dX = dS·Wᵀ, or null
     */
    public ClassifierResult binaryClassifier(float[] x, float[] w, float[] b, float[] targets, int rows, int features,
                                             int outputs, BinaryClassifierOptions options,
                                             float[] gradW, float[] gradB, float[] gradX) {
        requireOpen();
        return binaryClassifier(x, w, b, targets, rows, features, outputs, options, gradW, gradB, gradX, null);
    }

    /**
     * As the other long form, with the predictions from the same pass.
     *
     * @param predictedOut [rows, outputs] receives 1 where X·W + b &gt; 0, else 0; or null
     */
    public ClassifierResult binaryClassifier(float[] x, float[] w, float[] b, float[] targets, int rows, int features,
                                             int outputs, BinaryClassifierOptions options,
                                             float[] gradW, float[] gradB, float[] gradX, int[] predictedOut) {
        requireOpen();
        return binaryClassifier(x, w, b, targets, null, rows, features, outputs, options, gradW, gradB, gradX,
                predictedOut);
    }

    /**
     * As the other long forms, with a weight per row: row i's losses and their gradient are
     * multiplied by {@code rowWeights[i]}, and the mean divides by outputs·Σ rowWeights, so that a row
     * of weight k counts as k copies of it (an instance weight, as Spark ML's weightCol).
     *
     * @param rowWeights [rows], each finite and ≥ 0; null weighs every row 1
     */
    public ClassifierResult binaryClassifier(float[] x, float[] w, float[] b, float[] targets, float[] rowWeights,
                                             int rows, int features, int outputs, BinaryClassifierOptions options,
                                             float[] gradW, float[] gradB, float[] gradX, int[] predictedOut) {
        requireOpen();
        checkedSize("rows", rows, "features", features);
        checkedSize("features", features, "outputs", outputs);
        checkedSize("rows", rows, "outputs", outputs);
        Rules.binaryClassifier(rows, features, outputs, Operand.of("x", x), Operand.of("w", w), Operand.of("b", b),
                Operand.of("targets", targets), options, Operand.of("gradW", gradW), Operand.of("gradB", gradB),
                Operand.of("gradX", gradX), Operand.of("predictedOut", predictedOut));
        requireRowWeights("rowWeights", rowWeights, rows,
                options.binaryCrossEntropy().reduction() == Reduction.MEAN);
        requireDistinct(new String[] {"x", "w", "b", "targets", "rowWeights", "gradW", "gradB", "gradX"},
                new Object[] {x, w, b, targets, rowWeights, gradW, gradB, gradX}, 5);
        double loss = backend().binaryClassifier(new BinaryClassifierProblem(x, w, b, targets, rowWeights, rows,
                features, outputs,
                options, gradW, gradB, gradX, predictedOut));
        return new ClassifierResult(loss, gradW, gradB, gradX, predictedOut);
    }

    /** Releases the device (if any). Later calls throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }

    @Override
    public String toString() {
        return "Softxent[" + description() + (closed ? ", closed" : "") + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /** Before any check of a call's arguments: a closed engine says so first, whatever it is given. */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Softxent engine is closed");
        }
    }

    private Backend backend() {
        if (closed) {
            throw new IllegalStateException("this Softxent engine is closed");
        }
        return backend;
    }

    /** rows × cols as an array length, after checking both are positive and the product fits. */
    private static int checkedSize(int rows, int cols) {
        return checkedSize("rows", rows, "cols", cols);
    }

    private static int checkedSize(String rowsName, int rows, String colsName, int cols) {
        requirePositive(rowsName, rows);
        requirePositive(colsName, cols);
        long size = (long) rows * cols;
        if (size > MAX_ARRAY) {
            throw new IllegalArgumentException(rowsName + " × " + colsName + " = " + rows + " × " + cols + " = " + size
                    + " is more than a Java array holds (" + MAX_ARRAY + ")");
        }
        return (int) size;
    }

    private static int jacobianSize(int rows, int cols) {
        checkedSize(rows, cols);
        long size = (long) rows * cols * cols;
        if (size > MAX_ARRAY) {
            throw new IllegalArgumentException("logits of " + rows + " × " + cols + " have a Jacobian of rows × cols × "
                    + "cols = " + size + " entries, more than a Java array holds; it is meant for small C: use "
                    + "softmaxBackward");
        }
        return (int) size;
    }

    private static void checkLogits(float[] logits, int rows, int cols) {
        checkedSize(rows, cols);
        requireShape("logits", logits, rows, cols);
    }

    private static void checkRowOp(String inputName, float[] input, int rows, int cols, float[] out) {
        checkedSize(rows, cols);
        Rules.softmax(rows, cols, Operand.of(inputName, input), Operand.of("out", out));
        requireDistinct(new String[] {inputName, "out"}, new Object[] {input, out}, 1);
    }

    /** The largest array length every JVM allows. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
}
