package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemGetAddressRange;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.DeviceOutOfMemoryException;
import org.softxent.OnDevice;
import org.softxent.Reduction;
import org.softxent.ShapeMismatchException;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.Checks;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cuda.StatusRing.Inputs;
import org.softxent.cuda.StatusRing.Slot;

/**
 * The GPU backend: every operation as kernels of cuda/softxent.cu and cuBLAS products queued on
 * one stream. The device-resident API ({@link OnDevice}) is the engine; the array API
 * ({@link Backend}) uploads the arrays into the engine's own buffers through pinned staging, runs
 * the same device code, downloads the outputs and waits.
 *
 * <p>Calls are serialised ({@code synchronized}); each makes the context current first, so any
 * thread may call.
 */
final class CudaEngine implements Backend, OnDevice {
    /** Threads of the single-block reductions. */
    private static final int REDUCE_THREADS = 1024;
    /** Blocks × 256 threads of the grid-stride elementwise kernels (a fixed grid: deterministic sums). */
    private static final int ELEMENTWISE_BLOCKS = 1024;
    /** The classifier's logits are computed in chunks of at most this many bytes. */
    static final long CLASSIFIER_CHUNK_BYTES = 256L << 20;

    private final CudaContext cuda;
    private final Kernels kernels;
    private final Cublas cublas;
    private final Workspace workspace;
    private final Transfers transfers;
    private final StatusRing status;
    private boolean closed;

    CudaEngine(int ordinal) {
        cuda = new CudaContext(ordinal);
        Kernels k = null;
        Cublas b = null;
        Workspace w = null;
        Transfers t = null;
        try {
            k = new Kernels(cuda);
            b = new Cublas(cuda);
            w = new Workspace(cuda);
            t = new Transfers(cuda);
            status = new StatusRing(cuda);
        } catch (RuntimeException | LinkageError e) {
            for (AutoCloseable c : new AutoCloseable[] {t, w, b, k}) {
                closeQuietly(c);
            }
            cuda.close();
            throw e;
        }
        kernels = k;
        cublas = b;
        workspace = w;
        transfers = t;
    }

    @Override
    public Device device() {
        return Device.GPU;
    }

    // For the benchmark (GpuBench): the same context, stream and cuBLAS handle.
    CudaContext context() {
        return cuda;
    }

    Cublas cublas() {
        return cublas;
    }

    /** Device memory the engine holds in its buffers now. */
    synchronized long heldBytes() {
        return workspace.held();
    }

    @Override
    public String description() {
        return "GPU " + cuda + ", cuBLAS " + cublas.version + (CublasLoader.bridged() ? " via the 12->13 bridge" : "");
    }

    // =============================================================================================
    // The array API: host arrays in and out.

    @Override
    public synchronized void softmax(float[] logits, int rows, int cols, boolean log, float[] out) {
        begin();
        long n = (long) rows * cols;
        CUdeviceptr z = upload("a", logits);
        CUdeviceptr o = buffer("out", n, "softmax of " + rows + " × " + cols);
        queueRows(log ? "logSoftmax" : "softmax", log ? OP_LOG_SOFTMAX : OP_SOFTMAX, z, rows, cols, o);
        transfers.download(o, out);
        status.drain();
    }

    @Override
    public synchronized double crossEntropy(CrossEntropyProblem p) {
        begin();
        int rows = p.rows();
        int cols = p.cols();
        long n = (long) rows * cols;
        String what = "crossEntropy of " + rows + " × " + cols + " logits";
        CUdeviceptr z = upload("a", p.logits());
        CUdeviceptr labels = p.labels() == null ? null : uploadInts("labels", p.labels());
        CUdeviceptr targets = p.targetProbs() == null ? null : upload("b", p.targetProbs());
        CUdeviceptr grad = p.gradOut() == null ? null : buffer("out", n, what);
        CUdeviceptr probs = p.probsOut() == null ? null : buffer("probs", n, what);
        CUdeviceptr losses = buffer("rowLoss", rows, what);
        Slot slot = queueCrossEntropy("crossEntropy", z, null, rows, cols, labels, targets, p.options(), grad, probs,
                losses, null, 0);
        if (grad != null) {
            transfers.download(grad, p.gradOut());
        }
        if (probs != null) {
            transfers.download(probs, p.probsOut());
        }
        if (p.lossesOut() != null) {
            transfers.download(losses, p.lossesOut());
        }
        status.drain();
        return p.options().reduction() == Reduction.NONE ? Double.NaN : status.loss(slot);
    }

