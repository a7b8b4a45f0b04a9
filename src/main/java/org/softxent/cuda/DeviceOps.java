package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemGetInfo;

import java.util.List;
import java.util.function.Supplier;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.cuda.StatusRing.Operand;
import org.softxent.cuda.StatusRing.Slot;
import org.softxent.cuda.Workspace.Use;

/**
 * What each operation queues on the device, on device memory and one stream: its status slot, its
 * kernels (through their launchers) and products, in order, and the copy of the slot back. Both of
 * the engine's APIs end here; arguments are checked already.
 */
final class DeviceOps {
    /** The classifier's logits are computed in chunks of rows of at most this many bytes. */
    static final long CLASSIFIER_CHUNK_BYTES = 1L << 30;

    private final CudaContext cuda;
    private final Module module;
    private final Workspace workspace;
    private final StatusRing status;
    private final Transfers transfers;
    private final Supplier<Cublas> cublas;

    DeviceOps(CudaContext cuda, Module module, Workspace workspace, StatusRing status, Transfers transfers,
              Supplier<Cublas> cublas) {
        this.cuda = cuda;
        this.module = module;
        this.workspace = workspace;
        this.status = status;
        this.transfers = transfers;
        this.cublas = cublas;
    }

    /** Row softmax or log-softmax of logits [rows, cols] into out. */
    Slot softmax(String call, boolean log, CUdeviceptr logits, int rows, int cols, CUdeviceptr out, CUstream s) {
        RowKernel.Shape shape = rowShape(rows, cols, logits, out);
        return queue(call, s, List.of(Operand.values("logits", logits, cols, true)), slot ->
                RowKernel.softmax(log, logits, rows, cols, out, slot.status()).launch(module, shape, s));
    }

    /** dst [count, cols] = the rows of src [srcRows, cols] that indices [count] name (4-byte words). */
    Slot gatherRows(CUdeviceptr src, long srcRows, int cols, CUdeviceptr indices, int count, CUdeviceptr dst,
                    CUstream s) {
        return queue("gatherRows", s, List.of(Operand.indices("indices", indices, (int) srcRows)), slot ->
                new GatherKernel(count, srcRows, cols, indices, src, dst, slot.status()).launch(module, s));
    }

    /** velocity = momentum·velocity + grad, param −= lr·velocity over n floats (velocity null: no momentum). */
    void sgdUpdate(CUdeviceptr param, CUdeviceptr grad, CUdeviceptr velocity, long n, float lr, float momentum,
                   CUstream s) {
        new SgdKernel(n, lr, velocity == null ? 0f : momentum, param, grad, velocity).launch(module, s);
    }

    /**
     * Takes a status slot for a call, queues its work, then the slot's copy back. The call's
     * buffers are allocated before: a failure (out of memory, a refused launch) then leaves no
     * slot pending without its copy.
     */
    private Slot queue(String call, CUstream s, List<Operand> operands, java.util.function.Consumer<Slot> work) {
        Slot slot = status.take(call, s, operands);
        try {
            work.accept(slot);
        } catch (RuntimeException | Error e) {
            status.abort(slot);
            throw e;
        }
        status.end(slot, s);
        return slot;
    }

    /**
     * Cross-entropy of logits [rows, cols] with labels [rows] or targets [rows, cols]: the mean's
     * divisor on the device (labels), the fused row kernel, the loss reduced by its last block.
     *
     * @param rowLoss [rows] the row losses (reduction none), else null
     * @param lossOut the reduced loss as float (mean, sum), or null
     */
    Slot crossEntropy(String call, CUdeviceptr logits, int rows, int cols, CUdeviceptr labels, CUdeviceptr targets,
                      CrossEntropyOptions o, CUdeviceptr grad, CUdeviceptr probs, CUdeviceptr rowLoss,
                      CUdeviceptr lossOut, CUstream s) {
        return crossEntropy(call, logits, rows, cols, labels, targets, o, grad, probs, rowLoss, lossOut, s, null);
    }

