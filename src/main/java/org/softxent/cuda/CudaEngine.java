package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.softxent.Device;
import org.softxent.DeviceOutOfMemoryException;
import org.softxent.DeviceUnavailableException;
import org.softxent.OnDevice;
import org.softxent.Reduction;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cuda.StatusRing.Slot;
import org.softxent.cuda.Workspace.Use;

/**
 * The GPU backend: its lifetime (the context, the kernels, the memory, cuBLAS when the classifier
 * first needs it) and the array API, which uploads the arrays into the engine's own buffers
 * through pinned staging, runs the same device work as the device-resident API
 * ({@link DeviceApi}, through {@link DeviceOps}) on the engine's stream, downloads the outputs and
 * waits. Calls are serialised on the engine; each makes the context current first, so any thread
 * may call.
 */
final class CudaEngine implements Backend {
    final CudaContext cuda;
    final MemoryTracker memory;
    final Module module;
    final Workspace workspace;
    final Transfers transfers;
    final StatusRing status;
    final DeviceOps ops;
    private final OnDevice onDevice;
    private Cublas cublas;
    private String noCublas;
    /** The array API's cross-entropy pipeline, made at its first call. */
    private StagedCrossEntropy staged;
    /** The device-resident API's uploads beside the work, made at the first. */
    private RowUploads uploads;
    private boolean closed;
    private final java.lang.ref.Cleaner.Cleanable dropped;

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** What the cleaner does for an engine dropped without close(): report, free, release the context. */
    private record Dropped(CudaContext cuda, MemoryTracker memory, Module module, Transfers transfers,
                           java.util.List<AutoCloseable> lazy, boolean[] closed) implements Runnable {
        @Override
        public void run() {
            if (!closed[0]) {
                MemoryTracker.reportLeak("a GPU engine (" + cuda + ") was dropped without close()");
                cuda.makeCurrentForClose();
                lazy.forEach(CudaEngine::closeQuietly);
                closeQuietly(transfers);
                closeQuietly(module);
                memory.closeAll();
                cuda.close();
            }
        }
    }

    /** What the engine opened when first needed (cuBLAS, the staging pipeline), where the cleaner finds it. */
    private final java.util.List<AutoCloseable> lazy = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final boolean[] closedFlag = {false};

    CudaEngine(int ordinal) {
        cuda = new CudaContext(ordinal);
        MemoryTracker tracker = new MemoryTracker(cuda);
        Module m = null;
        Transfers t = null;
        StatusRing r = null;
        try {
            m = new Module(cuda);
            t = new Transfers(tracker);
            r = new StatusRing(tracker);
        } catch (RuntimeException | LinkageError e) {
            for (AutoCloseable c : new AutoCloseable[] {r, t, m}) {
                closeQuietly(c);
            }
            tracker.closeAll();
            cuda.close();
            throw e;
        }
        memory = tracker;
        module = m;
        transfers = t;
        status = r;
        workspace = new Workspace(tracker);
        ops = new DeviceOps(cuda, module, workspace, status, transfers, this::cublas);
        onDevice = new DeviceApi(this, cuda.stream);
        dropped = CLEANER.register(this, new Dropped(cuda, memory, module, transfers, lazy, closedFlag));
    }

    @Override
    public Device device() {
        return Device.GPU;
    }

    @Override
    public synchronized String description() {
        return "GPU " + cuda + (cublas == null ? "" : ", cuBLAS " + cublas.version
                + (DriverLoader.simulated() ? " (simulated)" : "") + (CublasLoader.bridged() ? " via the 12->13 bridge" : ""));
    }

    /** The device-resident API on the engine's stream. */
    OnDevice onDevice() {
        return onDevice;
    }

    /** The stream and pinned buffers of {@link OnDevice#uploadRows}, made at its first call. */
    synchronized RowUploads uploads() {
        if (uploads == null) {
            uploads = new RowUploads(memory);
            lazy.add(uploads);
        }
        return uploads;
    }

    synchronized RowUploads uploadsIfMade() {
        return uploads;
    }

    /** The device-resident API on the caller's {@code stream}. */
    OnDevice onDevice(CUstream stream) {
        return new DeviceApi(this, stream);
    }

    /**
     * cuBLAS, opened when the classifier first needs it and then checked against the CPU.
     *
     * @throws DeviceUnavailableException saying why the classifier cannot run here
     */
    synchronized Cublas cublas() {
        if (cublas == null) {
            if (noCublas != null) {
                throw new DeviceUnavailableException(noCublas);
            }
            try {
                cublas = new Cublas();
                lazy.add(cublas);
                SelfCheck.products(this::products);
            } catch (DeviceOutOfMemoryException e) {
                lazy.remove(cublas);
                closeQuietly(cublas);
                cublas = null;
                throw e; // a passing shortage: the next classifier call tries again
            } catch (RuntimeException | LinkageError e) {
                if (cublas != null) {
                    lazy.remove(cublas);
                    closeQuietly(cublas);
                    cublas = null;
                }
                noCublas = "the classifier needs cuBLAS, which is not usable here: " + Cublas.firstLine(e.getMessage());
                throw new DeviceUnavailableException(noCublas, e);
            }
        }
        return cublas;
    }

