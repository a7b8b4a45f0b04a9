package org.softxent.cuda;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.softxent.DeviceOutOfMemoryException;

/**
 * The engine's own device buffers, one per {@link Use}, reused across calls: a buffer grows when a
 * call needs more and never shrinks per call (so a training loop allocates once). All are freed
 * on close, and on an out-of-memory error, so that the device is left as free as possible.
 */
final class Workspace implements AutoCloseable {
    /** What a buffer holds. */
    enum Use {
        /** Inputs staged from host arrays. */
        LOGITS, LABELS, ROW_WEIGHTS, TARGETS, X, W, BIAS,
        /** Outputs staged for host arrays. */
        OUT, PROBS, GRAD_W, GRAD_B, GRAD_X, PREDICTED,
        /** The call's own: per-row losses, per-block partial sums, class weights, the classifier's logits. */
        ROW_LOSS, PARTIAL, WEIGHTS, CHUNK_LOGITS
    }

    private final MemoryTracker tracker;
    private final CudaContext cuda;
    private final Map<Use, Memory> buffers = new EnumMap<>(Use.class);

    Workspace(MemoryTracker tracker) {
        this.tracker = tracker;
        this.cuda = tracker.cuda();
    }

    /**
     * The buffer for {@code use}, at least {@code bytes} long (contents unspecified).
     *
     * @param call what needs it, for the message when the device has not the memory
     * @throws DeviceOutOfMemoryException naming the call, the buffer and the memory, after releasing
     *                                    every buffer of the engine's
     */
    Memory get(Use use, long bytes, String call) {
        Memory b = buffers.get(use);
        if (b != null && b.bytes() >= bytes) {
            return b;
        }
        if (b != null) {
            cuda.synchronizeAll(); // work queued earlier may still use the old buffer
            buffers.remove(use).close();
        }
        String name = use.name().toLowerCase(Locale.ROOT);
        try {
            Memory m = Memory.device(tracker, Math.max(bytes, 256), name);
            buffers.put(use, m);
            return m;
        } catch (DeviceOutOfMemoryException e) {
            long held = held();
            release();
            long[] info = cuda.memoryInfo();
            throw new DeviceOutOfMemoryException(call + " needs " + mib(bytes) + " more device memory for " + name
                    + " (the engine held " + mib(held) + ", now released; the device has " + mib(info[0]) + " free of "
                    + mib(info[1]) + ")");
        }
    }

    private static String mib(long bytes) {
        return (bytes + (1 << 20) - 1 >> 20) + " MiB";
    }

    /** Bytes held now. */
    long held() {
        return buffers.values().stream().mapToLong(Memory::bytes).sum();
    }

    /** Frees every buffer, after the queued work is done (or has failed: freeing goes on). */
    void release() {
        if (!buffers.isEmpty()) {
            try {
                cuda.synchronizeAll();
            } finally {
                buffers.values().forEach(Memory::close);
                buffers.clear();
            }
        }
    }

    @Override
    public void close() {
        release();
    }
}
