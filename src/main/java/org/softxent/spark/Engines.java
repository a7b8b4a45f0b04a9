package org.softxent.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