    /** The self-check's products on this engine's cuBLAS, in memory of their own, waited for. */
    private float[][] products(float[] x, float[] w, float[] ds, int n, int d, int c) {
        CUstream s = enter();
        try (Memory dx = Memory.device(memory, 4L * n * d, "self-check"); Memory dw = Memory.device(memory, 4L * d * c,
                "self-check"); Memory dds = Memory.device(memory, 4L * n * c, "self-check");
             Memory logits = Memory.device(memory, 4L * n * c, "self-check");
             Memory gradW = Memory.device(memory, 4L * d * c, "self-check");
             Memory gradX = Memory.device(memory, 4L * n * d, "self-check")) {
            transfers.upload(x, dx.pointer(), s);
            transfers.upload(w, dw.pointer(), s);
            transfers.upload(ds, dds.pointer(), s);
            cublas.on(s);
            cublas.logits(dx.pointer(), dw.pointer(), logits.pointer(), n, d, c);
            cublas.gradW(dds.pointer(), dx.pointer(), gradW.pointer(), n, d, c, 0f);
            cublas.gradX(dds.pointer(), dw.pointer(), gradX.pointer(), n, d, c);
            float[][] out = {new float[n * c], new float[d * c], new float[n * d]};
            transfers.download(logits.pointer(), out[0], s);
            transfers.download(gradW.pointer(), out[1], s);
            transfers.download(gradX.pointer(), out[2], s);
            cuda.synchronizeAll();
            return out;
        }
    }

    /** Whether {@link #close} ran (its memory is then freed already). */
    boolean isClosed() {
        return closed;
    }

    /** Makes the context current for a call; refuses work on a closed engine. */
    void begin() {
        if (closed) {
            throw new IllegalStateException("this Softxent engine is closed");
        }
        cuda.makeCurrent();
    }

    // =============================================================================================
    // The array API: host arrays in and out, on the engine's stream.

    @Override
    public synchronized void softmax(float[] logits, int rows, int cols, boolean log, float[] out) {
        CUstream s = enter();
        String call = (log ? "logSoftmax" : "softmax") + " of " + rows + " × " + cols;
        CUdeviceptr z = upload(Use.LOGITS, logits, s, call);
        CUdeviceptr o = buffer(Use.OUT, out.length, call);
        ops.softmax(log ? "logSoftmax" : "softmax", log, z, rows, cols, o, s);
        finish(s, o, out);
    }

    /**
     * Host arrays through {@link StagedCrossEntropy}: uploads, kernels and downloads overlap, chunk
     * by chunk.
     */
    @Override
    public synchronized double crossEntropy(CrossEntropyProblem p) {
        CUstream s = enter();
        String call = "crossEntropy of " + p.rows() + " × " + p.cols() + " logits";
        long n = (long) p.rows() * p.cols();
        CUdeviceptr z = buffer(Use.LOGITS, n, call);
        CUdeviceptr labels = null;
        if (p.labels() != null) {
            labels = buffer(Use.LABELS, p.labels().length, call);
            transfers.upload(p.labels(), labels, s);
        }
        CUdeviceptr targets = p.targetProbs() == null ? null : buffer(Use.TARGETS, n, call);
        CUdeviceptr grad = p.gradOut() == null ? null : buffer(Use.OUT, n, call);
        CUdeviceptr probs = p.probsOut() == null ? null : buffer(Use.PROBS, n, call);
        CUdeviceptr losses = p.lossesOut() == null ? null : buffer(Use.ROW_LOSS, p.rows(), call);
        if (staged == null) {
            staged = new StagedCrossEntropy(memory);
            lazy.add(staged);
        }
        DeviceOps.Chunks chunks = staged.call(p.cols(), s, p.logits(), p.targetProbs(), z, targets, grad, probs,
                p.gradOut(), p.probsOut());
        Slot slot = ops.crossEntropy("crossEntropy", z, p.rows(), p.cols(), labels, targets, p.options(), grad, probs,
                losses, null, s, chunks);
        staged.finish(chunks);
        finish(s, losses, p.lossesOut());
        return p.options().reduction() == Reduction.NONE ? Double.NaN : status.loss(slot);
    }

