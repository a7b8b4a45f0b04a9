package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.softxent.backend.Checks;

/**
 * Where each queued call records what the kernels found, and its scalars: a ring of slots on the
 * device, each mirrored to pinned host memory by an asynchronous copy queued after the call's
 * kernels. {@link #drain()} waits for the stream and reports the first call that met bad data,
 * in call order, so a caller of the device API learns which call and which entry was wrong.
 *
 * <p>A slot is 64 bytes: the kernels' status block (flags, first bad index of input A, of input B,
 * first bad label row: four unsigned 64-bit words), then the call's loss (double), the mean's
 * divisor (double), the gradient's scale (float) and a spare double (the classifier's reg term).
 */
final class StatusRing implements AutoCloseable {
    static final int SLOTS = 64;
    static final int SLOT_BYTES = 64;
    static final long FLAG_A = 1;
    static final long FLAG_B = 2;
    static final long FLAG_LABEL = 4;

    /**
     * What a slot's findings mean: the names of the call's inputs A (logits, probs, x, ...) and B
     * (targets, upstream gradient) with their device buffers and row widths, and whether −inf is
     * allowed in A (a masked class). {@code rowOffset} shifts reported rows (the classifier's
     * chunks).
     */
    record Inputs(String call, String nameA, CUdeviceptr a, int colsA, boolean maskAllowed, String nameB,
                  CUdeviceptr b, int colsB, CUdeviceptr labels, int classes, int ignoreIndex, long rowOffset) {
        static Inputs of(String call, String nameA, CUdeviceptr a, int colsA, boolean maskAllowed) {
            return new Inputs(call, nameA, a, colsA, maskAllowed, null, null, 1, null, 0, 0, 0);
        }

        Inputs withB(String name, CUdeviceptr buffer, int cols) {
            return new Inputs(call, nameA, a, colsA, maskAllowed, name, buffer, cols, labels, classes, ignoreIndex,
                    rowOffset);
        }

        Inputs withLabels(CUdeviceptr buffer, int classes, int ignoreIndex) {
            return new Inputs(call, nameA, a, colsA, maskAllowed, nameB, b, colsB, buffer, classes, ignoreIndex,
                    rowOffset);
        }

        Inputs withRowOffset(long offset) {
            return new Inputs(call, nameA, a, colsA, maskAllowed, nameB, b, colsB, labels, classes, ignoreIndex,
                    offset);
        }
    }

    /** One slot, handed to a call: its device addresses. */
    record Slot(int index, CUdeviceptr status, CUdeviceptr loss, CUdeviceptr divisor, CUdeviceptr scale,
                CUdeviceptr spare) {
    }

    private record Pending(Slot slot, Inputs inputs, int order) {
    }

    private final CudaContext cuda;
    private final CUdeviceptr device = new CUdeviceptr();
    private final Pointer host = new Pointer();
    private final ByteBuffer mirror;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private int next;
    private int calls;
    private int drained;

    StatusRing(CudaContext cuda) {
        this.cuda = cuda;
        cuda.check(cuMemAlloc(device, (long) SLOTS * SLOT_BYTES), "cuMemAlloc");
        cuda.check(cuMemAllocHost(host, (long) SLOTS * SLOT_BYTES), "cuMemAllocHost");
        mirror = host.getByteBuffer(0, (long) SLOTS * SLOT_BYTES).order(ByteOrder.nativeOrder());
    }

    /** A slot for a call whose kernels the caller queues next; it must reset the slot's status. */
    Slot begin(Inputs inputs) {
        if (pending.size() == SLOTS) {
            drain();
        }
        int i = next;
        next = (next + 1) % SLOTS;
        long base = (long) i * SLOT_BYTES;
        Slot slot = new Slot(i, device.withByteOffset(base), device.withByteOffset(base + 32),
                device.withByteOffset(base + 40), device.withByteOffset(base + 48), device.withByteOffset(base + 56));
        pending.add(new Pending(slot, inputs, ++calls));
        return slot;
    }

    /** Queues the copy of the slot to the host, after the call's kernels. */
    void end(Slot slot) {
        long base = (long) slot.index * SLOT_BYTES;
        cuda.check(cuMemcpyDtoHAsync(host.withByteOffset(base), device.withByteOffset(base), SLOT_BYTES, cuda.stream),
                "cuMemcpyDtoHAsync");
    }

    /** The loss a slot received (valid after {@link #drain()}). */
    double loss(Slot slot) {
        return mirror.getDouble(slot.index * SLOT_BYTES + 32);
    }

    /**
     * Waits for the stream, then throws for the first pending call that met bad data (the calls
     * after it are dropped too: their inputs may depend on its outputs).
     *
     * @throws IllegalArgumentException naming the call and the first bad entry
     */
    void drain() {
        cuda.synchronize();
        int before = drained;
        int count = calls - before;
        drained = calls;
        while (!pending.isEmpty()) {
            Pending p = pending.removeFirst();
            int at = p.slot.index * SLOT_BYTES;
            long flags = mirror.getLong(at);
            if (flags != 0) {
                pending.clear();
                String where = count > 1 ? " (in " + p.inputs.call + ", call " + (p.order - before) + " of the "
                        + count + " since the last synchronize)" : "";
                throw error(p.inputs, flags, mirror.getLong(at + 8), mirror.getLong(at + 16), mirror.getLong(at + 24),
                        where);
            }
        }
    }

    private IllegalArgumentException error(Inputs in, long flags, long badA, long badB, long badRow, String where) {
        if ((flags & FLAG_LABEL) != 0) {
            int[] label = new int[1];
            cuMemcpyDtoH(Pointer.to(label), in.labels.withByteOffset(badRow * Integer.BYTES), Integer.BYTES);
            return new IllegalArgumentException("labels[" + (badRow + in.rowOffset) + "] = " + label[0]
                    + " is outside [0, " + in.classes + ") and is not the ignore index (" + in.ignoreIndex + ")" + where);
        }
        boolean isA = (flags & FLAG_A) != 0;
        String name = isA ? in.nameA : in.nameB;
        CUdeviceptr buffer = isA ? in.a : in.b;
        int cols = isA ? in.colsA : in.colsB;
        long index = (isA ? badA : badB) + in.rowOffset * cols;
        float value = read(buffer, isA ? badA : badB);
        IllegalArgumentException e = Checks.nonFinite(name, index, cols, value, isA && in.maskAllowed);
        return where.isEmpty() ? e : new IllegalArgumentException(e.getMessage() + where);
    }

    /** The offending value, read back for the message (NaN when it cannot be read). */
    private float read(CUdeviceptr buffer, long index) {
        if (buffer == null) {
            return Float.NaN;
        }
        float[] value = new float[1];
        int result = cuMemcpyDtoH(Pointer.to(value), buffer.withByteOffset(index * Float.BYTES), Float.BYTES);
        return result == 0 ? value[0] : Float.NaN;
    }

    @Override
    public void close() {
        cuMemFree(device);
        cuMemFreeHost(host);
    }
}
