package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The one owner of engine memory: a device allocation ({@link #device}) or pinned host memory
 * ({@link #pinned}). Closing frees it, once (close is idempotent). Every open owner is listed by
 * its engine's {@link MemoryTracker}, which reports and frees what is still open when the engine
 * closes; an owner dropped without close is reported and freed by a {@link Cleaner}. A leak is a
 * report, never a crash.
 */
final class Memory implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** What the cleaner needs, without a reference to the owner. */
    static final class State implements Runnable {
        final MemoryTracker tracker;
        final boolean device;
        final CUdeviceptr devicePointer;
        final Pointer hostPointer;
        final long bytes;
        final String use;
        private boolean freed;
        private boolean closed;

        State(MemoryTracker tracker, boolean device, CUdeviceptr devicePointer, Pointer hostPointer, long bytes,
              String use) {
            this.tracker = tracker;
            this.device = device;
            this.devicePointer = devicePointer;
            this.hostPointer = hostPointer;
            this.bytes = bytes;
            this.use = use;
        }

        /** Frees the memory unless done already; with the context current (the tracker sees to it). */
        void free() {
            if (!freed) {
                freed = true;
                if (device) {
                    cuMemFree(devicePointer);
                } else {
                    cuMemFreeHost(hostPointer);
                }
            }
        }

        /** The cleaner's action: runs when the owner was dropped without close. */
        @Override
        public void run() {
            if (!closed) {
                tracker.leaked(this, "was dropped without close()");
            }
        }

        @Override
        public String toString() {
            return (device ? "device" : "pinned host") + " memory for " + use + " (" + bytes + " bytes)";
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final ByteBuffer view;

    private Memory(State state) {
        this.state = state;
        this.cleanable = CLEANER.register(this, state);
        this.view = state.device ? null
                : state.hostPointer.getByteBuffer(0, state.bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Allocates {@code bytes} of device memory for {@code use} (named in reports).
     *
     * @throws org.softxent.DeviceOutOfMemoryException when the device has not the memory
     */
    static Memory device(MemoryTracker tracker, long bytes, String use) {
        CUdeviceptr p = new CUdeviceptr();
        tracker.cuda().check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes for " + use + ")");
        return tracker.opened(new Memory(new State(tracker, true, p, null, bytes, use)));
    }

    /** Allocates {@code bytes} of pinned host memory for {@code use}. */
    static Memory pinned(MemoryTracker tracker, long bytes, String use) {
        Pointer p = new Pointer();
        tracker.cuda().check(cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + " bytes for " + use + ")");
        return tracker.opened(new Memory(new State(tracker, false, null, p, bytes, use)));
    }

    State state() {
        return state;
    }

    /** The device allocation (device memory only). */
    CUdeviceptr pointer() {
        if (!state.device) {
            throw new IllegalStateException(state + " is not device memory");
        }
        return state.devicePointer;
    }

    /** The host memory, for asynchronous copies (pinned memory only). */
    Pointer hostPointer() {
        return state.hostPointer;
    }

    /** The pinned memory as a native-order buffer over all its bytes (pinned memory only). */
    ByteBuffer buffer() {
        return view.duplicate().order(ByteOrder.nativeOrder());
    }

    long bytes() {
        return state.bytes;
    }

    /** Frees the memory (once; a second close does nothing). Work queued on it must be finished. */
    @Override
    public void close() {
        if (!state.closed) {
            state.closed = true;
            state.tracker.closed(state);
            cleanable.clean();
        }
    }

    @Override
    public String toString() {
        return state.toString();
    }
}