    /**
     * A cross-entropy whose rows come in chunks (the array API's, overlapping its copies with the
     * work): {@link #before} runs ahead of each chunk's kernel, on the host, {@link #after} right
     * after it is queued.
     */
    interface Chunks {
        /** Rows per chunk. */
        int rows();

        /** Before the kernel of rows [first, first + count): e.g. make the stream wait for their upload. */
        void before(int first, int count);

        /** After it: e.g. queue the download of their gradient. */
        void after(int first, int count);
    }

    /**
     * As {@link #crossEntropy(String, CUdeviceptr, int, int, CUdeviceptr, CUdeviceptr,
     * CrossEntropyOptions, CUdeviceptr, CUdeviceptr, CUdeviceptr, CUdeviceptr, CUstream)}, the rows
     * in {@code chunks} when given: one row kernel per chunk, the row losses kept, and the loss
     * reduced from them at the end.
     */
    Slot crossEntropy(String call, CUdeviceptr logits, int rows, int cols, CUdeviceptr labels, CUdeviceptr targets,
                      CrossEntropyOptions o, CUdeviceptr grad, CUdeviceptr probs, CUdeviceptr rowLoss,
                      CUdeviceptr lossOut, CUstream s, Chunks chunks) {
        Operand second = targets != null ? Operand.values("targetProbs", targets, cols, false)
                : Operand.labels("labels", labels, cols, o.ignoreIndex());
        int reduction = reduction(o.reduction());
        RowKernel.Shape shape = rowShape(rows, cols, logits, targets, grad, probs);
        CUdeviceptr partial = reduction == Contract.REDUCE_NONE || chunks != null ? null
                : workspace.get(Use.PARTIAL, shape.grid() * (long) Double.BYTES, call).pointer();
        CUdeviceptr losses = chunks == null || rowLoss != null ? rowLoss
                : workspace.get(Use.ROW_LOSS, (long) rows * Float.BYTES, call).pointer();
        CUdeviceptr weights = classWeights(o, s, call);
        double eps = o.labelSmoothing();
        int op = targets != null ? Contract.OP_CE_TARGETS : Contract.OP_CE_LABELS;
        return queue(call, s, List.of(Operand.values("logits", logits, cols, true), second), slot -> {
            if (targets == null) {
                new DivisorKernel(rows, cols, o.ignoreIndex(), reduction, labels, weights, null, slot.status(), 1)
                        .launch(module, s);
            }
            int step = chunks == null ? rows : chunks.rows();
            for (int r0 = 0; r0 < rows; r0 += step) {
                int m = Math.min(step, rows - r0);
                long at = (long) r0 * cols * Float.BYTES;
                if (chunks != null) {
                    chunks.before(r0, m);
                }
                new RowKernel(op, m, cols, reduction, logits.withByteOffset(at), null,
                        labels == null ? null : labels.withByteOffset((long) r0 * Integer.BYTES),
                        targets == null ? null : targets.withByteOffset(at), weights, null, o.ignoreIndex(),
                        (float) (1.0 - eps), (float) (eps / cols), (float) weightSum(o, cols), targets != null ? rows : 0,
                        r0, grad == null ? null : grad.withByteOffset(at), probs == null ? null : probs.withByteOffset(at),
                        losses == null ? null : losses.withByteOffset((long) r0 * Float.BYTES), partial,
                        partial == null ? null : lossOut, slot.status(), 0, 1)
                        .launch(module, chunks == null ? shape : rowShape(m, cols, logits, targets, grad, probs), s);
                if (chunks != null) {
                    chunks.after(r0, m);
                }
            }
            if (chunks != null && reduction != Contract.REDUCE_NONE) {
                new ReduceKernel(rows, reduction, 0, targets != null ? rows : 0, losses, slot.status(), lossOut)
                        .launch(module, s);
            }
        });
    }

    /** dZ = P ⊙ (G − rowsum(G ⊙ P)) for probs and gradProbs [rows, cols] into out. */
    Slot softmaxBackward(CUdeviceptr probs, CUdeviceptr gradProbs, int rows, int cols, CUdeviceptr out, CUstream s) {
        return queue("softmaxBackward", s, List.of(Operand.values("probs", probs, cols, false),
                Operand.values("gradProbs", gradProbs, cols, false)), slot ->
                new BackwardKernel(rows, cols, probs, gradProbs, out, slot.status())
                        .launch(module, aligned(cols, probs, gradProbs, out), s));
    }

