package org.softxent.testing;

import org.softxent.cuda.CudaBackends;

/**
 * The control panel of softxent's simulated CUDA device (cuda/sim), for tests: faults on demand,
 * the memory it holds, and what it found wrong. The natives live in the simulated libcuda.so.1,
 * which the engine loads when the system property softxent.simulatedDevice is set and the machine
 * has no CUDA driver; call them only when {@link #active()}.
 */
public final class SimulatedDevice {
    /** CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: a launch the driver refuses at once. */
    public static final int LAUNCH_OUT_OF_RESOURCES = 701;
    /** CUDA_ERROR_LAUNCH_FAILED: a kernel that fails on the device, sticky for the context. */
    public static final int LAUNCH_FAILED = 719;

    private SimulatedDevice() {
    }

    /** Whether the GPU engine runs on the simulated device in this JVM. */
    public static boolean active() {
        return CudaBackends.simulated();
    }

    /** The {@code nth} device or pinned allocation from now (1: the next) fails as out of memory; 0: none. */
    public static native void failAllocation(int nth);

    /** How many allocations are left before the one set to fail (0: it failed, or none is set). */
    public static native int allocationsBeforeFailure();

    /** The {@code nth} kernel launch from now fails with {@code result} (a CUresult); 0: none. */
    public static native void failLaunch(int nth, int result);

    /** Sets the device's memory size (default 4 GiB, or $SOFTXENT_SIM_MEMORY_MIB). */
    public static native void setMemoryBytes(long bytes);

    public static native long memoryBytes();

    /** Bytes of live device allocations. */
    public static native long deviceBytesInUse();

    /** Bytes of live pinned host allocations. */
    public static native long pinnedBytesInUse();

    /** References to the primary context (0: released, and its leaks reported). */
    public static native int contextReferences();

    /** What was still held when the primary context was last released, one line each; then forgets it. */
    public static native String takeLeaks();

    /** Calls the driver refused and faults it found since the last call, one line each; then forgets them. */
    public static native String takeErrors();
}
