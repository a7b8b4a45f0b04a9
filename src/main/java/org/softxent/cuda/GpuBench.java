package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
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
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.OnDevice;
import org.softxent.Softxent;
import org.softxent.bench.Stats;

/**
 * The GPU half of the benchmark: the ceilings (device copy bandwidth, pinned transfers, the
 * classifier's GEMMs alone) and the device-resident workloads, timed with CUDA events on the
 * engine's stream after a warm-up. Inputs are random, and each workload rotates among enough
 * copies of them that the L2 cache cannot hold them between calls.
 */
public final class GpuBench implements AutoCloseable {
    /** Input sets of a workload together exceed this (four times H100's 50 MB L2). */
    static final long ROTATION_BYTES = 200L << 20;

    private final Softxent sx;
    private final CudaEngine engine;
    private final CudaContext cuda;
    private final CUevent start = new CUevent();
    private final CUevent stop = new CUevent();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(2026);

    private GpuBench(Softxent sx, CudaEngine engine) {
        this.sx = sx;
        this.engine = engine;
        this.cuda = engine.context();
        cuda.makeCurrent();
        cuda.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
        cuda.check(cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
    }

    /** The GPU benchmark of a GPU engine. */
    public static GpuBench of(Softxent sx) {
        OnDevice device = sx.onDevice();
        if (!(device instanceof CudaEngine engine)) {
            throw new IllegalStateException("not softxent's CUDA engine");
        }
        return new GpuBench(sx, engine);
    }

    /** What the run was made on: device, compute capability, driver, cuBLAS. */
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("device", cuda.name);
        d.put("compute_capability", cuda.computeMajor + "." + cuda.computeMinor);
        d.put("multiprocessors", String.valueOf(cuda.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)));
        d.put("memory_bytes", String.valueOf(cuda.memoryInfo()[1]));
        d.put("driver_cuda", cuda.driverCuda());
        d.put("cublas", String.valueOf(engine.cublas().version) + (CublasLoader.bridged() ? " (through the 12->13 bridge)" : ""));
        return d;
    }

    // ---------------------------------------------------------------------------------------------
    // Ceilings

    /** Device-to-device copy bandwidth in GB/s, counting bytes read plus bytes written. */
    public double copyBandwidth(int runs) {
        long bytes = 1L << 30;
        CUdeviceptr a = alloc(bytes);
        CUdeviceptr b = alloc(bytes);
        Stats s = time(3, runs, i -> cuda.check(cuMemcpyDtoDAsync(b, a, bytes, cuda.stream), "cuMemcpyDtoDAsync"));
        free(a, b);
        return 2.0 * bytes / (s.medianMs() * 1e6);
    }

    /** Pinned host-to-device (or device-to-host) bandwidth in GB/s. */
    public double pinnedBandwidth(boolean toDevice, int runs) {
        long bytes = 256L << 20;
        Pointer host = new Pointer();
        cuda.check(cuMemAllocHost(host, bytes), "cuMemAllocHost");
        CUdeviceptr device = alloc(bytes);
        try {
            Stats s = time(2, runs, i -> cuda.check(toDevice
                    ? cuMemcpyHtoDAsync(device, host, bytes, cuda.stream)
                    : cuMemcpyDtoHAsync(host, device, bytes, cuda.stream), "cuMemcpyAsync"));
            return bytes / (s.medianMs() * 1e6);
        } finally {
            free(device);
            cuMemFreeHost(host);
        }
    }

    /** The classifier's two GEMMs alone (logits = X·W, dW = Xᵀ·dS), in FP32 or TF32. */
    public Stats gemms(int n, int d, int c, boolean tf32, int runs) {
        CUdeviceptr x = randomFloats((long) n * d, 1f);
        CUdeviceptr w = randomFloats((long) d * c, 0.05f);
        CUdeviceptr logits = alloc((long) n * c * Float.BYTES);
        CUdeviceptr dw = alloc((long) d * c * Float.BYTES);
        Cublas cublas = engine.cublas();
        cublas.tf32(tf32);
        try {
            return time(3, runs, i -> {
                cublas.logits(x, w, logits, n, d, c);
                cublas.gradW(logits, x, dw, n, d, c, 0f);
            });
        } finally {
            cublas.tf32(false);
            free(x, w, logits, dw);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Workloads

    /** Fused cross-entropy, device-resident: loss and gradient, integer labels, mean. */
    public Stats crossEntropy(int n, int c, int runs) {
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
    public Stats softmaxBackward(int n, int c, int runs) {
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
    public record ClassifierRun(Stats stats, long inputsAndOutputs, long peakBytes) {
    }

    /** The classifier, device-resident: loss, dW and db (no dX), FP32 or TF32. */
    public ClassifierRun classifier(int n, int d, int c, boolean tf32, int runs) {
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
            long freeBefore = cuda.memoryInfo()[0];
            dev.classifier(x[0], w, b, labels, n, d, c, o, dw, db, null, loss);
            dev.synchronize();
            long engineGrowth = Math.max(0, freeBefore - cuda.memoryInfo()[0]);
            Stats s = time(3, runs, i -> dev.classifier(x[i % sets], w, b, labels, n, d, c, o, dw, db, null, loss));
            return new ClassifierRun(s, inOut, inOut + engine.heldBytes() + engineGrowth);
        } finally {
            dev.synchronize();
            free(x);
            free(w, b, labels, dw, db, loss);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Runs {@code op} warmup times, then times each of {@code runs} runs with events on the stream. */
    private Stats time(int warmup, int runs, IntConsumer op) {
        for (int i = 0; i < warmup; i++) {
            op.accept(i);
        }
        cuda.synchronize();
        double[] ms = new double[runs];
        float[] elapsed = new float[1];
        for (int i = 0; i < runs; i++) {
            cuda.check(cuEventRecord(start, cuda.stream), "cuEventRecord");
            op.accept(warmup + i);
            cuda.check(cuEventRecord(stop, cuda.stream), "cuEventRecord");
            cuda.check(cuEventSynchronize(stop), "cuEventSynchronize");
            cuda.check(cuEventElapsedTime(elapsed, start, stop), "cuEventElapsedTime");
            ms[i] = elapsed[0];
        }
        return Stats.of(ms);
    }

    /** How many copies of a workload's inputs it rotates among. */
    private static int sets(long bytesPerSet) {
        return (int) Math.max(2, Math.min(64, (ROTATION_BYTES + bytesPerSet - 1) / bytesPerSet));
    }

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuda.check(cuMemAlloc(p, bytes), "cuMemAlloc");
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
            cuda.check(cuMemcpyHtoD(p.withByteOffset(first * Float.BYTES), Pointer.to(chunk), (long) n * Float.BYTES),
                    "cuMemcpyHtoD");
        }
        // The copies above ran on the legacy stream: wait for them before the engine's stream reads.
        cuda.check(cuCtxSynchronize(), "cuCtxSynchronize");
        return p;
    }

    private CUdeviceptr randomLabels(int n, int c) {
        int[] labels = random.ints(n, 0, c).toArray();
        CUdeviceptr p = alloc((long) n * Integer.BYTES);
        cuda.check(cuMemcpyHtoD(p, Pointer.to(labels), (long) n * Integer.BYTES), "cuMemcpyHtoD");
        cuda.check(cuCtxSynchronize(), "cuCtxSynchronize");
        return p;
    }

    /** {@code sets} buffers holding what {@code first} holds (the first is {@code first} itself). */
    private CUdeviceptr[] copies(CUdeviceptr first, long bytes, int sets) {
        CUdeviceptr[] out = new CUdeviceptr[sets];
        out[0] = first;
        for (int s = 1; s < sets; s++) {
            out[s] = alloc(bytes);
            cuda.check(cuMemcpyDtoDAsync(out[s], first, bytes, cuda.stream), "cuMemcpyDtoDAsync");
        }
        cuda.synchronize();
        return out;
    }

    private void free(CUdeviceptr... pointers) {
        cuda.synchronize();
        for (CUdeviceptr p : pointers) {
            if (allocations.remove(p)) {
                cuMemFree(p);
            }
        }
    }

    @Override
    public void close() {
        cuda.synchronize();
        allocations.forEach(p -> cuMemFree(p));
        allocations.clear();
        cuEventDestroy(start);
        cuEventDestroy(stop);
    }
}