    /** The Jacobians of the softmax of logits [rows, cols] into out [rows, cols, cols]. */
    Slot softmaxJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out, CUstream s) {
        String call = "softmaxJacobian of " + rows + " × " + cols;
        CUdeviceptr probs = workspace.get(Use.PROBS, (long) rows * cols * Float.BYTES, call).pointer();
        RowKernel.Shape shape = rowShape(rows, cols, logits, probs);
        return queue("softmaxJacobian", s, List.of(Operand.values("logits", logits, cols, true)), slot -> {
            RowKernel.softmax(false, logits, rows, cols, probs, slot.status()).launch(module, shape, s);
            new JacobianKernel(rows, cols, probs, out).launch(module, s);
        });
    }

    /**
     * Sigmoid binary cross-entropy of logits and targets [rows, cols].
     *
     * @param losses [rows, cols] the element losses (reduction none), else null
     */
    Slot binaryCrossEntropy(CUdeviceptr x, CUdeviceptr t, int rows, int cols, BinaryCrossEntropyOptions o,
                            CUdeviceptr grad, CUdeviceptr probs, CUdeviceptr losses, CUdeviceptr lossOut, CUstream s) {
        String call = "binaryCrossEntropy of " + rows + " × " + cols;
        long n = (long) rows * cols;
        CUdeviceptr partial = workspace.get(Use.PARTIAL, BceKernel.blocks(module, n) * (long) Double.BYTES, call).pointer();
        CUdeviceptr pw = upload(Use.WEIGHTS, o.posWeight(), s, call);
        return queue("binaryCrossEntropy", s, List.of(Operand.values("logits", x, cols, false),
                Operand.values("targets", t, cols, false)), slot ->
                BceKernel.of(n, cols, reduction(o.reduction()), x, t, pw, grad, probs, losses, partial, lossOut,
                        slot.status()).launch(module, s));
    }

    /**
     * The classifier: X, W and b checked on the device, the reg term and the mean's divisor; then,
     * in chunks of rows whose logits fit the chunk budget: logits = X·W (cuBLAS), the fused
     * cross-entropy with the bias added on the fly and dS written over the logits in place, dW +=
     * Xᵀ·dS and dX = dS·Wᵀ (cuBLAS), db += column sums of dS; the loss reduced last. One status
     * slot for the whole call, whatever the number of chunks.
     *
     * @param rowWeights [n] each row's weight, or null: 1
     */
    Slot classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, CUdeviceptr rowWeights, int n,
                    int d, int c, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB, CUdeviceptr gradX,
                    CUdeviceptr lossOut, CUdeviceptr predicted, CUdeviceptr correct, CUstream s) {
        String call = "classifier of " + n + " × " + d + " inputs and " + c + " classes";
        CrossEntropyOptions ce = options.crossEntropy();
        CUdeviceptr weights = classWeights(ce, s, call);
        int reduction = reduction(ce.reduction());
        double eps = ce.labelSmoothing();
        Linear linear = new Linear(call, "classifier", n, d, c, options.reg(), options.tf32(), options.trustedX(),
                reduction, Operand.labels("labels", labels, c, ce.ignoreIndex()), false, 0);
        ChunkPredict predict = predicted == null && correct == null ? null : (slot, logits, r0, m) ->
                new ArgmaxKernel(m, c, 0, ce.ignoreIndex(), logits, b, labels.withByteOffset(r0 * Integer.BYTES), null,
                        predicted == null ? null : predicted.withByteOffset(r0 * Integer.BYTES), correct, r0,
                        slot.status(), 3).launch(module, s);
        return run(linear, x, w, b, gradW, gradB, gradX, lossOut, s, predict,
                slot -> new DivisorKernel(n, c, ce.ignoreIndex(), reduction, labels, weights, rowWeights, slot.status(), 4)
                        .launch(module, s),
                (slot, logits, r0, m, rowLoss) -> new RowKernel(Contract.OP_CE_LABELS, m, c, reduction, logits, b,
                        labels.withByteOffset(r0 * Integer.BYTES), null, weights,
                        rowWeights == null ? null : rowWeights.withByteOffset(r0 * Float.BYTES), ce.ignoreIndex(),
                        (float) (1.0 - eps), (float) (eps / c), (float) weightSum(ce, c), 0, r0, logits, null,
                        rowLoss.withByteOffset(r0 * Float.BYTES), null, null, slot.status(), 3, 4)
                        .launch(module, rowShape(m, c, logits, b), s));
    }

    /**
     * The binary classifier: as {@link #classifier}, with the sigmoid binary cross-entropy of each
     * element against targets [n, k] in place of the softmax cross-entropy; the mean over all n·k
     * elements, as PyTorch's (with row weights: over k·Σ rowWeights).
     *
     * @param rowWeights   [n] each row's weight, or null: 1
     * @param rowWeightSum Σ rowWeights (n without them)
     */
    Slot binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, CUdeviceptr rowWeights,
                          double rowWeightSum, int n, int d, int k, BinaryClassifierOptions options,
                          CUdeviceptr gradW, CUdeviceptr gradB, CUdeviceptr gradX, CUdeviceptr lossOut, CUdeviceptr predicted, CUdeviceptr correct, CUstream s) {
        String call = "binaryClassifier of " + n + " × " + d + " inputs and " + k + " outputs";
        BinaryCrossEntropyOptions bce = options.binaryCrossEntropy();
        CUdeviceptr pw = upload(Use.WEIGHTS, bce.posWeight(), s, call);
        int reduction = reduction(bce.reduction());
        double elements = rowWeightSum * k;
        Linear linear = new Linear(call, "binaryClassifier", n, d, k, options.reg(), options.tf32(),
                options.trustedX(), reduction, Operand.values("targets", targets, k, false), true, elements);
        // Each chunk's element losses are summed into the status block as soon as they are written,
        // so they need a chunk's room, not n·k floats.
        ChunkPredict predict = predicted == null && correct == null ? null : (slot, logits, r0, m) ->
                new ArgmaxKernel(m, k, 1, 0, logits, b, null, targets.withByteOffset(r0 * k * Float.BYTES),
                        predicted == null ? null : predicted.withByteOffset(r0 * k * Integer.BYTES), correct, r0,
                        slot.status(), 3).launch(module, s);
        return run(linear, x, w, b, gradW, gradB, gradX, lossOut, s, predict, slot -> { },
                (slot, logits, r0, m, elementLoss) -> {
                    new BceKernel((long) m * k, k, reduction, logits, b, targets.withByteOffset(r0 * k * Float.BYTES),
                            pw, rowWeights == null ? null : rowWeights.withByteOffset(r0 * Float.BYTES), elements, r0 * k,
                            logits, null, elementLoss, null, null, slot.status(), 3, 4)
                            .launch(module, s);
                    new ReduceKernel((long) m * k, reduction, 1, elements, elementLoss, slot.status(), null)
                            .launch(module, s);
                });
    }

    /**
     * The loss kernels of one chunk of rows [r0, r0 + m): dS over the logits, and the losses into
     * losses (per row, at the rows' places; or per element, the chunk's own, summed before the next).
     */
    private interface ChunkLoss {
        void launch(Slot slot, CUdeviceptr logits, long r0, int m, CUdeviceptr losses);
    }

    /** The predictions of one chunk of rows [r0, r0 + m) from its logits, before dS overwrites them. */
    private interface ChunkPredict {
        void launch(Slot slot, CUdeviceptr logits, long r0, int m);
    }

    /**
     * The classifier's forward pass: in chunks of rows, logits = X·W (cuBLAS), each row's argmax
     * (with the bias) into predicted, its softmax (with the bias) into probs; X, W and b checked.
     */
    Slot linearSoftmax(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, int n, int d, int c, CUdeviceptr probs,
                       CUdeviceptr predicted, CUstream s) {
        String call = "linearSoftmax of " + n + " × " + d + " inputs and " + c + " classes";
        Cublas products = cublas.get();
        long chunkRows = Math.max(1, Math.min(n, chunkBytes() / ((long) c * Float.BYTES)));
        long squaresBlocks = SquaresKernel.blocks(module, Math.max((long) n * d, (long) d * c));
        CUdeviceptr partial = workspace.get(Use.PARTIAL, squaresBlocks * Double.BYTES, call).pointer();
        CUdeviceptr logits = workspace.get(Use.CHUNK_LOGITS, chunkRows * c * Float.BYTES, call).pointer();
        List<Operand> operands = List.of(Operand.values("x", x, d, false), Operand.values("w", w, c, false),
                Operand.values("b", b, c, false), Operand.values("logits x·w + b", null, c, false));
        return queue("linearSoftmax", s, operands, slot -> {
            new SquaresKernel((long) n * d, 0, 0, 0, x, partial, slot.status()).launch(module, s);
            if (b != null) {
                new SquaresKernel(c, 2, 0, 0, b, partial, slot.status()).launch(module, s);
            }
            new SquaresKernel((long) d * c, 1, 0, 0, w, partial, slot.status()).launch(module, s);
            products.on(s);
            for (long r0 = 0; r0 < n; r0 += chunkRows) {
                int m = (int) Math.min(chunkRows, n - r0);
                products.logits(x.withByteOffset(r0 * d * Float.BYTES), w, logits, m, d, c);
                if (predicted != null) {
                    // Logits past float's range, with the bias or without, are reported (operand 3)
                    // by this kernel and the softmax's, so that the engine computes them again in
                    // double rather than predicting from an infinity.
                    new ArgmaxKernel(m, c, 0, 0, logits, b, null, null, predicted.withByteOffset(r0 * Integer.BYTES),
                            null, r0, slot.status(), 3).launch(module, s);
                }
                if (probs != null) {
                    CUdeviceptr out = probs.withByteOffset(r0 * c * Float.BYTES);
                    new RowKernel(Contract.OP_SOFTMAX, m, c, Contract.REDUCE_NONE, logits, b, null, null, null, null, 0, 1f,
                            0f, c, 0, r0, out, null, null, null, null, slot.status(), 3, 4)
                            .launch(module, rowShape(m, c, logits, b, out), s);
                }
            }
        });
    }

    /**
     * What both linear classifiers share: the checks of X, W and b, the reg term, the chunks with
     * their products, and the final reduction of the losses (n row losses, or with elementLosses a
     * chunk's m·c element losses carried chunk by chunk; divided by divisor for the mean when it is
     * > 0, else by the divisor kernel's).
     */
    private record Linear(String call, String name, int n, int d, int c, double reg, boolean tf32, boolean trustedX,
                          int reduction, Operand targets, boolean elementLosses, double divisor) {
    }

    private Slot run(Linear l, CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr gradW, CUdeviceptr gradB,
                     CUdeviceptr gradX, CUdeviceptr lossOut, CUstream s, ChunkPredict predict,
                     java.util.function.Consumer<Slot> divisorKernel, ChunkLoss loss) {
        Cublas products = cublas.get(); // before any work: the classifier needs cuBLAS
        int n = l.n();
        int d = l.d();
        int c = l.c();
        long squaresBlocks = SquaresKernel.blocks(module, Math.max((long) n * d, (long) d * c));
        CUdeviceptr partial = workspace.get(Use.PARTIAL, squaresBlocks * Double.BYTES, l.call()).pointer();
        long perRow = (l.elementLosses() ? 2L : 1L) * c * Float.BYTES;
        long chunkRows = Math.max(1, Math.min(n, chunkBytes() / perRow));
        CUdeviceptr logits = workspace.get(Use.CHUNK_LOGITS, chunkRows * c * Float.BYTES, l.call()).pointer();
        long lossCount = l.elementLosses() ? chunkRows * c : n;
        CUdeviceptr losses = workspace.get(Use.ROW_LOSS, lossCount * Float.BYTES, l.call()).pointer();
        List<Operand> operands = List.of(Operand.values("x", x, d, false), Operand.values("w", w, c, false),
                Operand.values("b", b, c, false), Operand.values("logits x·w + b", null, c, false), l.targets());
        return queue(l.name(), s, operands, slot -> {
            if (!l.trustedX()) { // a pass over X, which a training loop checked once
                new SquaresKernel((long) n * d, 0, 0, 0, x, partial, slot.status()).launch(module, s);
            }
            if (b != null) {
                new SquaresKernel(c, 2, 0, 0, b, partial, slot.status()).launch(module, s);
            }
            new SquaresKernel((long) d * c, 1, 1, l.reg(), w, partial, slot.status()).launch(module, s);
            divisorKernel.accept(slot);
            if (gradW != null && l.reg() > 0) {
                new ScaleKernel((long) d * c, (float) (2 * l.reg()), w, gradW).launch(module, s);
            }
            products.on(s);
            products.tf32(l.tf32());
            try {
                for (long r0 = 0; r0 < n; r0 += chunkRows) {
                    int m = (int) Math.min(chunkRows, n - r0);
                    CUdeviceptr xChunk = x.withByteOffset(r0 * d * Float.BYTES);
                    products.logits(xChunk, w, logits, m, d, c);
                    if (predict != null) {
                        predict.launch(slot, logits, r0, m);
                    }
                    loss.launch(slot, logits, r0, m, losses);
                    if (gradW != null) {
                        products.gradW(logits, xChunk, gradW, m, d, c, r0 > 0 || l.reg() > 0 ? 1f : 0f);
                    }
                    if (gradB != null) {
                        new ColumnSumsKernel(m, c, r0 > 0 ? 1 : 0, logits, gradB).launch(module, s);
                    }
                    if (gradX != null) {
                        products.gradX(logits, w, gradX.withByteOffset(r0 * d * Float.BYTES), m, d, c);
                    }
                }
            } finally {
                products.tf32(false);
            }
            new ReduceKernel(l.elementLosses() ? 0 : n, l.reduction(), 0, l.divisor(), losses, slot.status(), lossOut)
                    .launch(module, s);
        });
    }

    /**
     * The bytes of logits a classifier chunk may take: {@link #CLASSIFIER_CHUNK_BYTES}, or a
     * quarter of the device's free memory when that is less.
     */
    private long chunkBytes() {
        long[] free = new long[1];
        long[] total = new long[1];
        cuda.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return Math.max(1L << 16, Math.min(CLASSIFIER_CHUNK_BYTES, free[0] / 4));
    }

    // ---------------------------------------------------------------------------------------------

    private RowKernel.Shape rowShape(int rows, int cols, CUdeviceptr... buffers) {
        return RowKernel.shape(rows, cols, aligned(cols, buffers), module::maxThreads, module.multiprocessors());
    }

    /** The class weights on the device (an engine buffer), or null. */
    private CUdeviceptr classWeights(CrossEntropyOptions o, CUstream s, String call) {
        return upload(Use.WEIGHTS, o.classWeights(), s, call);
    }

    private CUdeviceptr upload(Use use, float[] values, CUstream s, String call) {
        if (values == null) {
            return null;
        }
        CUdeviceptr p = workspace.get(use, (long) values.length * Float.BYTES, call).pointer();
        transfers.upload(values, p, s);
        return p;
    }

    private static double weightSum(CrossEntropyOptions o, int cols) {
        float[] w = o.classWeights();
        if (w == null) {
            return cols;
        }
        double sum = 0;
        for (float v : w) {
            sum += v;
        }
        return sum;
    }

    static int reduction(Reduction r) {
        return switch (r) {
            case NONE -> Contract.REDUCE_NONE;
            case SUM -> Contract.REDUCE_SUM;
            case MEAN -> Contract.REDUCE_MEAN;
        };
    }

    /** Whether 128-bit accesses are allowed: cols a multiple of 4 and every (non-null) buffer 16-byte aligned. */
    static boolean aligned(int cols, CUdeviceptr... buffers) {
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
}
