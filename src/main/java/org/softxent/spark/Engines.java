package org.softxent.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;

/**
 * The softxent engines of one executor JVM: one per device, opened on first use and shared by every
 * task of the JVM (a {@link Softxent} engine is safe to call from several threads), closed when the
 * JVM exits. Opening a GPU engine costs a CUDA context and the module load; doing it once per task
 * would cost more than most blocks take to compute.
 */
final class Engines {
    private static final Map<String, Softxent> OPEN = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.values().forEach(Softxent::close),
                "softxent-spark-engines"));
    }

    private Engines() {
    }

    /**
     * The engine for the running task.
     *
     * @param device    {@code auto}: the GPU Spark's resource scheduling gave this task
     *                  ({@code TaskContext.resources().get("gpu")}), the CPU when it gave none;
     *                  {@code gpu}: the task's GPU, or when the task has none, the GPU softxent finds
     *                  ({@code Softxent.open(Device.GPU)}); fails when there is none; {@code cpu}: the CPU
     * @param precision on the CPU: {@code exact}, the CPU reference; {@code float}, the CPU engine
     */
    static Softxent forTask(String device, String precision) {
        TaskContext context = TaskContext.get();
        return forTask(device, precision, context == null ? null : gpuOrdinal(context.resourcesJMap()));
    }

    /** {@link #forTask(String, String)} for a task given the GPU {@code ordinal} (null: none). */
    static Softxent forTask(String device, String precision, Integer ordinal) {
        switch (device) {
            case "cpu":
                return cpu(precision);
            case "auto":
                return ordinal != null ? gpu(ordinal) : cpu(precision);
            case "gpu":
                return ordinal != null ? gpu(ordinal) : OPEN.computeIfAbsent("gpu", k -> Softxent.open(Device.GPU));
            default:
                throw new IllegalArgumentException("device must be auto, cpu or gpu, not " + device);
        }
    }

    /**
     * The CPU: {@code exact}, softxent's reference (double accumulation), as MLlib's own aggregator
     * computes in double; {@code float}, softxent's CPU engine (float products, as on a GPU, dW
     * summed in float within a task and in double across tasks; the softmax and the loss in double).
     */
    private static Softxent cpu(String precision) {
        switch (precision) {
            case "exact":
                return OPEN.computeIfAbsent("cpu", k -> Softxent.openReference());
            case "float":
                return OPEN.computeIfAbsent("cpu-float", k -> Softxent.open(Device.CPU));
            default:
                throw new IllegalArgumentException("precision must be exact or float, not " + precision);
        }
    }

    private static Softxent gpu(int ordinal) {
        return OPEN.computeIfAbsent("gpu:" + ordinal, k -> Softxent.openGpu(ordinal));
    }

    /** Per task thread (Spark reuses them): a fork/join pool of the task's CPUs. */
    private static final ThreadLocal<ForkJoinPool> TASK_POOL = new ThreadLocal<>();

    /**
     * Runs {@code call} (a call of {@code engine}) on as many cores as Spark gave the running task.
     * A CPU engine computes on the fork/join pool of its calling thread, which for a task's thread is
     * the JVM's common pool: every core of the machine, whatever Spark scheduled, so that the
     * executors' concurrent tasks, each spread over every core, would share them several times over.
     * Here a CPU engine's call runs on a pool of its own of {@code spark.task.cpus} threads (one,
     * by default) per task thread; a GPU engine's, and a call outside a task, on the calling thread.
     * An exception comes back as the engine threw it.
     */
    static <T> T compute(Softxent engine, Supplier<T> call) {
        TaskContext context = TaskContext.get();
        if (context == null || engine.device() != Device.CPU) {
            return call.get();
        }
        return onPool(Math.max(1, context.cpus()), call);
    }

    /** {@link #compute} on this thread's pool of {@code threads} threads. */
    static <T> T onPool(int threads, Supplier<T> call) {
        ForkJoinPool pool = TASK_POOL.get();
        if (pool == null || pool.getParallelism() != threads) {
            if (pool != null) {
                pool.shutdown();
            }
            pool = new ForkJoinPool(threads);
            TASK_POOL.set(pool);
        }
        Object[] outcome = new Object[1];
        Throwable[] failure = new Throwable[1];
        pool.invoke(java.util.concurrent.ForkJoinTask.adapt(() -> {
            try {
                outcome[0] = call.get();
            } catch (Throwable e) { // handed back as it is, not as fork/join's copy of it
                failure[0] = e;
            }
        }));
        if (failure[0] != null) {
            throw Engines.<RuntimeException>sneaky(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T result = (T) outcome[0];
        return result;
    }

    /** Throws any throwable unchanged (a checked one a call threw past its signature included). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** The ordinal of the first GPU address among a task's resources, or null when it has none. */
    static Integer gpuOrdinal(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        String address = gpu.addresses()[0].trim();
        try {
            return Integer.parseInt(address);
        } catch (NumberFormatException e) {
            throw new DeviceUnavailableException("Spark assigned this task the GPU address '" + address
                    + "', which is not a CUDA device ordinal (the discovery script must name GPUs 0, 1, ...)");
        }
    }
}
