package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import org.softxent.OnDevice;
import org.softxent.Softxent;

/**
 * The narrow seam through which the benchmark (org.softxent.bench) looks at a GPU engine, beyond
 * what any caller of the device-resident API has: what the device is, CUDA-event timing on the
 * engine's stream, the classifier's products alone (its floor), and the memory the engine holds.
 * The engine knows nothing of the benchmark.
 */
public final class GpuProbe {
    private final CudaEngine engine;

    private GpuProbe(CudaEngine engine) {
        this.engine = engine;
    }

    /**
     * The probe of {@code sx}'s CUDA engine.
     *
     * @throws IllegalStateException when {@code sx} computes on the CPU
     */
    public static GpuProbe of(Softxent sx) {
        OnDevice device = sx.onDevice();
        if (!(device instanceof DeviceApi api)) {
            throw new IllegalStateException("not softxent's CUDA engine");
        }
        return new GpuProbe(api.engine());
    }

    /** What the run is made on: device, compute capability, multiprocessors, memory, driver, cuBLAS. */
    public Map<String, String> describe() {
        synchronized (engine) {
            engine.begin();
            CudaContext cuda = engine.cuda;
            Map<String, String> d = new LinkedHashMap<>();
            d.put("device", cuda.name);
            d.put("simulated", String.valueOf(CudaBackends.simulated()));
            d.put("compute_capability", cuda.computeMajor + "." + cuda.computeMinor);
            d.put("multiprocessors",
                    String.valueOf(cuda.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)));
            d.put("memory_bytes", String.valueOf(cuda.memoryInfo()[1]));
            d.put("driver_cuda", cuda.driverCuda());
            Cublas cublas = engine.cublas();
            d.put("cublas", cublas.version + (CublasLoader.bridged() ? " (through the 12->13 bridge)" : ""));
            return d;
        }
    }

    /** Makes the engine's context current on this thread, for the caller's own JCuda calls. */
    public void makeCurrent() {
        synchronized (engine) {
            engine.begin();
        }
    }

    /** Free and total device memory, in bytes. */
    public long[] memoryInfo() {
        synchronized (engine) {
            engine.begin();
            return engine.cuda.memoryInfo();
        }
    }

    /** The device memory the engine holds itself (buffers, staging, status blocks). */
    public long heldBytes() {
        return engine.heldBytes();
    }

    /** The engine's stream. */
    public CUstream stream() {
        return engine.cuda.stream;
    }

    /**
     * Runs {@code op} {@code warmup} times, then times each of {@code runs} runs with CUDA events on
     * the engine's stream, after all the engine's work before it; returns the milliseconds.
     */
    public double[] time(int warmup, int runs, IntConsumer op) {
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        synchronized (engine) {
            engine.begin();
            CudaContext cuda = engine.cuda;
            cuda.check(cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
            cuda.check(cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
            try {
                for (int i = 0; i < warmup; i++) {
                    op.accept(i);
                }
                cuda.synchronizeAll();
                double[] ms = new double[runs];
                float[] elapsed = new float[1];
                for (int i = 0; i < runs; i++) {
                    CUstream s = cuda.enter(cuda.stream);
                    cuda.check(cuEventRecord(start, s), "cuEventRecord");
                    op.accept(warmup + i);
                    s = cuda.enter(cuda.stream);
                    cuda.check(cuEventRecord(stop, s), "cuEventRecord");
                    cuda.check(cuEventSynchronize(stop), "cuEventSynchronize");
                    cuda.check(cuEventElapsedTime(elapsed, start, stop), "cuEventElapsedTime");
                    ms[i] = elapsed[0];
                }
                return ms;
            } finally {
                cuEventDestroy(start);
                cuEventDestroy(stop);
            }
        }
    }

    /**
     * The classifier's two products alone, its floor: logits [n, c] = X·W and dW [d, c] = Xᵀ·logits,
     * queued on the engine's stream, FP32 or TF32.
     */
    public void products(CUdeviceptr x, CUdeviceptr w, CUdeviceptr logits, CUdeviceptr dw, int n, int d, int c,
                         boolean tf32) {
        synchronized (engine) {
            engine.begin();
            Cublas cublas = engine.cublas();
            cublas.on(engine.cuda.enter(engine.cuda.stream));
            cublas.tf32(tf32);
            try {
                cublas.logits(x, w, logits, n, d, c);
                cublas.gradW(logits, x, dw, n, d, c, 0f);
            } finally {
                cublas.tf32(false);
            }
        }
    }
}
