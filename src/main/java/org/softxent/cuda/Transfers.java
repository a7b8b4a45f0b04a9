package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.util.stream.IntStream;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * Host arrays to and from the device through pinned staging: two pinned buffers used in turn, so
 * that the copy of one chunk into (or out of) pinned memory overlaps the DMA of the other, and
 * arrays of any size move through a fixed amount of pinned memory. The copy between a Java array
 * and pinned memory is split over the processors (one thread copies about 9 GB/s, a PCIe 5 link
 * carries 55). Copies are queued on the stream given.
 */
final class Transfers implements AutoCloseable {
    /** Bytes per staging buffer. */
    static final int CHUNK = 16 << 20;
    /** Below this many bytes a chunk is copied by one thread. */
    static final int PARALLEL_BYTES = 1 << 20;

    private final CudaContext cuda;
    private final Memory[] pinned = new Memory[2];
    private final CUevent[] done = {new CUevent(), new CUevent()};
    private final boolean[] busy = new boolean[2];
    private int next;

    Transfers(MemoryTracker tracker) {
        this.cuda = tracker.cuda();
        try {
            for (int i = 0; i < 2; i++) {
                pinned[i] = Memory.pinned(tracker, CHUNK, "staging");
                cuda.check(cuEventCreate(done[i], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Queues the copy of {@code src} to {@code dst}. */
    void upload(float[] src, CUdeviceptr dst, CUstream stream) {
        int per = CHUNK / Float.BYTES;
        for (int first = 0; first < src.length; first += per) {
            int count = Math.min(per, src.length - first);
            int b = take();
            int from = first;
            split(count, (off, n) -> pinned[b].buffer().asFloatBuffer().put(off, src, from + off, n));
            queueUpload(b, dst.withByteOffset((long) first * Float.BYTES), (long) count * Float.BYTES, stream);
        }
    }

    /** Queues the copy of {@code src} to {@code dst}. */
    void upload(int[] src, CUdeviceptr dst, CUstream stream) {
        int per = CHUNK / Integer.BYTES;
        for (int first = 0; first < src.length; first += per) {
            int count = Math.min(per, src.length - first);
            int b = take();
            int from = first;
            split(count, (off, n) -> pinned[b].buffer().asIntBuffer().put(off, src, from + off, n));
            queueUpload(b, dst.withByteOffset((long) first * Integer.BYTES), (long) count * Integer.BYTES, stream);
        }
    }

    /** Copies {@code dst.length} floats from the device into {@code dst}; returns when they are there. */
    void download(CUdeviceptr src, float[] dst, CUstream stream) {
        download(src, dst.length, stream, (b, from, off, n) -> pinned[b].buffer().asFloatBuffer().get(off, dst,
                from + off, n));
    }

    /** Copies {@code dst.length} ints from the device into {@code dst}; returns when they are there. */
    void download(CUdeviceptr src, int[] dst, CUstream stream) {
        download(src, dst.length, stream, (b, from, off, n) -> pinned[b].buffer().asIntBuffer().get(off, dst,
                from + off, n));
    }

    /** Copies a piece of staging buffer b into the destination array: [off, off + n) of its chunk at {@code from}. */
    private interface CopyOut {
        void copy(int b, int from, int off, int n);
    }

    private void download(CUdeviceptr src, int length, CUstream stream, CopyOut out) {
        int per = CHUNK / Float.BYTES; // 4-byte elements
        int chunks = (length + per - 1) / per;
        int[] buffer = new int[chunks];
        // Keep one chunk's DMA in flight while the previous one is copied out.
        for (int c = 0; c < chunks; c++) {
            buffer[c] = queueDownload(src, c, per, length, stream);
            if (c > 0) {
                copyOut(buffer[c - 1], length, c - 1, per, out);
            }
        }
        if (chunks > 0) {
            copyOut(buffer[chunks - 1], length, chunks - 1, per, out);
        }
    }

    /** A piece of a copy: [offset, offset + count) of the elements. */
    interface Part {
        void copy(int offset, int count);
    }

    /** Runs {@code part} over [0, count) in pieces, in parallel when there is enough to copy. */
    static void split(int count, Part part) {
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), count * 4 / PARALLEL_BYTES);
        if (threads <= 1) {
            part.copy(0, count);
            return;
        }
        IntStream.range(0, threads).parallel().forEach(t -> {
            int from = (int) ((long) count * t / threads);
            int to = (int) ((long) count * (t + 1) / threads);
            part.copy(from, to - from);
        });
    }

    private int queueDownload(CUdeviceptr src, int chunk, int per, int length, CUstream stream) {
        int first = chunk * per;
        int count = Math.min(per, length - first);
        int b = take();
        cuda.check(cuMemcpyDtoHAsync(pinned[b].hostPointer(), src.withByteOffset((long) first * Float.BYTES),
                (long) count * Float.BYTES, stream), "cuMemcpyDtoHAsync");
        record(b, stream);
        return b;
    }

    private void copyOut(int b, int length, int chunk, int per, CopyOut out) {
        int first = chunk * per;
        int count = Math.min(per, length - first);
        waitFor(b);
        split(count, (off, n) -> out.copy(b, first, off, n));
    }

    private void queueUpload(int b, CUdeviceptr dst, long bytes, CUstream stream) {
        cuda.check(cuMemcpyHtoDAsync(dst, pinned[b].hostPointer(), bytes, stream), "cuMemcpyHtoDAsync");
        record(b, stream);
    }

    /** The next staging buffer, once the copy that last used it is over. */
    private int take() {
        int b = next;
        next = 1 - next;
        waitFor(b);
        return b;
    }

    private void record(int b, CUstream stream) {
        cuda.check(cuEventRecord(done[b], stream), "cuEventRecord");
        busy[b] = true;
    }

    private void waitFor(int b) {
        if (busy[b]) {
            busy[b] = false;
            cuda.check(cuEventSynchronize(done[b]), "cuEventSynchronize");
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            if (busy[i]) {
                busy[i] = false;
                cuEventSynchronize(done[i]);
            }
            cuEventDestroy(done[i]);
            if (pinned[i] != null) {
                pinned[i].close();
            }
        }
    }
}
