package org.softxent.bench;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.DeviceException;
import org.softxent.OnDevice;
import org.softxent.Softxent;
import org.softxent.cuda.CudaBackends;
import org.softxent.cuda.GpuProbe;

/**
 * The GPU half of the benchmark: the ceilings (device copy bandwidth, pinned transfers, the
 * classifier's GEMMs alone) and the device-resident workloads, timed with CUDA events on the
 * engine's stream after a warm-up. Inputs are random, and each workload rotates among enough
 * copies of them that the L2 cache cannot hold them between calls.
 */
final class GpuWorkloads implements AutoCloseable {
    /** Input sets of a workload together exceed this (four times H100's 50 MB L2). */
    static final long ROTATION_BYTES = 200L << 20;

    private final Softxent sx;
    private final GpuProbe probe;
    private final CUstream stream;
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(2026);

    GpuWorkloads(Softxent sx) {
        this.sx = sx;
        this.probe = GpuProbe.of(sx);
        this.stream = probe.stream();
        probe.makeCurrent();
    }

    /** What the run was made on: device, compute capability, driver, cuBLAS. */
    Map<String, String> describe() {
        return probe.describe();
    }

    // ---------------------------------------------------------------------------------------------
    // Ceilings

    /** Device-to-device copy bandwidth in GB/s, counting bytes read plus bytes written. */
    double copyBandwidth(int runs) {
        long bytes = Math.min(CudaBackends.simulated() ? 16L << 20 : 1L << 30, probe.memoryInfo()[1] / 16);
        CUdeviceptr a = alloc(bytes);
        CUdeviceptr b = alloc(bytes);
        Stats s = time(3, runs, i -> check(cuMemcpyDtoDAsync(b, a, bytes, stream), "cuMemcpyDtoDAsync"));
        free(a, b);
        return 2.0 * bytes / (s.medianMs() * 1e6);
    }

    /** Pinned host-to-device (or device-to-host) bandwidth in GB/s. */
    double pinnedBandwidth(boolean toDevice, int runs) {
        long bytes = Math.min(CudaBackends.simulated() ? 16L << 20 : 256L << 20, probe.memoryInfo()[1] / 16);
        Pointer host = new Pointer();
        check(cuMemAllocHost(host, bytes), "cuMemAllocHost");
        CUdeviceptr device = alloc(bytes);
        try {
            Stats s = time(2, runs, i -> check(toDevice
                    ? cuMemcpyHtoDAsync(device, host, bytes, stream)
                    : cuMemcpyDtoHAsync(host, device, bytes, stream), "cuMemcpyAsync"));
            return bytes / (s.medianMs() * 1e6);
        } finally {
            free(device);
            cuMemFreeHost(host);
        }
    }

