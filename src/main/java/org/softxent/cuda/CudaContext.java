package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.softxent.DeviceException;
import org.softxent.DeviceOutOfMemoryException;

/**
 * One device, its primary context (shared with any other user of the device in this process, as
 * the CUDA runtime shares it), the engine's stream, and the order of the engine's work across
 * streams. Every engine call first makes the context current on the calling thread, so the engine
 * can be used from any thread.
 *
 * <p>A call may run on a stream of the caller's ({@link #enter}); the engine's calls still run in
 * the order they were made, whatever their streams: such a call first waits (an event, on the
 * device) for the engine's own stream, and once its work is queued the engine's own stream waits
 * for it ({@link #leave}). So the engine's own stream always holds the end of the calls' work,
 * synchronising it waits for all of it, and the engine never keeps a stream its caller may destroy
 * once the call returns.
 */
final class CudaContext implements AutoCloseable {
    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final String name;
    final int computeMajor;
    final int computeMinor;
    final int driverVersion;

    /** Set once a call fails in a way that leaves the context unusable. */
    private volatile String poisoned;

    /** The event that orders a call on a caller's stream against the engine's own stream. */
    private final CUevent chain = new CUevent();
    /** Streams of the engine's own beside the chain (uploads ahead of the work that needs them). */
    private final java.util.List<CUstream> sides = new java.util.concurrent.CopyOnWriteArrayList<>();

    CudaContext(int ordinal) {
        check(cuDeviceGet(device, ordinal), "cuDeviceGet");
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        try {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            check(cuEventCreate(chain, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        } catch (RuntimeException e) {
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
        byte[] raw = new byte[256];
        cuDeviceGetName(raw, raw.length, device);
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        name = new String(raw, 0, end, StandardCharsets.US_ASCII);
        computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] version = new int[1];
        cuDriverGetVersion(version);
        driverVersion = version[0];
    }

    int attribute(int attribute) {
        int[] value = new int[1];
        check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
        return value[0];
    }

    /** Makes the context current on this thread; refuses work once the context is poisoned. */
    void makeCurrent() {
        if (poisoned != null) {
            throw new DeviceException("the CUDA context failed earlier (" + poisoned
                    + "); close this engine and open another");
        }
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Makes the context current even when poisoned: closing must still free what it can. */
    void makeCurrentForClose() {
        cuCtxSetCurrent(context);
    }

    /**
     * The stream a call runs on: {@code requested}, made to wait first, when it is a caller's, for
     * the engine's work before (on its own stream). Pair with {@link #leave}.
     */
    CUstream enter(CUstream requested) {
        if (!sameStream(requested, stream)) {
            check(cuEventRecord(chain, stream), "cuEventRecord");
            check(cuStreamWaitEvent(requested, chain, 0), "cuStreamWaitEvent");
        }
        return requested;
    }

    /**
     * After a call's work is queued on {@code requested}: when it is a caller's stream, the engine's
     * own stream waits for that work, so that the engine's later calls follow it.
     */
    void leave(CUstream requested) {
        if (!sameStream(requested, stream)) {
            check(cuEventRecord(chain, requested), "cuEventRecord");
            check(cuStreamWaitEvent(stream, chain, 0), "cuStreamWaitEvent");
        }
    }

    /** Waits for the work of the calls so far (the chain), not for the side streams' work. */
    void synchronizeChain() {
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Waits for all the work the engine has queued, on whichever streams (its side streams too). */
    void synchronizeAll() {
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
        for (CUstream side : sides) {
            check(cuStreamSynchronize(side), "cuStreamSynchronize");
        }
    }

    /**
     * Records {@code event} after all the work the calls so far queued (on the engine's stream),
     * for a side stream to wait on without joining the calls' chain.
     */
    void recordEnd(CUevent event) {
        check(cuEventRecord(event, stream), "cuEventRecord");
    }

    /**
     * A stream whose work is outside the calls' chain (later calls do not wait for it unless told)
     * but inside {@link #synchronizeAll}, until {@link #removeSide}.
     */
    void addSide(CUstream side) {
        sides.add(side);
    }

    void removeSide(CUstream side) {
        sides.removeIf(s -> sameStream(s, side));
    }

    /** Whether two handles name one stream (JCuda compares their native handles). */
    static boolean sameStream(CUstream a, CUstream b) {
        return java.util.Objects.equals(a, b);
    }

    /** Free and total device memory, in bytes. */
    long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** "CUDA 13.0" from the driver's version number. */
    String driverCuda() {
        return "CUDA " + driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /**
     * Throws for a failed driver call. Out of memory becomes {@link DeviceOutOfMemoryException};
     * errors after which the context cannot go on (illegal address, launch failure, ...) poison it.
     */
    void check(int result, String call) {
        if (result == CUresult.CUDA_SUCCESS) {
            return;
        }
        String error = CUresult.stringFor(result);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(call + ": " + error);
        }
        if (isSticky(result)) {
            poisoned = call + ": " + error;
        }
        throw new DeviceException(call + " failed: " + error);
    }

    private static boolean isSticky(int result) {
        return result == CUresult.CUDA_ERROR_ILLEGAL_ADDRESS
                || result == CUresult.CUDA_ERROR_LAUNCH_FAILED
                || result == CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION
                || result == CUresult.CUDA_ERROR_MISALIGNED_ADDRESS
                || result == CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR
                || result == CUresult.CUDA_ERROR_INVALID_PC
                || result == CUresult.CUDA_ERROR_ECC_UNCORRECTABLE;
    }

    @Override
    public void close() {
        cuCtxSetCurrent(context);
        cuStreamSynchronize(stream);
        cuEventDestroy(chain);
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }

    @Override
    public String toString() {
        return name + " (compute " + computeMajor + "." + computeMinor + ", driver " + driverCuda() + ")";
    }
}
