package org.softxent.testing;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * Device memory a test allocates itself through JCuda, as a JCuda user of the device-resident API
 * would; freed on close. Uploads and downloads are synchronous and wait for the whole context, so
 * that they are ordered against the engine's (non-blocking) stream.
 */
public final class DeviceArrays implements AutoCloseable {
    private final List<CUdeviceptr> allocated = new ArrayList<>();

    public CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + ")");
        allocated.add(p);
        return p;
    }

    public CUdeviceptr of(float[] values) {
        CUdeviceptr p = alloc((long) values.length * Float.BYTES);
        write(p, values);
        return p;
    }

    public CUdeviceptr of(int[] values) {
        CUdeviceptr p = alloc((long) values.length * Integer.BYTES);
        write(p, values);
        return p;
    }

    /** Copies {@code values} to the start of {@code p} and waits until they are there. */
    public static void write(CUdeviceptr p, float[] values) {
        check(cuMemcpyHtoD(p, Pointer.to(values), (long) values.length * Float.BYTES), "cuMemcpyHtoD");
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    public static void write(CUdeviceptr p, int[] values) {
        check(cuMemcpyHtoD(p, Pointer.to(values), (long) values.length * Integer.BYTES), "cuMemcpyHtoD");
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** A buffer of {@code count} floats, every one NaN: what an operation does not write shows. */
    public CUdeviceptr poisoned(long count) {
        CUdeviceptr p = alloc(count * Float.BYTES);
        float[] nan = new float[(int) Math.min(count, 1 << 20)];
        java.util.Arrays.fill(nan, Float.NaN);
        for (long first = 0; first < count; first += nan.length) {
            long n = Math.min(nan.length, count - first);
            check(cuMemcpyHtoD(p.withByteOffset(first * Float.BYTES), Pointer.to(nan), n * Float.BYTES), "cuMemcpyHtoD");
        }
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        return p;
    }

    /** Floats [first, first + count) of a device buffer (after the context's work is done). */
    public static float[] read(CUdeviceptr p, long first, int count) {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        float[] out = new float[count];
        check(cuMemcpyDtoH(Pointer.to(out), p.withByteOffset(first * Float.BYTES), (long) count * Float.BYTES),
                "cuMemcpyDtoH");
        return out;
    }

    public static float[] read(CUdeviceptr p, int count) {
        return read(p, 0, count);
    }

    /** The first count ints of a device buffer (after the context's work is done). */
    public static int[] readInts(CUdeviceptr p, int count) {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        int[] out = new int[count];
        check(cuMemcpyDtoH(Pointer.to(out), p, (long) count * Integer.BYTES), "cuMemcpyDtoH");
        return out;
    }

    /**
     * Fills rows [bank, rows) of a [rows, cols] buffer (or int vector with cols = 1) by repeating its
     * first {@code bank} rows: row r becomes a copy of row r % bank. Doubling copies, so it is fast
     * even for billions of elements.
     */
    public static void tile(CUdeviceptr p, long rows, long cols, long bank, int elementBytes, CUstream stream) {
        long filled = bank;
        while (filled < rows) {
            long copy = Math.min(filled, rows - filled);
            copy -= copy % bank; // keep the period
            if (copy == 0) {
                copy = Math.min(bank, rows - filled);
            }
            check(cuMemcpyDtoDAsync(p.withByteOffset(filled * cols * elementBytes), p,
                    copy * cols * elementBytes, stream), "cuMemcpyDtoDAsync");
            filled += copy;
        }
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    private static void check(int result, String call) {
        assertEquals(CUresult.CUDA_SUCCESS, result, call + ": " + CUresult.stringFor(result));
    }

    @Override
    public void close() {
        cuCtxSynchronize();
        allocated.forEach(p -> cuMemFree(p));
        allocated.clear();
    }
}
