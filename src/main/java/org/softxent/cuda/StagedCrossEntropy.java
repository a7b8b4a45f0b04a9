package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * The array API's cross-entropy as a pipeline over chunks of rows, three stages deep: while the
 * device computes chunk k, the upload stream carries chunk k + 1's logits (and targets) in, the
 * download stream carries chunk k − 1's gradient (and softmax) out, and the calling thread copies
 * between Java arrays and pinned memory, split over the processors. Two pinned buffers each way,
 * used in turn; events order the three streams. Used by {@link CudaEngine} for host arrays; the
 * device work itself is {@link DeviceOps}'s, chunk by chunk.
 */
final class StagedCrossEntropy implements AutoCloseable {
    /** Bytes of one input (or output) array per chunk: a pinned buffer holds two. */
    static final int CHUNK_BYTES = 8 << 20;

    private final CudaContext cuda;
    private final CUstream upload = new CUstream();
    private final CUstream download = new CUstream();
    private final Memory[] in = new Memory[2];
    private final Memory[] out = new Memory[2];
    private final CUevent[] uploaded = new CUevent[2];
    private final CUevent[] computed = new CUevent[2];
    private final CUevent[] downloaded = new CUevent[2];

    StagedCrossEntropy(MemoryTracker tracker) {
        this.cuda = tracker.cuda();
        try {
            cuda.check(cuStreamCreate(upload, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            cuda.check(cuStreamCreate(download, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            for (int b = 0; b < 2; b++) {
                in[b] = Memory.pinned(tracker, 2L * CHUNK_BYTES, "staging in");
                out[b] = Memory.pinned(tracker, 2L * CHUNK_BYTES, "staging out");
                uploaded[b] = event();
                computed[b] = event();
                downloaded[b] = event();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private CUevent event() {
        CUevent e = new CUevent();
        cuda.check(cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        return e;
    }

    /** Rows per chunk for rows of {@code cols}. */
    static int chunkRows(int cols) {
        return Math.max(1, CHUNK_BYTES / (cols * Float.BYTES));
    }

    /**
     * The chunks of one call, for {@link DeviceOps#crossEntropy}: logits (and targets) [rows, cols]
     * uploaded into the device buffers given, the gradient (and softmax) downloaded into the arrays
     * given (each may be null). {@link #finish} copies out the last chunks.
     */
    DeviceOps.Chunks call(int cols, CUstream compute, float[] logits, float[] targets, CUdeviceptr dLogits,
                          CUdeviceptr dTargets, CUdeviceptr dGrad, CUdeviceptr dProbs, float[] grad, float[] probs) {
        return new Call(cols, compute, logits, targets, dLogits, dTargets, dGrad, dProbs, grad, probs);
    }

    /** Waits for the call's last downloads and copies them out. */
    void finish(DeviceOps.Chunks chunks) {
        ((Call) chunks).finish();
    }

    private final class Call implements DeviceOps.Chunks {
        private final int cols;
        private final CUstream compute;
        private final float[] logits;
        private final float[] targets;
        private final CUdeviceptr dLogits;
        private final CUdeviceptr dTargets;
        private final CUdeviceptr dGrad;
        private final CUdeviceptr dProbs;
        private final float[] grad;
        private final float[] probs;
        private final boolean[] inBusy = new boolean[2];
        /** The first row and count of the chunk each out buffer holds, or null. */
        private final int[][] outHolds = new int[2][];
        private int chunk;

        Call(int cols, CUstream compute, float[] logits, float[] targets, CUdeviceptr dLogits, CUdeviceptr dTargets,
             CUdeviceptr dGrad, CUdeviceptr dProbs, float[] grad, float[] probs) {
            this.cols = cols;
            this.compute = compute;
            this.logits = logits;
            this.targets = targets;
            this.dLogits = dLogits;
            this.dTargets = dTargets;
            this.dGrad = dGrad;
            this.dProbs = dProbs;
            this.grad = grad;
            this.probs = probs;
        }

        @Override
        public int rows() {
            return chunkRows(cols);
        }

        /** Chunk k's inputs into pinned buffer k % 2 (once its last upload is done), up on the upload stream. */
        @Override
        public void before(int first, int count) {
            int b = chunk % 2;
            if (inBusy[b]) {
                cuda.check(cuEventSynchronize(uploaded[b]), "cuEventSynchronize");
            }
            int n = count * cols;
            long at = (long) first * cols;
            Transfers.split(n, (off, len) -> in[b].buffer().asFloatBuffer().put(off, logits, (int) at + off, len));
            cuda.check(cuMemcpyHtoDAsync(dLogits.withByteOffset(at * Float.BYTES), in[b].hostPointer(),
                    (long) n * Float.BYTES, upload), "cuMemcpyHtoDAsync");
            if (targets != null) {
                Transfers.split(n, (off, len) -> in[b].buffer().asFloatBuffer()
                        .put(CHUNK_BYTES / Float.BYTES + off, targets, (int) at + off, len));
                cuda.check(cuMemcpyHtoDAsync(dTargets.withByteOffset(at * Float.BYTES),
                        in[b].hostPointer().withByteOffset(CHUNK_BYTES), (long) n * Float.BYTES, upload),
                        "cuMemcpyHtoDAsync");
            }
            cuda.check(cuEventRecord(uploaded[b], upload), "cuEventRecord");
            inBusy[b] = true;
            cuda.check(cuStreamWaitEvent(compute, uploaded[b], 0), "cuStreamWaitEvent");
        }

        /** Chunk k's outputs down into pinned buffer k % 2, after its kernel, once the chunk it held is copied out. */
        @Override
        public void after(int first, int count) {
            int b = chunk++ % 2;
            if (grad == null && probs == null) {
                return;
            }
            cuda.check(cuEventRecord(computed[b], compute), "cuEventRecord");
            copyOut(b);
            cuda.check(cuStreamWaitEvent(download, computed[b], 0), "cuStreamWaitEvent");
            long at = (long) first * cols * Float.BYTES;
            long bytes = (long) count * cols * Float.BYTES;
            if (grad != null) {
                cuda.check(cuMemcpyDtoHAsync(out[b].hostPointer(), dGrad.withByteOffset(at), bytes, download),
                        "cuMemcpyDtoHAsync");
            }
            if (probs != null) {
                cuda.check(cuMemcpyDtoHAsync(out[b].hostPointer().withByteOffset(CHUNK_BYTES),
                        dProbs.withByteOffset(at), bytes, download), "cuMemcpyDtoHAsync");
            }
            cuda.check(cuEventRecord(downloaded[b], download), "cuEventRecord");
            outHolds[b] = new int[] {first, count};
        }

        /** Copies out the chunk out buffer b holds, once its download is done. */
        private void copyOut(int b) {
            if (outHolds[b] == null) {
                return;
            }
            cuda.check(cuEventSynchronize(downloaded[b]), "cuEventSynchronize");
            int n = outHolds[b][1] * cols;
            int at = outHolds[b][0] * cols;
            if (grad != null) {
                Transfers.split(n, (off, len) -> out[b].buffer().asFloatBuffer().get(off, grad, at + off, len));
            }
            if (probs != null) {
                Transfers.split(n, (off, len) -> out[b].buffer().asFloatBuffer()
                        .get(CHUNK_BYTES / Float.BYTES + off, probs, at + off, len));
            }
            outHolds[b] = null;
        }

        void finish() {
            // The older of the two pending chunks first.
            copyOut(chunk % 2);
            copyOut((chunk + 1) % 2);
            for (int b = 0; b < 2; b++) {
                if (inBusy[b]) {
                    cuda.check(cuEventSynchronize(uploaded[b]), "cuEventSynchronize");
                }
            }
        }
    }

    @Override
    public void close() {
        for (int b = 0; b < 2; b++) {
            for (CUevent e : new CUevent[] {uploaded[b], computed[b], downloaded[b]}) {
                if (e != null) {
                    cuEventDestroy(e);
                }
            }
            if (in[b] != null) {
                in[b].close();
            }
            if (out[b] != null) {
                out[b].close();
            }
        }
        cuStreamDestroy(upload);
        cuStreamDestroy(download);
    }
}
