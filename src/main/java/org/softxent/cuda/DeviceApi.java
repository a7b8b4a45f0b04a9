package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemGetAddressRange;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.softxent.BinaryClassifierOptions;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
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

    @Override
    public CUstream stream() {
        return stream;
    }

    @Override
    public void synchronize() {
        synchronized (engine) {
            engine.begin();
            engine.status.drain();
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
            engine.ops.softmax(call, log, logits, rows, cols, out, engine.cuda.enter(stream));
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
            optional(floats("lossOut", lossOut), none ? rows : 1, none ? "length rows = " + rows : "hold 1 float");
            engine.ops.crossEntropy(call, logits, rows, cols, labels, targets, o, grad, probs, none ? lossOut : null,
                    none ? null : lossOut, engine.cuda.enter(stream));
        }
    }

    @Override
    public void softmaxBackward(CUdeviceptr probs, CUdeviceptr gradProbs, int rows, int cols, CUdeviceptr out) {
        synchronized (engine) {
            engine.begin();
            Rules.softmaxBackward(rows, cols, floats("probs", probs), floats("gradProbs", gradProbs), floats("out", out));
            engine.ops.softmaxBackward(probs, gradProbs, rows, cols, out, engine.cuda.enter(stream));
        }
    }

    @Override
    public void softmaxJacobian(CUdeviceptr logits, int rows, int cols, CUdeviceptr out) {
        synchronized (engine) {
            engine.begin();
            Rules.softmaxJacobian(rows, cols, floats("logits", logits), floats("out", out));
            engine.ops.softmaxJacobian(logits, rows, cols, out, engine.cuda.enter(stream));
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
            engine.ops.binaryCrossEntropy(logits, targets, rows, cols, o, gradOut, probsOut, none ? lossOut : null,
                    none ? null : lossOut, engine.cuda.enter(stream));
        }
    }

    @Override
    public void classifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr labels, int rows, int features,
                           int classes, ClassifierOptions options, CUdeviceptr gradW, CUdeviceptr gradB,
                           CUdeviceptr gradX, CUdeviceptr lossOut) {
        synchronized (engine) {
            engine.begin();
            Rules.classifier(rows, features, classes, floats("x", x), floats("w", w), floats("b", b),
                    ints("labels", labels), options, floats("gradW", gradW), floats("gradB", gradB),
                    floats("gradX", gradX));
            optional(floats("lossOut", lossOut), 1, "hold 1 float");
            engine.ops.classifier(x, w, b, labels, rows, features, classes, options, gradW, gradB, gradX, lossOut,
                    engine.cuda.enter(stream));
        }
    }

    @Override
    public void binaryClassifier(CUdeviceptr x, CUdeviceptr w, CUdeviceptr b, CUdeviceptr targets, int rows,
                                 int features, int outputs, BinaryClassifierOptions options, CUdeviceptr gradW,
                                 CUdeviceptr gradB, CUdeviceptr gradX, CUdeviceptr lossOut) {
        synchronized (engine) {
            engine.begin();
            Rules.binaryClassifier(rows, features, outputs, floats("x", x), floats("w", w), floats("b", b),
                    floats("targets", targets), options, floats("gradW", gradW), floats("gradB", gradB),
                    floats("gradX", gradX));
            optional(floats("lossOut", lossOut), 1, "hold 1 float");
            engine.ops.binaryClassifier(x, w, b, targets, rows, features, outputs, options, gradW, gradB, gradX,
                    lossOut, engine.cuda.enter(stream));
        }
    }

    // ---------------------------------------------------------------------------------------------

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
            long available = DevicePointers.address(base) + size[0] - DevicePointers.address(pointer);
            long bytes = count * elementBytes;
            if (available < bytes) {
                throw new ShapeMismatchException(name + " must " + shape + " (" + bytes + " bytes from its pointer on),"
                        + " but its allocation holds " + available);
            }
        }
    }
}
