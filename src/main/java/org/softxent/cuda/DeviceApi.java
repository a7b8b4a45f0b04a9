package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemGetAddressRange;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.DeviceBuffer;
import org.softxent.OnDevice;
import org.softxent.Reduction;
import org.softxent.ShapeMismatchException;
import org.softxent.backend.Checks;
import org.softxent.backend.Operand;
import org.softxent.backend.Rules;

/**
 * The device-resident API of one engine on one stream (the engine's own, or one of the caller's):
 * each call checks its arguments by the same {@link Rules} as the array API, each buffer's
 * allocation against the bytes its shape needs, then queues {@link DeviceOps}' work and returns.
 */
final class DeviceApi implements OnDevice {
    private final CudaEngine engine;
    private final CUstream stream;

    DeviceApi(CudaEngine engine, CUstream stream) {
        this.engine = engine;
        this.stream = Checks.requireNonNull("stream", stream);
    }

    CudaEngine engine() {
        return engine;
    }

    /**
     * Queues a call's work on this API's stream, after the engine's calls before it and before its
     * calls after it ({@link CudaContext#enter}, {@link CudaContext#leave}).
     */
    private void queue(java.util.function.Consumer<CUstream> work) {
        CUstream s = engine.cuda.enter(stream);
        engine.status.resident(true); // this API's calls: their bad data is reported to this API
        try {
            work.accept(s);
        } catch (RuntimeException e) {
            try {
                engine.cuda.leave(s); // what was queued before the failure is still ordered
            } catch (RuntimeException also) {
                e.addSuppressed(also);
            }
            throw e;
        } finally {
            engine.status.resident(false); // an Error too: later array calls must not count as this API's
        }
        engine.cuda.leave(s);
    }

    @Override
    public CUstream stream() {
        return stream;
    }

    @Override
    public void synchronize() {
        synchronized (engine) {
            engine.begin();
            engine.cuda.synchronizeAll(); // the uploads beside the calls too
            engine.status.drain(true);
        }
    }