    @Override
    public synchronized void softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out) {
        CUstream s = enter();
        String call = "softmaxBackward of " + rows + " × " + cols;
        CUdeviceptr p = upload(Use.LOGITS, probs, s, call);
        CUdeviceptr g = upload(Use.TARGETS, gradProbs, s, call);
        CUdeviceptr o = buffer(Use.OUT, out.length, call);
        ops.softmaxBackward(p, g, rows, cols, o, s);
        finish(s, o, out);
    }

    @Override
    public synchronized void softmaxJacobian(float[] logits, int rows, int cols, float[] out) {
        CUstream s = enter();
        String call = "softmaxJacobian of " + rows + " × " + cols;
        CUdeviceptr z = upload(Use.LOGITS, logits, s, call);
        CUdeviceptr o = buffer(Use.OUT, out.length, call);
        ops.softmaxJacobian(z, rows, cols, o, s);
        finish(s, o, out);
    }

    @Override
    public synchronized double binaryCrossEntropy(BinaryCrossEntropyProblem p) {
        CUstream s = enter();
        long n = (long) p.rows() * p.cols();
        String call = "binaryCrossEntropy of " + p.rows() + " × " + p.cols();
        CUdeviceptr x = upload(Use.LOGITS, p.logits(), s, call);
        CUdeviceptr t = upload(Use.TARGETS, p.targets(), s, call);
        CUdeviceptr grad = p.gradOut() == null ? null : buffer(Use.OUT, n, call);
        CUdeviceptr probs = p.probsOut() == null ? null : buffer(Use.PROBS, n, call);
        CUdeviceptr losses = p.lossesOut() == null ? null : buffer(Use.ROW_LOSS, n, call);
        Slot slot = ops.binaryCrossEntropy(x, t, p.rows(), p.cols(), p.options(), grad, probs, losses, null, s);
        finish(s, grad, p.gradOut(), probs, p.probsOut(), losses, p.lossesOut());
        return p.options().reduction() == Reduction.NONE ? Double.NaN : status.loss(slot);
    }

    /**
     * The classifiers' array calls whose logits the float products left NaN or infinite (finite
     * inputs past float's range, or a NaN in rows given as trusted) are computed again by the CPU
     * reference, in double, as the fast CPU engine does: the same result on every engine (a loss, or
     * NaN where the inputs hold one), every output written by that computation. The device-resident
     * calls report such logits instead (their data never leaves the device).
     */
    private static final org.softxent.cpu.CpuBackend IN_DOUBLE = org.softxent.cpu.CpuBackend.reference();

    @Override
    public double classifier(ClassifierProblem p) {
        try {
            return classifierOnDevice(p);
        } catch (StatusRing.IntermediateNotFinite e) {
            return IN_DOUBLE.classifier(p);
        }
    }

    @Override
    public void linearSoftmax(float[] xs, float[] ws, float[] bs, int n, int d, int c, float[] probsOut,
                              int[] predictedOut) {
        try {
            linearSoftmaxOnDevice(xs, ws, bs, n, d, c, probsOut, predictedOut);
        } catch (StatusRing.IntermediateNotFinite e) {
            IN_DOUBLE.linearSoftmax(xs, ws, bs, n, d, c, probsOut, predictedOut);
        }
    }

    @Override
    public double binaryClassifier(BinaryClassifierProblem p) {
        try {
            return binaryClassifierOnDevice(p);
        } catch (StatusRing.IntermediateNotFinite e) {
            return IN_DOUBLE.binaryClassifier(p);
        }
    }

    private synchronized double classifierOnDevice(ClassifierProblem p) {
        CUstream s = enter();
        int n = p.rows();
        int d = p.features();
        int c = p.classes();
        String call = "classifier of " + n + " × " + d + " inputs and " + c + " classes";
        cublas(); // says why not before anything is uploaded
        CUdeviceptr x = upload(Use.X, p.x(), s, call);
        CUdeviceptr w = upload(Use.W, p.w(), s, call);
        CUdeviceptr b = p.b() == null ? null : upload(Use.BIAS, p.b(), s, call);
        CUdeviceptr labels = buffer(Use.LABELS, n, call);
        transfers.upload(p.labels(), labels, s);
        CUdeviceptr rowWeights = p.rowWeights() == null ? null : upload(Use.ROW_WEIGHTS, p.rowWeights(), s, call);
        CUdeviceptr gradW = p.gradW() == null ? null : buffer(Use.GRAD_W, (long) d * c, call);
        CUdeviceptr gradB = p.gradB() == null ? null : buffer(Use.GRAD_B, c, call);
        CUdeviceptr gradX = p.gradX() == null ? null : buffer(Use.GRAD_X, (long) n * d, call);
        CUdeviceptr predicted = p.predicted() == null ? null : buffer(Use.PREDICTED, n, call);
        Slot slot = ops.classifier(x, w, b, labels, rowWeights, n, d, c, p.options(), gradW, gradB, gradX, null,
                predicted, null, s);
        if (predicted != null) {
            transfers.download(predicted, p.predicted(), s);
        }
        finish(s, gradW, p.gradW(), gradB, p.gradB(), gradX, p.gradX());
        return status.loss(slot);
    }

    private synchronized void linearSoftmaxOnDevice(float[] xs, float[] ws, float[] bs, int n, int d, int c,
                                                    float[] probsOut, int[] predictedOut) {
        CUstream s = enter();
        String call = "linearSoftmax of " + n + " × " + d + " inputs and " + c + " classes";
        cublas(); // says why not before anything is uploaded
        CUdeviceptr x = upload(Use.X, xs, s, call);
        CUdeviceptr w = upload(Use.W, ws, s, call);
        CUdeviceptr b = bs == null ? null : upload(Use.BIAS, bs, s, call);
        CUdeviceptr probs = probsOut == null ? null : buffer(Use.PROBS, (long) n * c, call);
        CUdeviceptr predicted = predictedOut == null ? null : buffer(Use.PREDICTED, n, call);
        ops.linearSoftmax(x, w, b, n, d, c, probs, predicted, s);
        if (predicted != null) {
            transfers.download(predicted, predictedOut, s);
        }
        finish(s, probs, probsOut);
    }

    private synchronized double binaryClassifierOnDevice(BinaryClassifierProblem p) {
        CUstream s = enter();
        int n = p.rows();
        int d = p.features();
        int k = p.outputs();
        String call = "binaryClassifier of " + n + " × " + d + " inputs and " + k + " outputs";
        cublas(); // says why not before anything is uploaded
        CUdeviceptr x = upload(Use.X, p.x(), s, call);
        CUdeviceptr w = upload(Use.W, p.w(), s, call);
        CUdeviceptr b = p.b() == null ? null : upload(Use.BIAS, p.b(), s, call);
        CUdeviceptr targets = upload(Use.TARGETS, p.targets(), s, call);
        CUdeviceptr rowWeights = p.rowWeights() == null ? null : upload(Use.ROW_WEIGHTS, p.rowWeights(), s, call);
        double rowWeightSum = n;
        if (p.rowWeights() != null) {
            rowWeightSum = 0.0;
            for (float r : p.rowWeights()) {
                rowWeightSum += r;
            }
        }
        CUdeviceptr gradW = p.gradW() == null ? null : buffer(Use.GRAD_W, (long) d * k, call);
        CUdeviceptr gradB = p.gradB() == null ? null : buffer(Use.GRAD_B, k, call);
        CUdeviceptr gradX = p.gradX() == null ? null : buffer(Use.GRAD_X, (long) n * d, call);
        CUdeviceptr predicted = p.predicted() == null ? null : buffer(Use.PREDICTED, (long) n * k, call);
        Slot slot = ops.binaryClassifier(x, w, b, targets, rowWeights, rowWeightSum, n, d, k, p.options(), gradW, gradB,
                gradX, null, predicted, null, s);
        if (predicted != null) {
            transfers.download(predicted, p.predicted(), s);
        }
        finish(s, gradW, p.gradW(), gradB, p.gradB(), gradX, p.gradX());
        return status.loss(slot);
    }

    private CUstream enter() {
        begin();
        return cuda.enter(cuda.stream);
    }

    /** An engine buffer of {@code count} 4-byte elements. */
    private CUdeviceptr buffer(Use use, long count, String call) {
        return workspace.get(use, count * Float.BYTES, call).pointer();
    }

    private CUdeviceptr upload(Use use, float[] values, CUstream s, String call) {
        CUdeviceptr p = buffer(use, values.length, call);
        transfers.upload(values, p, s);
        return p;
    }

    /** Downloads each (device, host) pair given, then reports what the call's kernels found. */
    private void finish(CUstream s, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i] != null) {
                transfers.download((CUdeviceptr) pairs[i], (float[]) pairs[i + 1], s);
            }
        }
        status.drain(false);
    }

    // =============================================================================================

    /** Device memory the engine holds now (its buffers, staging and status blocks). */
    synchronized long heldBytes() {
        return memory.deviceBytes();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closedFlag[0] = true;
        dropped.clean();
        cuda.makeCurrentForClose();
        try {
            cuda.synchronizeAll();
        } catch (RuntimeException e) {
            // A failed context still frees what it can.
        }
        status.abandon();
        for (AutoCloseable c : new AutoCloseable[] {uploads, staged, status, transfers, workspace, cublas, module}) {
            closeQuietly(c);
        }
        memory.closeAll();
        cuda.close();
    }

    static void closeQuietly(AutoCloseable c) {
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