    /** The classifier's two GEMMs alone (logits = X·W, dW = Xᵀ·dS), in FP32 or TF32. */
    Stats gemms(int n, int d, int c, boolean tf32, int runs) {
        CUdeviceptr x = randomFloats((long) n * d, 1f);
        CUdeviceptr w = randomFloats((long) d * c, 0.05f);
        CUdeviceptr logits = alloc((long) n * c * Float.BYTES);
        CUdeviceptr dw = alloc((long) d * c * Float.BYTES);
        try {
            return time(3, runs, i -> probe.products(x, w, logits, dw, n, d, c, tf32));
        } finally {
            free(x, w, logits, dw);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Workloads

    /** Fused cross-entropy, device-resident: loss and gradient, integer labels, mean. */
    Stats crossEntropy(int n, int c, int runs) {
        OnDevice dev = sx.onDevice();
        long bytes = (long) n * c * Float.BYTES;
        int sets = sets(bytes);
        CUdeviceptr[] logits = copies(randomFloats((long) n * c, 3f), bytes, sets);
        CUdeviceptr labels = randomLabels(n, c);
        CUdeviceptr[] grads = new CUdeviceptr[sets];
        for (int s = 0; s < sets; s++) {
            grads[s] = alloc(bytes);
        }
        CUdeviceptr loss = alloc(Float.BYTES);
        CrossEntropyOptions o = CrossEntropyOptions.defaults();
        try {
            return time(5, runs, i -> dev.crossEntropy(logits[i % sets], n, c, labels, o, grads[i % sets], null, loss));
        } finally {
            dev.synchronize();
            free(logits);
            free(grads);
            free(labels, loss);
        }
    }

    /** Softmax backward, device-resident: dZ from P and G. */
    Stats softmaxBackward(int n, int c, int runs) {
        OnDevice dev = sx.onDevice();
        long bytes = (long) n * c * Float.BYTES;
        int sets = sets(2 * bytes);
        CUdeviceptr z = randomFloats((long) n * c, 3f);
        CUdeviceptr p = alloc(bytes);
        dev.softmax(z, n, c, p);
        CUdeviceptr[] probs = copies(p, bytes, sets);
        CUdeviceptr[] grads = copies(randomFloats((long) n * c, 1f), bytes, sets);
        CUdeviceptr out = alloc(bytes);
        try {
            return time(5, runs, i -> dev.softmaxBackward(probs[i % sets], grads[i % sets], n, c, out));
        } finally {
            dev.synchronize();
            free(probs);
            free(grads);
            free(z, out);
        }
    }

    /** The measured timing and the peak device memory of a classifier step. */
    record ClassifierRun(Stats stats, long inputsAndOutputs, long peakBytes) {
    }

    /** The classifier, device-resident: loss, dW and db (no dX), FP32 or TF32. */
    ClassifierRun classifier(int n, int d, int c, boolean tf32, int runs) {
        OnDevice dev = sx.onDevice();
        long xBytes = (long) n * d * Float.BYTES;
        int sets = sets(xBytes);
        CUdeviceptr[] x = copies(randomFloats((long) n * d, 1f), xBytes, sets);
        CUdeviceptr w = randomFloats((long) d * c, 0.05f);
        CUdeviceptr b = randomFloats(c, 0.1f);
        CUdeviceptr labels = randomLabels(n, c);
        CUdeviceptr dw = alloc((long) d * c * Float.BYTES);
        CUdeviceptr db = alloc((long) c * Float.BYTES);
        CUdeviceptr loss = alloc(Float.BYTES);
        long inOut = xBytes + (long) d * c * 4 * 2 + (long) c * 4 * 2 + (long) n * 4 + 4;
        ClassifierOptions o = ClassifierOptions.defaults().withTf32(tf32);
        try {
            dev.synchronize();
            long freeBefore = probe.memoryInfo()[0];
            dev.classifier(x[0], w, b, labels, n, d, c, o, dw, db, null, loss);
            dev.synchronize();
            long engineGrowth = Math.max(0, freeBefore - probe.memoryInfo()[0]);
            Stats s = time(3, runs, i -> dev.classifier(x[i % sets], w, b, labels, n, d, c, o, dw, db, null, loss));
            return new ClassifierRun(s, inOut, inOut + probe.heldBytes() + engineGrowth);
        } finally {
            dev.synchronize();
            free(x);
            free(w, b, labels, dw, db, loss);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Runs {@code op} warmup times, then times each of {@code runs} runs with events on the engine's stream. */
    private Stats time(int warmup, int runs, IntConsumer op) {
        return Stats.of(probe.time(warmup, runs, op));
    }

    private static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new DeviceException(call + " failed: " + CUresult.stringFor(result));
        }
    }

    private static void synchronize() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** How many copies of a workload's inputs it rotates among. */
    private static int sets(long bytesPerSet) {
        return (int) Math.max(2, Math.min(64, (ROTATION_BYTES + bytesPerSet - 1) / bytesPerSet));
    }

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        check(cuMemAlloc(p, bytes), "cuMemAlloc");
        allocations.add(p);
        return p;
    }

    private CUdeviceptr randomFloats(long count, float scale) {
        CUdeviceptr p = alloc(count * Float.BYTES);
        float[] chunk = new float[(int) Math.min(count, 1 << 22)];
        for (long first = 0; first < count; first += chunk.length) {
            int n = (int) Math.min(chunk.length, count - first);
            for (int i = 0; i < n; i++) {
                chunk[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
            }
            check(cuMemcpyHtoD(p.withByteOffset(first * Float.BYTES), Pointer.to(chunk), (long) n * Float.BYTES),
                    "cuMemcpyHtoD");
        }
        // The copies above ran on the legacy stream: wait for them before the engine's stream reads.
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        return p;
    }

    private CUdeviceptr randomLabels(int n, int c) {
        int[] labels = random.ints(n, 0, c).toArray();
        CUdeviceptr p = alloc((long) n * Integer.BYTES);
        check(cuMemcpyHtoD(p, Pointer.to(labels), (long) n * Integer.BYTES), "cuMemcpyHtoD");
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        return p;
    }

    /** {@code sets} buffers holding what {@code first} holds (the first is {@code first} itself). */
    private CUdeviceptr[] copies(CUdeviceptr first, long bytes, int sets) {
        CUdeviceptr[] out = new CUdeviceptr[sets];
        out[0] = first;
        for (int s = 1; s < sets; s++) {
            out[s] = alloc(bytes);
            check(cuMemcpyDtoDAsync(out[s], first, bytes, stream), "cuMemcpyDtoDAsync");
        }
        synchronize();
        return out;
    }

    private void free(CUdeviceptr... pointers) {
        synchronize();
        for (CUdeviceptr p : pointers) {
            if (allocations.remove(p)) {
                cuMemFree(p);
            }
        }
    }

    @Override
    public void close() {
        synchronize();
        allocations.forEach(p -> cuMemFree(p));
        allocations.clear();
    }
}
