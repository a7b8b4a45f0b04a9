package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.softxent.backend.Checks;

/**
 * Where each queued call's kernels record what they found, and its loss: a ring of Status blocks
 * (see cuda/softxent.cu) on the device, each mirrored to pinned host memory by an asynchronous copy
 * queued after the call's work. {@link #take} hands a call its slot and queues the slot's reset
 * (zeros) ahead of the call's kernels; {@link #end} queues the copy back; {@link #drain(boolean)} waits
 * for the engine's work and reports the first call that met bad data, in call order, so that a
 * caller of the device API learns which call and which entry was wrong.
 */
final class StatusRing implements AutoCloseable {
    static final int SLOTS = 64;
    /** Slots are 128 bytes apart; a Status block is {@link Contract#STATUS_SIZE} of them. */
    static final int SLOT_BYTES = 128;

    /** How a call's operand is reported when bad. */
    enum Kind {
        /** Float values in rows of {@code cols}: NaN or +inf (or -inf where masks are not allowed). */
        VALUES,
        /** Integer labels: outside [0, classes) and not the ignore index. */
        LABELS,
        /** Row indices: outside [0, classes), the rows they index. */
        INDICES
    }

    /**
     * Operand k of a call's status block: its name, buffer (null for an intermediate, whose bad
     * value cannot be read back) and row width, whether −inf is allowed
     * (a masked class), or, for labels, the classes and the ignore index.
     */
    record Operand(String name, Kind kind, CUdeviceptr buffer, int cols, boolean maskAllowed, int classes,
                   int ignoreIndex) {
        static Operand values(String name, CUdeviceptr buffer, int cols, boolean maskAllowed) {
            return new Operand(name, Kind.VALUES, buffer, cols, maskAllowed, 0, 0);
        }

        static Operand labels(String name, CUdeviceptr buffer, int classes, int ignoreIndex) {
            return new Operand(name, Kind.LABELS, buffer, 1, false, classes, ignoreIndex);
        }

        static Operand indices(String name, CUdeviceptr buffer, int rows) {
            return new Operand(name, Kind.INDICES, buffer, 1, false, rows, 0);
        }
    }

    /** One call's slot: its index and the device address of its Status block. */
    record Slot(int index, CUdeviceptr status) {
    }

    /** A call whose status is still to be read; {@code resident}: queued through the device-resident API. */
    private record Pending(Slot slot, String call, List<Operand> operands, int order, boolean resident) {
    }

    private final CudaContext cuda;
    private final Memory device;
    private final Memory host;
    private final ByteBuffer mirror;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private int next;
    private int calls;
    private int drained;
    /** Whether the calls now taking slots come through the device-resident API ({@link #resident}). */
    private boolean queuingResident;
    /**
     * A device-resident call's bad data found while an array call drained the ring: held for the
     * device-resident API's next synchronize or download on this engine (its calls' caller, or
     * another device-resident caller of the same engine, as before), instead of thrown at an array
     * call whose own inputs were good. Forgotten if the engine closes first.
     */
    private IllegalArgumentException deferred;

