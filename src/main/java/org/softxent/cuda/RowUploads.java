package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import java.nio.ByteBuffer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * Rows of host arrays sent to the device on a stream of their own, so that the copy runs under the
 * engine's work instead of between it: the device-resident API's {@code uploadRows} and
 * {@code awaitUploads}, with which a training set larger than device memory is streamed chunk by
 * chunk under the steps of the chunk before.
 *
 * <p>The rows are gathered on the calling thread (split over the processors when there is much)
 * straight into pinned buffers, four used in turn: a chunk's rows and its labels, and the next
 * chunk's, are then in flight while the caller fills the following ones. A copy first waits, on the
 * device, for the engine's work queued before it (which may still read its destination); the
 * engine's later work waits for the copies only from {@link #awaitOn}. Made at the first upload.
 */
final class RowUploads implements AutoCloseable {
    /** Bytes per pinned buffer: a larger upload goes through them in pieces. */
    static final int BUFFER_BYTES = 8 << 20;
    static final int BUFFERS = 4;

    private final CudaContext cuda;
    private final CUstream stream = new CUstream();
    private final Memory[] pinned = new Memory[BUFFERS];
    private final CUevent[] done = new CUevent[BUFFERS];
    private final boolean[] busy = new boolean[BUFFERS];
    private final CUevent before = new CUevent();
    private final CUevent uploaded = new CUevent();
    private final java.util.List<CUevent> events = new java.util.ArrayList<>();
    private boolean streamMade;
    private int next;

    RowUploads(MemoryTracker tracker) {
        this.cuda = tracker.cuda();
        try {
            cuda.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            streamMade = true;
            cuda.addSide(stream);
            event(before);
            event(uploaded);
            for (int b = 0; b < BUFFERS; b++) {
                pinned[b] = Memory.pinned(tracker, BUFFER_BYTES, "staging for uploadRows");
                done[b] = event(new CUevent());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private CUevent event(CUevent e) {
        cuda.check(cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        events.add(e);
        return e;
    }

    /** Where one element of the upload comes from. */
    interface Rows {
        /** Copies the upload's elements [offset, offset + n) into {@code out} at {@code at}. */
        void gather(ByteBuffer out, int at, long offset, int n);
    }

    /**
     * Queues the copy of {@code elements} 4-byte elements, gathered by {@code rows}, to {@code dst}:
     * after the engine's work queued so far, and before nothing until {@link #awaitOn}.
     */
    void upload(Rows rows, long elements, CUdeviceptr dst) {
        cuda.recordEnd(before);
        cuda.check(cuStreamWaitEvent(stream, before, 0), "cuStreamWaitEvent");
        int per = BUFFER_BYTES / Float.BYTES;
        for (long first = 0; first < elements; first += per) {
            int count = (int) Math.min(per, elements - first);
            int b = take();
            ByteBuffer out = pinned[b].buffer();
            long from = first;
            Transfers.split(count, (off, n) -> rows.gather(out, off, from + off, n));
            cuda.check(cuMemcpyHtoDAsync(dst.withByteOffset(first * Float.BYTES), pinned[b].hostPointer(),
                    (long) count * Float.BYTES, stream), "cuMemcpyHtoDAsync");
            cuda.check(cuEventRecord(done[b], stream), "cuEventRecord");
            busy[b] = true;
        }
        cuda.check(cuEventRecord(uploaded, stream), "cuEventRecord");
    }

    /** Makes {@code s}, and so the engine's work queued after this, wait for every upload queued so far. */
    void awaitOn(CUstream s) {
        cuda.check(cuStreamWaitEvent(s, uploaded, 0), "cuStreamWaitEvent");
    }

    /** The next pinned buffer, once the copy that last used it is over. */
    private int take() {
        int b = next;
        next = (next + 1) % BUFFERS;
        if (busy[b]) {
            busy[b] = false;
            cuda.check(cuEventSynchronize(done[b]), "cuEventSynchronize");
        }
        return b;
    }

    @Override
    public void close() {
        if (streamMade) {
            cuStreamSynchronize(stream);
            cuda.removeSide(stream);
            cuStreamDestroy(stream);
        }
        events.forEach(e -> cuEventDestroy(e));
        for (int b = 0; b < BUFFERS; b++) {
            if (pinned[b] != null) {
                pinned[b].close();
            }
        }
    }
}
