package org.softxent;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * The device-resident API, for callers who already hold GPU memory (JCuda users, pipelines that
 * keep activations on the device): the operations of {@link Softxent} on device buffers, with no
 * host copies and results left on the device. Obtained from {@link Softxent#onDevice()} (the
 * engine's own stream) or {@link Softxent#onDevice(CUstream)} (a stream of yours) on a GPU engine.
 *
 * <p>Buffers are {@code CUdeviceptr}s in the engine's CUDA context (the device's primary context),
 * row-major, float32 unless said otherwise; labels are int32. Each method checks its shapes and
 * options at once, and that each buffer's allocation holds the bytes the shape needs, then queues
 * the work on {@link #stream()} and returns without waiting ({@link #uploadRows uploadRows} queues
 * its copy on the engine's upload stream instead, and may wait for a pinned buffer). Outputs may
 * be null (not computed); an output may overwrite its operation's logits in place, exactly, and
 * must otherwise share no byte with an input or another output of its call (refused). Device
 * pointers must be aligned to their 4-byte elements (refused otherwise: a misaligned access would
 * fault the context every engine of the process shares).
 *
 * <p>What only the data can show (NaN or +inf logits, labels out of range) is found on the device
 * and reported by {@link #synchronize()}, which waits for the queued work and throws for the first
 * call that met bad data, naming the call and the entry. Calls on one engine are serialised.
 */
public interface OnDevice {

    /**
     * The stream every call is queued on. The engine's own stream does not synchronise with the
     * legacy default stream or any other: work you queued elsewhere that a call reads (an upload,
     * say) must be ordered before it (a cuStreamSynchronize, or an event the stream waits on), or
     * use {@link Softxent#onDevice(CUstream)} with your stream.
     */
    CUstream stream();

    /**
     * Waits for the engine's queued work (on every stream it used, the uploads of
     * {@code uploadRows} too).
     *
     * @throws IllegalArgumentException for the first call since the last synchronize that met bad
     *                                  data, naming that call and the first bad entry
     */
    void synchronize();

    /** Row softmax of logits [rows, cols] into out [rows, cols] (out may be logits). */
    void softmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out);

    /** Row log-softmax of logits [rows, cols] into out [rows, cols] (out may be logits). */
    void logSoftmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out);

    /**
     * Cross-entropy from logits [rows, cols] and int32 labels [rows].
     *
     * @param gradOut  [rows, cols] the gradient, or null
     * @param probsOut [rows, cols] the softmax, or null
     * @param lossOut  float32 [1] for mean and sum, [rows] for none, or null
     */
    void crossEntropy(CUdeviceptr logits, int rows, int cols, CUdeviceptr labels, CrossEntropyOptions options,
                      CUdeviceptr gradOut, CUdeviceptr probsOut, CUdeviceptr lossOut);

    /** Cross-entropy from logits and probability targets [rows, cols]; outputs as {@link #crossEntropy}. */
    void crossEntropyWithTargets(CUdeviceptr logits, int rows, int cols, CUdeviceptr targetProbs,
                                 CrossEntropyOptions options, CUdeviceptr gradOut, CUdeviceptr probsOut,
                                 CUdeviceptr lossOut);

    /** dZ = P ⊙ (G − rowsum(G ⊙ P)) for probs and gradProbs [rows, cols], into out [rows, cols]. */
    void softmaxBackward(CUdeviceptr probs, CUdeviceptr gradProbs, int rows, int cols, CUdeviceptr out);

    /** The Jacobians of the softmax of logits [rows, cols] into out [rows, cols, cols]. */
    void softmaxJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out);

    /**
     * Sigmoid binary cross-entropy from logits and targets [rows, cols].
     *
     * @param lossOut float32 [1] for mean and sum, [rows, cols] for none, or null
     */
    void binaryCrossEntropy(CUdeviceptr logits, CUdeviceptr targets, int rows, int cols,
                            BinaryCrossEntropyOptions options, CUdeviceptr gradOut, CUdeviceptr probsOut,
                            CUdeviceptr lossOut);

    /**
     * One step of the linear softmax classifier: x [rows, features], w [features, classes], b
     * [classes] or null, int32 labels [rows]. Rows are processed in chunks when their logits do not
     * fit in device memory at once.
     *
     * @param gradW   [features, classes] or null
     * @param gradB   [classes] or null (must be null when b is)
     * @param gradX   [rows, features] or null
     * @param lossOut float32 [1], or null
     */
    void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows, int features,
                    int classes, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB, CUdeviceptr gradX,
                    CUdeviceptr lossOut);

    /**
     * As the other classifier, with its predictions: a training loop's accuracy from the pass it
     * makes anyway, with no copy back but one int.
     *
     * @param predicted int32 [rows]: each row's predicted class (the argmax of X·W + b, the lowest
     *                  on a tie), or null
     * @param correct   one int32 the call <em>adds</em> its count of rows predicted right to (rows
     *                  of the ignore index never count), or null; set it to 0 before the first of
     *                  the calls it counts (an epoch's steps, say)
     */
    void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows, int features,
                    int classes, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB, CUdeviceptr gradX,
                    CUdeviceptr lossOut, CUdeviceptr predicted, CUdeviceptr correct);

    /**
     * The classifier's forward pass, for prediction: probsOut [rows, classes] = softmax(X·W + b)
     * and predictedOut int32 [rows] each row's argmax (the lowest on a tie); either may be null,
     * not both. x [rows, features], w [features, classes] and b [classes] (or null) must be finite.
     */
    void linearSoftmax(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, int rows, int features, int classes,
                       CUdeviceptr probsOut, CUdeviceptr predictedOut);

    /**
     * One step of the linear sigmoid classifier: x [rows, features], w [features, outputs], b
     * [outputs] or null, float32 targets [rows, outputs]; the BCE options as in
     * {@link Softxent#binaryClassifier}. Rows are processed in chunks when their logits do not fit in
     * device memory at once.
     *
     * @param gradW   [features, outputs] or null
     * @param gradB   [outputs] or null (must be null when b is)
     * @param gradX   [rows, features] or null
     * @param lossOut float32 [1], or null
     */
    void binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, int rows, int features,
                          int outputs, BinaryClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB,
                          CUdeviceptr gradX, CUdeviceptr lossOut);

    /**
     * As the other binary classifier, with its predictions.
     *
     * @param predicted int32 [rows, outputs]: 1 where X·W + b &gt; 0, else 0; or null
     * @param correct   one int32 the call adds its count of elements predicted right to (right:
     *                  the prediction is (target &gt;= 0.5)), or null
     */
    void binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, int rows, int features,
                          int outputs, BinaryClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB,
                          CUdeviceptr gradX, CUdeviceptr lossOut, CUdeviceptr predicted, CUdeviceptr correct);

    // ---- what a training loop on the device needs besides the steps ----

    /**
     * Device memory owned by you, in this engine's context, for data and state kept on the device
     * (a training set, weights, optimizer state). Close it when done; its contents start undefined.
     *
     * @param use what it holds, named in leak reports and out-of-memory messages
     * @throws DeviceOutOfMemoryException when the device has not the memory
     */
    DeviceBuffer allocate(long bytes, String use);

    /** Queues a copy of src into dst [src.length]; src may be reused as soon as this returns. */
    void upload(float[] src, CUdeviceptr dst);

    /** Queues a copy of the int32 src into dst [src.length]; src may be reused as soon as this returns. */
    void upload(int[] src, CUdeviceptr dst);

    /**
     * Queues a copy of rows of the host array src [srcRows, cols] into dst [count, cols] on an upload
     * stream of the engine's own, so that it runs under the work queued after it instead of before it:
     * row i of dst is src's row {@code order[from + i]}, or with order null the row {@code from + i}.
     * The rows are gathered by the calling thread (split over the processors when there are many)
     * into the engine's pinned buffers, four of 8 MiB used in turn, made at the first call; src and
     * order may be changed once this returns. Filling a buffer first waits for the copy that last
     * used it (which waited for the work queued before it). The copy waits, on the device, for the
     * work queued before this call (which may still read dst); the work queued after it does not
     * wait for the copy until {@link #awaitUploads()}, and {@link #synchronize()} waits for it. So a
     * data set larger than device memory is streamed: each chunk uploaded into one of two buffers
     * while the steps on the other run.
     *
     * @throws IllegalArgumentException    when cols is less than 1, src is not a whole number of rows,
     *                                     count is less than 1, or [from, from + count) is not within
     *                                     order (or src's rows), or an entry of order is not a row of
     *                                     src, naming it
     * @throws ShapeMismatchException      when dst does not hold count × cols elements
     * @throws NullPointerException        when src is null
     * @throws DeviceOutOfMemoryException  when the pinned buffers cannot be had
     */
    void uploadRows(float[] src, int cols, int[] order, int from, int count, CUdeviceptr dst);

    /** {@link #uploadRows(float[], int, int[], int, int, CUdeviceptr)} for int32 rows (labels). */
    void uploadRows(int[] src, int cols, int[] order, int from, int count, CUdeviceptr dst);

    /**
     * Makes the work queued after this call wait for every {@code uploadRows} copy queued before it.
     * Modifies nothing and returns at once.
     */
    void awaitUploads();

    /**
     * Copies src [dst.length] into dst after the work queued before it (an {@code uploadRows} copy
     * only once {@link #awaitUploads()} ordered it before), then returns as {@link #synchronize()}
     * does (throwing for bad data the queued calls met).
     */
    void download(CUdeviceptr src, float[] dst);

    /** As {@link #download(CUdeviceptr, float[])}, of ints (labels, predictions, a count). */
    void download(CUdeviceptr src, int[] dst);

    /**
     * A minibatch: dst [count, cols] = the rows of src [srcRows, cols] that the int32 indices
     * [count] name, copied as 4-byte words (float features or int32 labels alike). An index outside
     * [0, srcRows) is reported by {@link #synchronize()}, naming its place.
     */
    void gatherRows(CUdeviceptr src, long srcRows, int cols, CUdeviceptr indices, int count, CUdeviceptr dst);

    /**
     * One step of SGD with momentum, as PyTorch's (no dampening, no Nesterov), over n floats:
     * velocity = momentum·velocity + grad, then param −= lr·velocity. Modifies param and velocity.
     *
     * @param velocity [n] the optimizer's state (zeros before the first step), or null for plain SGD
     * @param momentum in [0, 1); ignored without a velocity
     */
    void sgdUpdate(CUdeviceptr param, CUdeviceptr grad, CUdeviceptr velocity, long n, float lr, float momentum);
}