    StatusRing(MemoryTracker tracker) {
        this.cuda = tracker.cuda();
        Memory d = Memory.device(tracker, (long) SLOTS * SLOT_BYTES, "status blocks");
        try {
            host = Memory.pinned(tracker, (long) SLOTS * SLOT_BYTES, "status mirror");
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        device = d;
        mirror = host.buffer();
    }

    /**
     * A slot for {@code call}, whose kernels the caller queues next on {@code stream}: its reset is
     * queued first. When every slot is taken by calls not yet drained, they are drained first.
     */
    Slot take(String call, CUstream stream, List<Operand> operands) {
        if (operands.size() > Contract.OPERANDS) {
            throw new IllegalArgumentException(call + " has more operands than a Status block tells apart");
        }
        if (pending.size() == SLOTS) {
            drain(queuingResident);
        }
        int i = next;
        next = (next + 1) % SLOTS;
        Slot slot = new Slot(i, device.pointer().withByteOffset((long) i * SLOT_BYTES));
        cuda.check(cuMemsetD32Async(slot.status(), 0, SLOT_BYTES / Integer.BYTES, stream), "cuMemsetD32Async");
        pending.add(new Pending(slot, call, List.copyOf(operands), ++calls, queuingResident));
        return slot;
    }

    /** Queues the copy of the slot to the host, after the call's kernels on {@code stream}. */
    void end(Slot slot, CUstream stream) {
        long offset = (long) slot.index() * SLOT_BYTES;
        cuda.check(cuMemcpyDtoHAsync(host.hostPointer().withByteOffset(offset), slot.status(), Contract.STATUS_SIZE,
                stream), "cuMemcpyDtoHAsync");
    }

    /** The loss a slot received (valid after {@link #drain(boolean)}). */
    double loss(Slot slot) {
        return mirror.getDouble(slot.index() * SLOT_BYTES + Contract.STATUS_LOSS);
    }

    /** Marks the calls taking slots from now on as the device-resident API's (true) or the array API's. */
    void resident(boolean on) {
        queuingResident = on;
    }

    /**
     * Waits for the calls' work (not for uploads beside it, which report nothing), then throws for
     * the first pending call that met bad data (the calls after it are dropped too: their inputs
     * may depend on its outputs). Each API answers for its own calls: drained for an array call
     * ({@code resident} false), a device-resident call's bad data is held for that API's next
     * drain, and the array calls are still read; drained for the device-resident API, what was held
     * is thrown first.
     *
     * @throws IllegalArgumentException naming the call and the first bad entry
     */
    void drain(boolean resident) {
        cuda.synchronizeChain();
        int before = drained;
        int count = calls - before;
        drained = calls;
        if (resident && deferred != null) {
            IllegalArgumentException e = deferred;
            deferred = null;
            pending.clear();
            throw e;
        }
        boolean residentDropped = false;
        while (!pending.isEmpty()) {
            Pending p = pending.removeFirst();
            if (residentDropped && p.resident()) {
                continue; // after a bad device-resident call, its API's later calls are not read
            }
            int at = p.slot().index() * SLOT_BYTES;
            long bad = mirror.getLong(at + Contract.STATUS_BAD);
            if (bad != 0) {
                int k = Long.numberOfTrailingZeros(bad);
                long first = ~mirror.getLong(at + Contract.STATUS_FIRST + 8 * k);
                String where = count > 1 ? " (in " + p.call() + ", call " + (p.order() - before) + " of the " + count
                        + " since the last synchronize)" : "";
                IllegalArgumentException e = error(p.operands().get(k), first, where);
                if (!resident && p.resident()) {
                    if (deferred == null) {
                        deferred = e;
                    }
                    residentDropped = true;
                    continue;
                }
                pending.clear();
                throw e;
            }
        }
    }

    /** Gives back the slot of a call whose work could not all be queued (it reports nothing). */
    void abort(Slot slot) {
        pending.removeIf(p -> p.slot().index() == slot.index());
    }

    /** Forgets the pending calls without reading them (after the context failed). */
    void abandon() {
        pending.clear();
        deferred = null;
        drained = calls;
    }

    private static IllegalArgumentException error(Operand o, long index, String where) {
        if (o.kind() != Kind.VALUES) {
            int[] label = new int[1];
            int result = cuMemcpyDtoH(Pointer.to(label), o.buffer().withByteOffset(index * Integer.BYTES), Integer.BYTES);
            String value = result == 0 ? String.valueOf(label[0]) : "a value";
            return new IllegalArgumentException(o.name() + "[" + index + "] = " + value + " is outside [0, " + o.classes()
                    + ")" + (o.kind() == Kind.LABELS ? " and is not the ignore index (" + o.ignoreIndex() + ")" : "")
                    + where);
        }
        if (o.buffer() == null) {  // an intermediate (the classifier's logits): its value is gone
            return new IntermediateNotFinite(o.name() + "[" + index / o.cols() + ", " + index % o.cols()
                    + "] is NaN or infinite" + where);
        }
        float[] value = new float[1];
        int result = cuMemcpyDtoH(Pointer.to(value), o.buffer().withByteOffset(index * Float.BYTES), Float.BYTES);
        IllegalArgumentException e = Checks.nonFinite(o.name(), index, o.cols(), result == 0 ? value[0] : Float.NaN,
                o.maskAllowed());
        return where.isEmpty() ? e : new IllegalArgumentException(e.getMessage() + where);
    }

    /**
     * A value a call computed on the device (the classifiers' logits X·W + b), not one it was given,
     * found NaN or infinite: finite inputs whose float products overflow, or a NaN in rows the caller
     * said were finite (trustedX).
     */
    static final class IntermediateNotFinite extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        IntermediateNotFinite(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        device.close();
        host.close();
    }
}