    @Override
    public void softmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        rows("softmax", false, logits, rows, cols, out);
    }

    @Override
    public void logSoftmax(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        rows("logSoftmax", true, logits, rows, cols, out);
    }

    private void rows(String call, boolean log, CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        synchronized (engine) {
            engine.begin();
            Rules.softmax(rows, cols, floats("logits", logits), floats("out", out));
            long n = 4L * rows * cols;
            apart("logits", in("logits", logits, n), out("out", out, n));
            queue(s -> engine.ops.softmax(call, log, logits, rows, cols, out, s));
        }
    }

    @Override
    public void crossEntropy(CUdeviceptr logits, int rows, int cols, CUdeviceptr labels, CrossEntropyOptions options,
                             CUdeviceptr gradOut, CUdeviceptr probsOut, CUdeviceptr lossOut) {
        crossEntropy("crossEntropy", logits, rows, cols, labels, null, options, gradOut, probsOut, lossOut);
    }

    @Override
    public void crossEntropyWithTargets(CUdeviceptr logits, int rows, int cols, CUdeviceptr targetProbs,
                                        CrossEntropyOptions options, CUdeviceptr gradOut, CUdeviceptr probsOut,
                                        CUdeviceptr lossOut) {
        crossEntropy("crossEntropyWithTargets", logits, rows, cols, null, Checks.requireNonNull("targetProbs",
                targetProbs), options, gradOut, probsOut, lossOut);
    }

    private void crossEntropy(String call, CUdeviceptr logits, int rows, int cols, CUdeviceptr labels,
                              CUdeviceptr targets, CrossEntropyOptions o, CUdeviceptr grad, CUdeviceptr probs,
                              CUdeviceptr lossOut) {
        synchronized (engine) {
            engine.begin();
            Rules.crossEntropy(rows, cols, floats("logits", logits), ints("labels", labels),
                    targets == null ? null : floats("targetProbs", targets), o, floats("gradOut", grad),
                    floats("probsOut", probs));
            boolean none = o.reduction() == Reduction.NONE;
            optional(floats("lossOut", lossOut), none ? rows : 1, none ? "hold rows = " + rows + " floats" : "hold 1 float");
            long n = 4L * rows * cols;
            apart("logits", in("logits", logits, n), in("labels", labels, 4L * rows), in("targetProbs", targets, n),
                    out("gradOut", grad, n), out("probsOut", probs, n), out("lossOut", lossOut, none ? 4L * rows : 4));
            queue(s -> engine.ops.crossEntropy(call, logits, rows, cols, labels, targets, o, grad, probs,
                    none ? lossOut : null, none ? null : lossOut, s));
        }
    }

    @Override
    public void softmaxBackward(CUdeviceptr probs, CUdeviceptr gradProbs, int rows, int cols, CUdeviceptr out) {
        synchronized (engine) {
            engine.begin();
            Rules.softmaxBackward(rows, cols, floats("probs", probs), floats("gradProbs", gradProbs), floats("out", out));
            long n = 4L * rows * cols;
            apart(null, in("probs", probs, n), in("gradProbs", gradProbs, n), out("out", out, n));
            queue(s -> engine.ops.softmaxBackward(probs, gradProbs, rows, cols, out, s));
        }
    }

    @Override
    public void softmaxJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        synchronized (engine) {
            engine.begin();
            Rules.softmaxJacobian(rows, cols, floats("logits", logits), floats("out", out));
            apart(null, in("logits", logits, 4L * rows * cols), out("out", out, 4L * rows * cols * cols));
            queue(s -> engine.ops.softmaxJacobian(logits, rows, cols, out, s));
        }
    }

    @Override
    public void binaryCrossEntropy(CUdeviceptr logits, CUdeviceptr targets, int rows, int cols,
                                   BinaryCrossEntropyOptions o, CUdeviceptr gradOut, CUdeviceptr probsOut,
                                   CUdeviceptr lossOut) {
        synchronized (engine) {
            engine.begin();
            Rules.binaryCrossEntropy(rows, cols, floats("logits", logits), floats("targets", targets), o,
                    floats("gradOut", gradOut), floats("probsOut", probsOut));
            boolean none = o.reduction() == Reduction.NONE;
            long n = (long) rows * cols;
            optional(floats("lossOut", lossOut), none ? n : 1, none ? "hold rows × cols = " + n + " floats" : "hold 1 float");
            apart("logits", in("logits", logits, 4 * n), in("targets", targets, 4 * n), out("gradOut", gradOut, 4 * n),
                    out("probsOut", probsOut, 4 * n), out("lossOut", lossOut, none ? 4 * n : 4));
            queue(s -> engine.ops.binaryCrossEntropy(logits, targets, rows, cols, o, gradOut, probsOut,
                    none ? lossOut : null, none ? null : lossOut, s));
        }
    }

    @Override
    public void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows, int features,
                           int classes, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB,
                           CUdeviceptr gradX, CUdeviceptr lossOut) {
        classifier(x, w, b, labels, rows, features, classes, options, gradW, gradB, gradX, lossOut, null, null);
    }

    @Override
    public void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows, int features,
                           int classes, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB,
                           CUdeviceptr gradX, CUdeviceptr lossOut, CUdeviceptr predicted, CUdeviceptr correct) {
        synchronized (engine) {
            engine.begin();
            Rules.classifier(rows, features, classes, floats("x", x), floats("w", w), floats("b", b),
                    ints("labels", labels), options, floats("gradW", gradW), floats("gradB", gradB),
                    floats("gradX", gradX), ints("predicted", predicted));
            optional(floats("lossOut", lossOut), 1, "hold 1 float");
            optional(ints("correct", correct), 1, "hold 1 int");
            apart(null, in("x", x, 4L * rows * features), in("w", w, 4L * features * classes), in("b", b, 4L * classes),
                    in("labels", labels, 4L * rows), out("gradW", gradW, 4L * features * classes),
                    out("gradB", gradB, 4L * classes), out("gradX", gradX, 4L * rows * features),
                    out("lossOut", lossOut, 4), out("predicted", predicted, 4L * rows), out("correct", correct, 4));
            queue(s -> engine.ops.classifier(x, w, b, labels, null, rows, features, classes, options, gradW, gradB,
                    gradX, lossOut, predicted, correct, s));
        }
    }

    @Override
    public void linearSoftmax(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, int rows, int features, int classes,
                              CUdeviceptr probsOut, CUdeviceptr predictedOut) {
        synchronized (engine) {
            engine.begin();
            Rules.linearSoftmax(rows, features, classes, floats("x", x), floats("w", w), floats("b", b),
                    floats("probsOut", probsOut), ints("predictedOut", predictedOut));
            apart(null, in("x", x, 4L * rows * features), in("w", w, 4L * features * classes), in("b", b, 4L * classes),
                    out("probsOut", probsOut, 4L * rows * classes), out("predictedOut", predictedOut, 4L * rows));
            queue(s -> engine.ops.linearSoftmax(x, w, b, rows, features, classes, probsOut, predictedOut, s));
        }
    }

    @Override
    public void binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, int rows,
                                 int features, int outputs, BinaryClassifierOptions options, CUdeviceptr gradW,
                                 CUdeviceptr gradB, CUdeviceptr gradX, CUdeviceptr lossOut) {
        binaryClassifier(x, w, b, targets, rows, features, outputs, options, gradW, gradB, gradX, lossOut, null, null);
    }

    @Override
    public void binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, int rows,
                                 int features, int outputs, BinaryClassifierOptions options, CUdeviceptr gradW,
                                 CUdeviceptr gradB, CUdeviceptr gradX, CUdeviceptr lossOut, CUdeviceptr predicted,
                                 CUdeviceptr correct) {
        synchronized (engine) {
            engine.begin();
            Rules.binaryClassifier(rows, features, outputs, floats("x", x), floats("w", w), floats("b", b),
                    floats("targets", targets), options, floats("gradW", gradW), floats("gradB", gradB),
                    floats("gradX", gradX), ints("predicted", predicted));
            optional(floats("lossOut", lossOut), 1, "hold 1 float");
            optional(ints("correct", correct), 1, "hold 1 int");
            apart(null, in("x", x, 4L * rows * features), in("w", w, 4L * features * outputs), in("b", b, 4L * outputs),
                    in("targets", targets, 4L * rows * outputs), out("gradW", gradW, 4L * features * outputs),
                    out("gradB", gradB, 4L * outputs), out("gradX", gradX, 4L * rows * features),
                    out("lossOut", lossOut, 4), out("predicted", predicted, 4L * rows * outputs),
                    out("correct", correct, 4));
            queue(s -> engine.ops.binaryClassifier(x, w, b, targets, null, rows, rows, features, outputs, options, gradW,
                    gradB, gradX, lossOut, predicted, correct, s));
        }
    }

    @Override
    public DeviceBuffer allocate(long bytes, String use) {
        Checks.requireNonNull("use", use);
        if (bytes < 1) {
            throw new IllegalArgumentException("a device buffer for " + use + " needs at least 1 byte, got " + bytes);
        }
        synchronized (engine) {
            engine.begin();
            return new Owned(engine, Memory.device(engine.memory, bytes, use));
        }
    }

    @Override
    public void upload(float[] src, CUdeviceptr dst) {
        Checks.requireNonNull("src", src);
        copyIn(floats("dst", dst), Pointer.to(src), src.length, Float.BYTES);
    }

    @Override
    public void upload(int[] src, CUdeviceptr dst) {
        Checks.requireNonNull("src", src);
        copyIn(ints("dst", dst), Pointer.to(src), src.length, Integer.BYTES);
    }

    private void copyIn(Operand dst, Pointer src, int count, int bytes) {
        synchronized (engine) {
            engine.begin();
            dst.require(count, "hold the array's " + count + " elements");
            // From pageable memory the call returns once the array is copied out: the caller may reuse it.
            queue(s -> engine.cuda.check(cuMemcpyHtoDAsync(((Span) dst).pointer(), src, (long) count * bytes, s),
                    "cuMemcpyHtoDAsync"));
        }
    }

    @Override
    public void uploadRows(float[] src, int cols, int[] order, int from, int count, CUdeviceptr dst) {
        Checks.requireNonNull("src", src);
        uploadRows(src.length, cols, order, from, count, floats("dst", dst), dst, out -> {
            java.nio.FloatBuffer view = out.asFloatBuffer();
            return (at, row, col, n) -> view.put(at, src, row * cols + col, n);
        });
    }

    @Override
    public void uploadRows(int[] src, int cols, int[] order, int from, int count, CUdeviceptr dst) {
        Checks.requireNonNull("src", src);
        uploadRows(src.length, cols, order, from, count, ints("dst", dst), dst, out -> {
            java.nio.IntBuffer view = out.asIntBuffer();
            return (at, row, col, n) -> view.put(at, src, row * cols + col, n);
        });
    }

    /** Copies n elements of src's row {@code row}, from column {@code col}, to element {@code at} of pinned memory. */
    private interface RowPart {
        void copy(int at, int row, int col, int n);
    }

    private void uploadRows(int length, int cols, int[] order, int from, int count, Operand room, CUdeviceptr dst,
                            java.util.function.Function<java.nio.ByteBuffer, RowPart> into) {
        synchronized (engine) {
            engine.begin();
            if (cols < 1) {
                throw new IllegalArgumentException("cols must be at least 1, got " + cols);
            }
            if (length % cols != 0) {
                throw new IllegalArgumentException("src must be whole rows of cols = " + cols + " values, but holds "
                        + length);
            }
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, got " + count);
            }
            int srcRows = length / cols;
            int limit = order == null ? srcRows : order.length;
            if (from < 0 || (long) from + count > limit) {
                throw new IllegalArgumentException("rows [from, from + count) = [" + from + ", "
                        + ((long) from + count) + ") must lie within " + (order == null ? "src's " + srcRows + " rows of " + cols
                        : "order's " + order.length + " entries"));
            }
            if (order != null) {
                for (int i = from; i < from + count; i++) {
                    if (order[i] < 0 || order[i] >= srcRows) {
                        throw new IllegalArgumentException("order[" + i + "] = " + order[i] + " is not a row of src ["
                                + srcRows + ", " + cols + "]");
                    }
                }
            }
            room.require((long) count * cols, "hold count × cols = " + count + " × " + cols + " elements");
            engine.cuda.leave(stream); // the uploads wait for the engine's stream: make it follow this one
            engine.uploads().upload((out, at, offset, n) -> {
                // Elements [offset, offset + n) of dst, row by row of the source.
                RowPart part = into.apply(out);
                long e = offset;
                int done = 0;
                while (done < n) {
                    int i = (int) (e / cols);
                    int col = (int) (e - (long) i * cols);
                    int k = Math.min(n - done, cols - col);
                    part.copy(at + done, order == null ? from + i : order[from + i], col, k);
                    done += k;
                    e += k;
                }
            }, (long) count * cols, dst);
        }
    }

    @Override
    public void awaitUploads() {
        synchronized (engine) {
            engine.begin();
            RowUploads uploads = engine.uploadsIfMade();
            if (uploads != null) { // else nothing was uploaded to wait for
                queue(uploads::awaitOn);
            }
        }
    }

    @Override
    public void download(CUdeviceptr src, float[] dst) {
        Checks.requireNonNull("dst", dst);
        copyOut(floats("src", src), src, Pointer.to(dst), dst.length, Float.BYTES, "floats");
    }

    @Override
    public void download(CUdeviceptr src, int[] dst) {
        Checks.requireNonNull("dst", dst);
        copyOut(ints("src", src), src, Pointer.to(dst), dst.length, Integer.BYTES, "ints");
    }

    private void copyOut(Operand from, CUdeviceptr src, Pointer dst, int count, int bytes, String what) {
        synchronized (engine) {
            engine.begin();
            from.require(count, "hold the array's " + count + " " + what);
            queue(s -> engine.cuda.check(cuMemcpyDtoHAsync(dst, src, (long) count * bytes, s), "cuMemcpyDtoHAsync"));
            engine.status.drain(true);
        }
    }

    @Override
    public void gatherRows(CUdeviceptr src, long srcRows, int cols, CUdeviceptr indices, int count, CUdeviceptr dst) {
        synchronized (engine) {
            engine.begin();
            if (srcRows < 1 || srcRows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("srcRows must be in [1, 2^31 - 1] (int32 indices), got " + srcRows);
            }
            Rules.dimensions("count", count, "cols", cols);
            ints("indices", indices).require(count, "hold count = " + count + " ints");
            ints("src", src).require(srcRows * cols, "hold srcRows × cols = " + srcRows + " × " + cols + " words");
            ints("dst", dst).require((long) count * cols, "hold count × cols = " + count + " × " + cols + " words");
            apart(null, in("src", src, 4L * srcRows * cols), in("indices", indices, 4L * count),
                    out("dst", dst, 4L * count * cols));
            queue(s -> engine.ops.gatherRows(src, srcRows, cols, indices, count, dst, s));
        }
    }

    @Override
    public void sgdUpdate(CUdeviceptr param, CUdeviceptr grad, CUdeviceptr velocity, long n, float lr, float momentum) {
        synchronized (engine) {
            engine.begin();
            if (n < 1) {
                throw new IllegalArgumentException("n must be at least 1, got " + n);
            }
            if (!Float.isFinite(lr) || !(momentum >= 0f && momentum < 1f)) {
                throw new IllegalArgumentException("lr must be finite and momentum in [0, 1), got lr " + lr
                        + ", momentum " + momentum);
            }
            String shape = "hold n = " + n + " floats";
            floats("param", param).require(n, shape);
            floats("grad", grad).require(n, shape);
            optional(floats("velocity", velocity), n, shape);
            apart(null, in("grad", grad, 4 * n), out("param", param, 4 * n), out("velocity", velocity, 4 * n));
            queue(s -> engine.ops.sgdUpdate(param, grad, velocity, n, lr, momentum, s));
        }
    }

    /** A device allocation of the engine's, owned by the caller; closing waits for the engine's work. */
    private record Owned(CudaEngine engine, Memory memory) implements DeviceBuffer {
        @Override
        public CUdeviceptr pointer() {
            return memory.pointer();
        }

        @Override
        public long bytes() {
            return memory.bytes();
        }

        @Override
        public void close() {
            synchronized (engine) {
                if (!engine.isClosed()) {
                    engine.begin();
                    engine.cuda.synchronizeAll();
                }
                memory.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A buffer's bytes as a call uses them, for {@link #apart}; {@code output}: written by the call. */
    private record Range(String name, CUdeviceptr pointer, long bytes, boolean output) {
    }

    private static Range in(String name, CUdeviceptr p, long bytes) {
        return new Range(name, p, bytes, false);
    }

    private static Range out(String name, CUdeviceptr p, long bytes) {
        return new Range(name, p, bytes, true);
    }

    /**
     * Refuses an output whose bytes overlap another buffer of the call, as the array API refuses an
     * output that is an input or another output: the kernels read and write them in no order that
     * would make such a call mean anything. {@code inPlace} names the input an output may be
     * exactly (the logits, which the operations may overwrite in place), or is null.
     */
    private static void apart(String inPlace, Range... ranges) {
        for (int i = 0; i < ranges.length; i++) {
            Range a = ranges[i];
            if (!a.output() || a.pointer() == null) {
                continue;
            }
            long from = DevicePointers.address(a.pointer());
            for (int j = 0; j < ranges.length; j++) {
                Range b = ranges[j];
                if (j == i || b.pointer() == null || (b.output() && j < i)) {
                    continue; // two outputs are looked at once
                }
                long start = DevicePointers.address(b.pointer());
                if (from < start + b.bytes() && start < from + a.bytes()) {
                    if (b.name().equals(inPlace) && from == start && a.bytes() == b.bytes()) {
                        continue;
                    }
                    throw new IllegalArgumentException(a.name() + " and " + b.name() + " share device memory: an "
                            + "output must not overlap an input or another output"
                            + (inPlace != null ? " (it may be " + inPlace + " itself, in place)" : ""));
                }
            }
        }
    }

    private Operand floats(String name, CUdeviceptr p) {
        return new Span(name, p, Float.BYTES);
    }

    private Operand ints(String name, CUdeviceptr p) {
        return new Span(name, p, Integer.BYTES);
    }

    private static void optional(Operand o, long count, String shape) {
        if (o.present()) {
            o.require(count, shape);
        }
    }

    /**
     * A device buffer as the rules see it: room from its pointer to the end of its allocation,
     * which must be device memory of the engine's context.
     */
    private record Span(String name, CUdeviceptr pointer, int elementBytes) implements Operand {
        @Override
        public boolean present() {
            return pointer != null;
        }

        @Override
        public void require(long count, String shape) {
            CUdeviceptr base = new CUdeviceptr();
            long[] size = new long[1];
            int result = cuMemGetAddressRange(base, size, pointer);
            if (result != CUresult.CUDA_SUCCESS) {
                throw new IllegalArgumentException(name + " is not device memory of this engine's context ("
                        + CUresult.stringFor(result) + ")");
            }
            long address = DevicePointers.address(pointer);
            if (address % elementBytes != 0) {
                // A kernel's misaligned access is a fault the context does not survive (nor, sharing
                // the device's primary context, any other engine of the process): refused here.
                throw new IllegalArgumentException(name + " points " + (address - DevicePointers.address(base))
                        + " bytes into its allocation, not a multiple of " + elementBytes + ": a pointer to "
                        + elementBytes + "-byte elements must be aligned to one (an offset of whole elements)");
            }
            long available = DevicePointers.address(base) + size[0] - address;
            long bytes;
            try {
                bytes = Math.multiplyExact(count, (long) elementBytes);
            } catch (ArithmeticException e) {
                // Wrapped, the size would pass the check and a kernel would run past the buffer.
                throw new ShapeMismatchException(name + " must " + shape + ", more bytes than a 64-bit size holds");
            }
            if (available < bytes) {
                throw new ShapeMismatchException(name + " must " + shape + " (" + bytes + " bytes from its pointer on),"
                        + " but its allocation holds " + available);
            }
        }
    }
}