    @Override
    public synchronized void softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out) {
        begin();
        CUdeviceptr p = upload("a", probs);
        CUdeviceptr g = upload("b", gradProbs);
        CUdeviceptr o = buffer("out", (long) rows * cols, "softmaxBackward of " + rows + " × " + cols);
        queueBackward(p, g, rows, cols, o);
        transfers.download(o, out);
        status.drain();
    }

    @Override
    public synchronized void softmaxJacobian(float[] logits, int rows, int cols, float[] out) {
        begin();
        CUdeviceptr z = upload("a", logits);
        CUdeviceptr o = buffer("out", (long) rows * cols * cols, "softmaxJacobian of " + rows + " × " + cols);
        queueJacobian(z, rows, cols, o);
        transfers.download(o, out);
        status.drain();
    }

    @Override
    public synchronized double binaryCrossEntropy(BinaryCrossEntropyProblem p) {
        begin();
        long n = (long) p.rows() * p.cols();
        String what = "binaryCrossEntropy of " + p.rows() + " × " + p.cols();
        CUdeviceptr x = upload("a", p.logits());
        CUdeviceptr t = upload("b", p.targets());
        CUdeviceptr grad = p.gradOut() == null ? null : buffer("out", n, what);
        CUdeviceptr probs = p.probsOut() == null ? null : buffer("probs", n, what);
        CUdeviceptr losses = p.lossesOut() == null ? null : buffer("rowLoss", n, what);
        Slot slot = queueBce(x, t, p.rows(), p.cols(), p.options(), grad, probs, losses, null);
        if (grad != null) {
            transfers.download(grad, p.gradOut());
        }
        if (probs != null) {
            transfers.download(probs, p.probsOut());
        }
        if (losses != null) {
            transfers.download(losses, p.lossesOut());
        }
        status.drain();
        return p.options().reduction() == Reduction.NONE ? Double.NaN : status.loss(slot);
    }

    @Override
    public synchronized double classifier(ClassifierProblem p) {
        begin();
        int n = p.rows();
        int d = p.features();
        int c = p.classes();
        String what = "classifier of " + n + " × " + d + " inputs and " + c + " classes";
        CUdeviceptr x = upload("x", p.x());
        CUdeviceptr w = upload("w", p.w());
        CUdeviceptr b = p.b() == null ? null : upload("bias", p.b());
        CUdeviceptr labels = uploadInts("labels", p.labels());
        CUdeviceptr gradW = p.gradW() == null ? null : buffer("gradW", (long) d * c, what);
        CUdeviceptr gradB = p.gradB() == null ? null : buffer("gradB", c, what);
        CUdeviceptr gradX = p.gradX() == null ? null : buffer("gradX", (long) n * d, what);
        Slot slot = queueClassifier(x, w, b, labels, n, d, c, p.options(), gradW, gradB, gradX, null, what);
        if (gradW != null) {
            transfers.download(gradW, p.gradW());
        }
        if (gradB != null) {
            transfers.download(gradB, p.gradB());
        }
        if (gradX != null) {
            transfers.download(gradX, p.gradX());
        }
        status.drain();
        return status.loss(slot);
    }

    // =============================================================================================
    // The device-resident API.

    @Override
    public CUstream stream() {
        return cuda.stream;
    }

    @Override
    public synchronized void synchronize() {
        begin();
        status.drain();
    }

    @Override
    public synchronized void softmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        deviceRows("softmax", OP_SOFTMAX, logits, rows, cols, out);
    }

    @Override
    public synchronized void logSoftmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        deviceRows("logSoftmax", OP_LOG_SOFTMAX, logits, rows, cols, out);
    }

    private void deviceRows(String call, int op, CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        long n = elements(rows, cols);
        requireSpan("logits", logits, n * Float.BYTES);
        requireSpan("out", out, n * Float.BYTES);
        begin();
        queueRows(call, op, logits, rows, cols, out);
    }

    @Override
    public synchronized void crossEntropy(CUdeviceptr logits, int rows, int cols, CUdeviceptr labels,
                                          CrossEntropyOptions options, CUdeviceptr gradOut, CUdeviceptr probsOut,
                                          CUdeviceptr lossOut) {
        deviceCrossEntropy("crossEntropy", logits, rows, cols, labels, null, options, gradOut, probsOut, lossOut);
    }

    @Override
    public synchronized void crossEntropyWithTargets(CUdeviceptr logits, int rows, int cols, CUdeviceptr targetProbs,
                                                     CrossEntropyOptions options, CUdeviceptr gradOut,
                                                     CUdeviceptr probsOut, CUdeviceptr lossOut) {
        Checks.requireNonNull("options", options);
        if (options.ignoreIndex() != CrossEntropyOptions.DEFAULT_IGNORE_INDEX) {
            throw new IllegalArgumentException("ignoreIndex (" + options.ignoreIndex()
                    + ") applies to integer labels only, not to probability targets");
        }
        deviceCrossEntropy("crossEntropyWithTargets", logits, rows, cols, null, targetProbs, options, gradOut,
                probsOut, lossOut);
    }

    private void deviceCrossEntropy(String call, CUdeviceptr logits, int rows, int cols, CUdeviceptr labels,
                                    CUdeviceptr targets, CrossEntropyOptions options, CUdeviceptr gradOut,
                                    CUdeviceptr probsOut, CUdeviceptr lossOut) {
        Checks.requireNonNull("options", options);
        long n = elements(rows, cols);
        requireSpan("logits", logits, n * Float.BYTES);
        if (targets == null) {
            requireSpan("labels", labels, (long) rows * Integer.BYTES);
        } else {
            requireSpan("targetProbs", targets, n * Float.BYTES);
        }
        if (options.hasClassWeights()) {
            Checks.requireLength("classWeights", options.classWeights(), cols, "cols");
        }
        requireOptionalSpan("gradOut", gradOut, n * Float.BYTES);
        requireOptionalSpan("probsOut", probsOut, n * Float.BYTES);
        boolean none = options.reduction() == Reduction.NONE;
        requireOptionalSpan("lossOut", lossOut, (none ? rows : 1L) * Float.BYTES);
        begin();
        CUdeviceptr losses = none ? lossOut : buffer("rowLoss", rows, call + " of " + rows + " × " + cols);
        queueCrossEntropy(call, logits, null, rows, cols, labels, targets, options, gradOut, probsOut, losses,
                none ? null : lossOut, 0);
    }

    @Override
    public synchronized void softmaxBackward(CUdeviceptr probs, CUdeviceptr gradProbs, int rows, int cols,
                                             CUdeviceptr out) {
        long n = elements(rows, cols);
        requireSpan("probs", probs, n * Float.BYTES);
        requireSpan("gradProbs", gradProbs, n * Float.BYTES);
        requireSpan("out", out, n * Float.BYTES);
        begin();
        queueBackward(probs, gradProbs, rows, cols, out);
    }

    @Override
    public synchronized void softmaxJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        long n = elements(rows, cols);
        requireSpan("logits", logits, n * Float.BYTES);
        requireSpan("out", out, n * cols * Float.BYTES);
        begin();
        queueJacobian(logits, rows, cols, out);
    }

    @Override
    public synchronized void binaryCrossEntropy(CUdeviceptr logits, CUdeviceptr targets, int rows, int cols,
                                                BinaryCrossEntropyOptions options, CUdeviceptr gradOut,
                                                CUdeviceptr probsOut, CUdeviceptr lossOut) {
        Checks.requireNonNull("options", options);
        long n = elements(rows, cols);
        requireSpan("logits", logits, n * Float.BYTES);
        requireSpan("targets", targets, n * Float.BYTES);
        if (options.posWeight() != null) {
            Checks.requireLength("posWeight", options.posWeight(), cols, "cols");
        }
        requireOptionalSpan("gradOut", gradOut, n * Float.BYTES);
        requireOptionalSpan("probsOut", probsOut, n * Float.BYTES);
        boolean none = options.reduction() == Reduction.NONE;
        requireOptionalSpan("lossOut", lossOut, (none ? n : 1L) * Float.BYTES);
        begin();
        queueBce(logits, targets, rows, cols, options, gradOut, probsOut, none ? lossOut : null, none ? null : lossOut);
    }

    @Override
    public synchronized void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows,
                                        int features, int classes, ClassifierOptions options, CUdeviceptr gradW,
                                        CUdeviceptr gradB, CUdeviceptr gradX, CUdeviceptr lossOut) {
        Checks.requireNonNull("options", options);
        elements(rows, features);
        elements(features, classes);
        elements(rows, classes);
        requireSpan("x", x, (long) rows * features * Float.BYTES);
        requireSpan("w", w, (long) features * classes * Float.BYTES);
        requireOptionalSpan("b", b, (long) classes * Float.BYTES);
        requireSpan("labels", labels, (long) rows * Integer.BYTES);
        if (b == null && gradB != null) {
            throw new IllegalArgumentException("gradB was given but b is null: there is no bias to differentiate");
        }
        CrossEntropyOptions ce = options.crossEntropy();
        if (ce.hasClassWeights()) {
            Checks.requireLength("classWeights", ce.classWeights(), classes, "classes");
        }
        requireOptionalSpan("gradW", gradW, (long) features * classes * Float.BYTES);
        requireOptionalSpan("gradB", gradB, (long) classes * Float.BYTES);
        requireOptionalSpan("gradX", gradX, (long) rows * features * Float.BYTES);
        requireOptionalSpan("lossOut", lossOut, Float.BYTES);
        begin();
        queueClassifier(x, w, b, labels, rows, features, classes, options, gradW, gradB, gradX, lossOut,
                "classifier of " + rows + " × " + features + " inputs and " + classes + " classes");
    }

    // =============================================================================================
    // The device code both APIs share: kernels and products queued on the stream.

    // Operation codes of the row kernels (OP_* in cuda/softxent.cu).
    private static final int OP_SOFTMAX = 0;
    private static final int OP_LOG_SOFTMAX = 1;
    private static final int OP_CE_LABELS = 2;
    private static final int OP_CE_TARGETS = 3;

    private void queueRows(String call, int op, CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        Slot slot = status.begin(Inputs.of(call, "logits", logits, cols, true));
        kernels.launch("sx_status_reset", 1, 32, slot.status());
        Kernels.RowLaunch k = kernels.rowKernel(rows, cols, aligned(cols, logits, out));
        kernels.launch(k.kernel(), k.grid(), k.block(), op, rows, cols, logits, null, null, null, null, 0, 1f, 0f,
                (float) cols, null, out, null, null, slot.status());
        status.end(slot);
    }

    /**
     * Queues a cross-entropy: the mean's divisor on the device, the fused row kernel, and (for mean
     * and sum) the reduction of the row losses into the slot (and lossOut). {@code bias} [cols] is
     * added to every row (the classifier); labels and logits may be offsets into larger buffers.
     */
    private Slot queueCrossEntropy(String call, CUdeviceptr logits, CUdeviceptr bias, int rows, int cols,
                                   CUdeviceptr labels, CUdeviceptr targets, CrossEntropyOptions o, CUdeviceptr grad,
                                   CUdeviceptr probs, CUdeviceptr rowLoss, CUdeviceptr lossOut, long rowOffset) {
        Inputs inputs = Inputs.of(call, "logits", logits, cols, true);
        inputs = targets != null ? inputs.withB("targetProbs", targets, cols)
                : inputs.withLabels(labels, cols, o.ignoreIndex());
        Slot slot = status.begin(inputs.withRowOffset(rowOffset));
        float[] weights = o.classWeights();
        CUdeviceptr dWeights = weights == null ? null : upload("weights", weights);
        boolean mean = o.reduction() == Reduction.MEAN;
        kernels.launch("sx_ce_divisor", 1, REDUCE_THREADS, rows, cols, labels, dWeights, o.ignoreIndex(), mean ? 1 : 0,
                slot.divisor(), slot.scale(), slot.status());
        rowKernel(targets != null ? OP_CE_TARGETS : OP_CE_LABELS, logits, bias, rows, cols, labels, targets, o,
                dWeights, slot.scale(), grad, probs, rowLoss, slot.status());
        if (o.reduction() != Reduction.NONE) {
            kernels.launch("sx_reduce_rows", 1, REDUCE_THREADS, rows, rowLoss, mean ? slot.divisor() : null, null,
                    slot.loss(), lossOut);
        }
        status.end(slot);
        return slot;
    }

    private void rowKernel(int op, CUdeviceptr logits, CUdeviceptr bias, int rows, int cols, CUdeviceptr labels,
                           CUdeviceptr targets, CrossEntropyOptions o, CUdeviceptr weights, CUdeviceptr scale,
                           CUdeviceptr out, CUdeviceptr probs, CUdeviceptr rowLoss, CUdeviceptr statusBlock) {
        float[] w = o.classWeights();
        double weightSum = cols;
        if (w != null) {
            weightSum = 0;
            for (float v : w) {
                weightSum += v;
            }
        }
        double eps = o.labelSmoothing();
        Kernels.RowLaunch k = kernels.rowKernel(rows, cols, aligned(cols, logits, bias, targets, out, probs));
        kernels.launch(k.kernel(), k.grid(), k.block(), op, rows, cols, logits, bias, labels, targets, weights,
                o.ignoreIndex(), (float) (1.0 - eps), (float) (eps / cols), (float) weightSum, scale, out, probs,
                rowLoss, statusBlock);
    }

    private void queueBackward(CUdeviceptr probs, CUdeviceptr grad, int rows, int cols, CUdeviceptr out) {
        Slot slot = status.begin(Inputs.of("softmaxBackward", "probs", probs, cols, false)
                .withB("gradProbs", grad, cols));
        kernels.launch("sx_status_reset", 1, 32, slot.status());
        Kernels.RowLaunch k = kernels.backwardKernel(rows, cols, aligned(cols, probs, grad, out));
        kernels.launch(k.kernel(), k.grid(), k.block(), rows, cols, probs, grad, out, slot.status());
        status.end(slot);
    }

    private void queueJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        long n = (long) rows * cols;
        CUdeviceptr probs = buffer("probs", n, "softmaxJacobian of " + rows + " × " + cols);
        queueRows("softmaxJacobian", OP_SOFTMAX, logits, rows, cols, probs);
        long total = n * cols;
        kernels.launch("sx_jacobian", Math.min(Kernels.ceilDiv(total, 256), ELEMENTWISE_BLOCKS * 8L), 256, rows, cols,
                probs, out);
    }

    private Slot queueBce(CUdeviceptr x, CUdeviceptr t, int rows, int cols, BinaryCrossEntropyOptions o, CUdeviceptr grad,
                     CUdeviceptr probs, CUdeviceptr losses, CUdeviceptr lossOut) {
        long n = (long) rows * cols;
        Slot slot = status.begin(Inputs.of("binaryCrossEntropy", "logits", x, cols, false).withB("targets", t, cols));
        kernels.launch("sx_status_reset", 1, 32, slot.status());
        float[] pw = o.posWeight();
        CUdeviceptr dPw = pw == null ? null : upload("weights", pw);
        int blocks = Math.min(Kernels.ceilDiv(n, 256), ELEMENTWISE_BLOCKS);
        CUdeviceptr partial = buffer("partial", blocks * 2L, "binaryCrossEntropy");
        boolean mean = o.reduction() == Reduction.MEAN;
        kernels.launch("sx_bce", blocks, 256, n, cols, x, t, dPw, mean ? (float) (1.0 / n) : 1f, grad, probs, losses,
                partial, slot.status());
        kernels.launch("sx_reduce_partials", 1, REDUCE_THREADS, blocks, partial, mean ? 1.0 / n : 1.0, null,
                slot.loss(), lossOut);
        status.end(slot);
        return slot;
    }

    /**
     * The classifier: X, W and b checked (and Σ W² taken) on the device; then, in chunks of rows
     * whose logits fit {@link #CLASSIFIER_CHUNK_BYTES}: logits = X·W (cuBLAS), the fused
     * cross-entropy with the bias added on the fly and dS written over the logits in place,
     * dW += Xᵀ·dS and dX = dS·Wᵀ (cuBLAS), db += column sums of dS. The loss is reduced with the
     * reg term on the device.
     */
    private Slot queueClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int n, int d, int c,
                                 ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB, CUdeviceptr gradX,
                                 CUdeviceptr lossOut, String what) {
        CrossEntropyOptions ce = options.crossEntropy();
        double reg = options.reg();
        int blocks = ELEMENTWISE_BLOCKS;
        CUdeviceptr partial = buffer("partial", blocks * 2L, what);

        // X and b are checked for NaN and infinities; W too, and its sum of squares is the reg term.
        Slot main = status.begin(Inputs.of("classifier", "w", w, c, false).withLabels(labels, c, ce.ignoreIndex()));
        checkFinite("x", x, (long) n * d, d, partial);
        if (b != null) {
            checkFinite("b", b, c, c, partial);
        }
        CUdeviceptr weights = ce.hasClassWeights() ? upload("weights", ce.classWeights()) : null;
        kernels.launch("sx_ce_divisor", 1, REDUCE_THREADS, n, c, labels, weights, ce.ignoreIndex(),
                ce.reduction() == Reduction.MEAN ? 1 : 0, main.divisor(), main.scale(), main.status());
        kernels.launch("sx_sum_squares", blocks, 256, (long) d * c, w, partial, main.status());
        kernels.launch("sx_reduce_partials", 1, REDUCE_THREADS, blocks, partial, reg, null, main.spare(), null);

        long chunkRows = Math.max(1, Math.min(n, CLASSIFIER_CHUNK_BYTES / ((long) c * Float.BYTES)));
        CUdeviceptr logits = buffer("logits", chunkRows * c, what);
        CUdeviceptr rowLoss = buffer("rowLoss", n, what);
        if (gradW != null && reg > 0) {
            kernels.launch("sx_scale_copy", blocks, 256, (long) d * c, w, (float) (2 * reg), gradW);
        }
        cublas.tf32(options.tf32());
        try {
            for (long r0 = 0; r0 < n; r0 += chunkRows) {
                int m = (int) Math.min(chunkRows, n - r0);
                CUdeviceptr xChunk = x.withByteOffset(r0 * d * Float.BYTES);
                CUdeviceptr labelChunk = labels.withByteOffset(r0 * Integer.BYTES);
                cublas.logits(xChunk, w, logits, m, d, c);
                Slot chunk = status.begin(Inputs.of("classifier", "logits x·w + b", logits, c, false)
                        .withLabels(labelChunk, c, ce.ignoreIndex()).withRowOffset(r0));
                kernels.launch("sx_status_reset", 1, 32, chunk.status());
                rowKernel(OP_CE_LABELS, logits, b, m, c, labelChunk, null, ce, weights, main.scale(), logits, null,
                        rowLoss.withByteOffset(r0 * Float.BYTES), chunk.status());
                status.end(chunk);
                if (gradW != null) {
                    cublas.gradW(logits, xChunk, gradW, m, d, c, r0 > 0 || reg > 0 ? 1f : 0f);
                }
                if (gradB != null) {
                    kernels.launch("sx_column_sums", Kernels.ceilDiv(c, 256), 256, m, c, logits, gradB, r0 > 0 ? 1 : 0);
                }
                if (gradX != null) {
                    cublas.gradX(logits, w, gradX.withByteOffset(r0 * d * Float.BYTES), m, d, c);
                }
            }
        } finally {
            cublas.tf32(false);
        }
        kernels.launch("sx_reduce_rows", 1, REDUCE_THREADS, n, rowLoss,
                ce.reduction() == Reduction.MEAN ? main.divisor() : null, main.spare(), main.loss(), lossOut);
        status.end(main);
        return main;
    }

    /** Queues a NaN/infinity check of a [rows, cols] input under its own name. */
    private void checkFinite(String name, CUdeviceptr values, long count, int cols, CUdeviceptr partial) {
        Slot slot = status.begin(Inputs.of("classifier", name, values, cols, false));
        kernels.launch("sx_status_reset", 1, 32, slot.status());
        kernels.launch("sx_sum_squares", ELEMENTWISE_BLOCKS, 256, count, values, partial, slot.status());
        status.end(slot);
    }

    // =============================================================================================

    private void begin() {
        if (closed) {
            throw new IllegalStateException("this Softxent engine is closed");
        }
        cuda.makeCurrent();
    }

    /** An engine buffer of {@code floats} 4-byte elements; out of memory names the call. */
    private CUdeviceptr buffer(String use, long floats, String what) {
        try {
            return workspace.get(use, floats * Float.BYTES);
        } catch (DeviceOutOfMemoryException e) {
            long held = workspace.held();
            workspace.release();
            long[] info = cuda.memoryInfo();
            throw new DeviceOutOfMemoryException(what + " needs " + mib(floats * Float.BYTES) + " more device memory for "
                    + use + " (the engine held " + mib(held) + ", now released; the device has " + mib(info[0])
                    + " free of " + mib(info[1]) + ")");
        }
    }

    private CUdeviceptr upload(String use, float[] values) {
        CUdeviceptr p = buffer(use, values.length, "uploading " + use);
        transfers.upload(values, p);
        return p;
    }

    private CUdeviceptr uploadInts(String use, int[] values) {
        CUdeviceptr p = buffer(use, values.length, "uploading " + use);
        transfers.upload(values, p);
        return p;
    }

    /** Whether 128-bit accesses are allowed: cols a multiple of 4 and every (non-null) buffer 16-byte aligned. */
    private static boolean aligned(int cols, CUdeviceptr... buffers) {
        if (cols % 4 != 0) {
            return false;
        }
        for (CUdeviceptr p : buffers) {
            if (p != null && DevicePointers.address(p) % 16 != 0) {
                return false;
            }
        }
        return true;
    }

    private static long elements(int rows, int cols) {
        Checks.requirePositive("rows", rows);
        Checks.requirePositive("cols", cols);
        return (long) rows * cols;
    }

    /** Requires {@code p} to point into a device allocation with at least {@code bytes} from it on. */
    private void requireSpan(String name, CUdeviceptr p, long bytes) {
        Checks.requireNonNull(name, p);
        CUdeviceptr base = new CUdeviceptr();
        long[] size = new long[1];
        begin();
        int result = cuMemGetAddressRange(base, size, p);
        if (result != CUresult.CUDA_SUCCESS) {
            throw new IllegalArgumentException(name + " is not device memory of this engine's context ("
                    + CUresult.stringFor(result) + ")");
        }
        long available = DevicePointers.address(base) + size[0] - DevicePointers.address(p);
        if (available < bytes) {
            throw new ShapeMismatchException(name + " needs " + bytes + " bytes from its pointer on, but its allocation"
                    + " holds " + available);
        }
    }

    private void requireOptionalSpan(String name, CUdeviceptr p, long bytes) {
        if (p != null) {
            requireSpan(name, p, bytes);
        }
    }

    private static String mib(long bytes) {
        return (bytes + (1 << 20) - 1 >> 20) + " MiB";
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cuda.makeCurrentForClose();
        for (AutoCloseable c : new AutoCloseable[] {status, transfers, workspace, cublas, kernels}) {
            closeQuietly(c);
        }
        cuda.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception | LinkageError e) {
            // Closing frees what it can; a failure here must not hide the rest.
        }
    }
}
