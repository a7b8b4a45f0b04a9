package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Host arrays to and from the device through pinned staging: two pinned buffers used in turn, so
 * that the Java copy of one chunk into (or out of) pinned memory overlaps the DMA of the other,
 * and arrays of any size move through a fixed amount of pinned memory. Copies are queued on the
 * engine's stream.
 */
final class Transfers implements AutoCloseable {
    /** Bytes per staging buffer. */
    static final int CHUNK = 16 << 20;

    private final CudaContext cuda;
    private final Pointer[] pinned = {new Pointer(), new Pointer()};
    private final ByteBuffer[] views = new ByteBuffer[2];
    private final CUevent[] done = {new CUevent(), new CUevent()};
    private final boolean[] busy = new boolean[2];
    private int next;

    Transfers(CudaContext cuda) {
        this.cuda = cuda;
        for (int i = 0; i < 2; i++) {
            cuda.check(cuMemAllocHost(pinned[i], CHUNK), "cuMemAllocHost");
            views[i] = pinned[i].getByteBuffer(0, CHUNK).order(ByteOrder.nativeOrder());
            cuda.check(cuEventCreate(done[i], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        }
    }

    /** Queues the copy of {@code src} to {@code dst}. */
    void upload(float[] src, CUdeviceptr dst) {
        int per = CHUNK / Float.BYTES;
        for (int first = 0; first < src.length; first += per) {
            int count = Math.min(per, src.length - first);
            int b = take();
            views[b].clear();
            views[b].asFloatBuffer().put(src, first, count);
            queueUpload(b, dst.withByteOffset((long) first * Float.BYTES), (long) count * Float.BYTES);
        }
    }

    /** Queues the copy of {@code src} to {@code dst}. */
    void upload(int[] src, CUdeviceptr dst) {
        int per = CHUNK / Integer.BYTES;
        for (int first = 0; first < src.length; first += per) {
            int count = Math.min(per, src.length - first);
            int b = take();
            views[b].clear();
            views[b].asIntBuffer().put(src, first, count);
            queueUpload(b, dst.withByteOffset((long) first * Integer.BYTES), (long) count * Integer.BYTES);
        }
    }

    /** Copies {@code dst.length} floats from the device into {@code dst}; returns when they are there. */
    void download(CUdeviceptr src, float[] dst) {
        int per = CHUNK / Float.BYTES;
        int chunks = (dst.length + per - 1) / per;
        int[] buffer = new int[chunks];
        // Keep one chunk's DMA in flight while the previous one is copied out.
        for (int c = 0; c < chunks; c++) {
            buffer[c] = queueDownload(src, c, per, dst.length);
            if (c > 0) {
                copyOut(buffer[c - 1], dst, c - 1, per);
            }
        }
        if (chunks > 0) {
            copyOut(buffer[chunks - 1], dst, chunks - 1, per);
        }
    }

    private int queueDownload(CUdeviceptr src, int chunk, int per, int length) {
        int first = chunk * per;
        int count = Math.min(per, length - first);
        int b = take();
        cuda.check(cuMemcpyDtoHAsync(pinned[b], src.withByteOffset((long) first * Float.BYTES),
                (long) count * Float.BYTES, cuda.stream), "cuMemcpyDtoHAsync");
        record(b);
        return b;
    }

    private void copyOut(int b, float[] dst, int chunk, int per) {
        int first = chunk * per;
        int count = Math.min(per, dst.length - first);
        waitFor(b);
        views[b].clear();
        views[b].asFloatBuffer().get(dst, first, count);
    }

    private void queueUpload(int b, CUdeviceptr dst, long bytes) {
        cuda.check(cuMemcpyHtoDAsync(dst, pinned[b], bytes, cuda.stream), "cuMemcpyHtoDAsync");
        record(b);
    }

    /** The next staging buffer, once the copy that last used it is over. */
    private int take() {
        int b = next;
        next = 1 - next;
        waitFor(b);
        return b;
    }

    private void record(int b) {
        cuda.check(cuEventRecord(done[b], cuda.stream), "cuEventRecord");
        busy[b] = true;
    }

    private void waitFor(int b) {
        if (busy[b]) {
            cuda.check(cuEventSynchronize(done[b]), "cuEventSynchronize");
            busy[b] = false;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            waitFor(i);
            cuEventDestroy(done[i]);
            cuMemFreeHost(pinned[i]);
        }
    }
}
