package org.softxent.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;

/** Which engine a task computes on: the GPU address Spark gives it, read as a CUDA ordinal. */
class EnginesTest {

    @Test
    void theFirstGpuAddressIsTheOrdinal() {
        assertNull(Engines.gpuOrdinal(Map.of()));
        assertNull(Engines.gpuOrdinal(Map.of("gpu", new ResourceInformation("gpu", new String[0]))));
        assertEquals(3, Engines.gpuOrdinal(Map.of("gpu", new ResourceInformation("gpu", new String[] {" 3", "5"}))));
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> Engines.gpuOrdinal(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-1a2b"}))));
        assertTrue(e.getMessage().contains("'GPU-1a2b'") && e.getMessage().contains("CUDA device ordinal"),
                e.getMessage());
    }

    @Test
    void withoutAGpuAutoAndCpuComputeOnTheReferenceOrTheCpuEngine() {
        Softxent auto = Engines.forTask("auto", "exact", null);
        assertEquals(Device.CPU, auto.device());
        assertTrue(auto.description().startsWith("CPU reference"), auto.description());
        assertSame(auto, Engines.forTask("cpu", "exact", null), "one engine per executor and device");
        Softxent fast = Engines.forTask("cpu", "float", null);
        assertEquals(Device.CPU, fast.device());
        assertTrue(fast.description().contains("float accumulation"), fast.description());
        assertSame(fast, Engines.forTask("auto", "float", null), "one engine per executor, device and precision");
        assertThrows(IllegalArgumentException.class, () -> Engines.forTask("tpu", "exact", null));
        assertThrows(IllegalArgumentException.class, () -> Engines.forTask("cpu", "half", null));
    }

    /**
     * A CPU engine's call in a task runs on a pool of the task's CPUs, reused by the thread, and
     * gives back what the call returned or threw (the very exception).
     */
    @Test
    void aTasksCallRunsOnAPoolOfItsCpus() {
        for (int cpus : new int[] {1, 3}) {
            java.util.concurrent.ForkJoinPool[] pools = new java.util.concurrent.ForkJoinPool[2];
            for (int call = 0; call < 2; call++) {
                int c = call;
                int parallelism = Engines.onPool(cpus, () -> {
                    pools[c] = java.util.concurrent.ForkJoinTask.getPool();
                    // The parallel streams the engine runs inside use this pool, never the common one.
                    long others = java.util.stream.IntStream.range(0, 64).parallel()
                            .filter(i -> java.util.concurrent.ForkJoinTask.getPool() != pools[c]).count();
                    assertEquals(0, others, "every part on the task's pool");
                    return pools[c].getParallelism();
                });
                assertEquals(cpus, parallelism);
            }
            assertSame(pools[0], pools[1], "one pool per thread while its CPUs stay the same");
        }
        IllegalArgumentException thrown = new IllegalArgumentException("bad block");
        assertSame(thrown, assertThrows(IllegalArgumentException.class, () -> Engines.onPool(1, () -> {
            throw thrown;
        })));
        AssertionError error = new AssertionError("an error");
        assertSame(error, assertThrows(AssertionError.class, () -> Engines.onPool(1, () -> {
            throw error;
        })));
        // Outside a task (the driver, a test): on the calling thread.
        Thread caller = Thread.currentThread();
        assertSame(caller, Engines.compute(Engines.forTask("cpu", "float", null), Thread::currentThread));
    }
}
