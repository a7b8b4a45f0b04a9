package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * The engine's own device buffers, one per named use, reused across calls: they grow when a call
 * needs more and never shrink per call (so a training loop allocates once). All are freed on
 * close, and on an out-of-memory error, so that the device is left as free as possible.
 */
final class Workspace implements AutoCloseable {
    private record Buffer(CUdeviceptr pointer, long bytes) {
    }

    private final CudaContext cuda;
    private final Map<String, Buffer> buffers = new HashMap<>();

    Workspace(CudaContext cuda) {
        this.cuda = cuda;
    }

    /** The buffer named {@code use}, at least {@code bytes} long (contents unspecified). */
    CUdeviceptr get(String use, long bytes) {
        Buffer b = buffers.get(use);
        if (b != null && b.bytes >= bytes) {
            return b.pointer;
        }
        if (b != null) {
            // Work queued earlier may still read the old buffer.
            cuda.synchronize();
            cuMemFree(b.pointer);
            buffers.remove(use);
        }
        CUdeviceptr p = new CUdeviceptr();
        cuda.check(cuMemAlloc(p, Math.max(bytes, 256)), "cuMemAlloc");
        buffers.put(use, new Buffer(p, Math.max(bytes, 256)));
        return p;
    }

    /** Bytes held now. */
    long held() {
        return buffers.values().stream().mapToLong(Buffer::bytes).sum();
    }

    /** Frees every buffer (after the queued work is done). */
    void release() {
        if (!buffers.isEmpty()) {
            cuda.synchronize();
            buffers.values().forEach(b -> cuMemFree(b.pointer));
            buffers.clear();
        }
    }

    @Override
    public void close() {
        release();
    }
}
