package org.softxent.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.driver.CUstream;
import org.softxent.DeviceUnavailableException;
import org.softxent.OnDevice;
import org.softxent.backend.Backend;

/**
 * Opens the GPU backend, or says exactly why it cannot.
 */
public final class CudaBackends {
    private CudaBackends() {
    }

    /** Opens the CUDA engine on the first device; see {@link #open(boolean, int)}. */
    public static Backend open(boolean simulatedToo) {
        return open(simulatedToo, 0);
    }

    /**
     * Opens the CUDA engine on the device with the given ordinal (as CUDA numbers the devices this
     * process sees).
     *
     * @param simulatedToo whether softxent's simulated device may serve (when it was asked for with
     *                     the system property softxent.simulatedDevice); {@code Device.AUTO} never
     *                     lets it
     * @throws DeviceUnavailableException with the reason: no driver, no device, a driver too old
     *                                    for the PTX, no cuBLAS, ...
     */
    public static Backend open(boolean simulatedToo, int ordinal) {
        String why = whyNoDevice();
        if (why != null) {
            throw new DeviceUnavailableException(why);
        }
        if (simulated() && !simulatedToo) {
            throw new DeviceUnavailableException("the only CUDA device here is softxent's simulated one ("
                    + DriverLoader.PROPERTY + " is set), which Device.AUTO never chooses: ask for Device.GPU");
        }
        int count = deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new DeviceUnavailableException("there is no CUDA device " + ordinal + ": this process sees "
                    + count + (count == 1 ? " device (ordinal 0)" : " devices (ordinals 0 to " + (count - 1) + ")"));
        }
        CudaEngine engine;
        try {
            engine = new CudaEngine(ordinal);
        } catch (DeviceUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new DeviceUnavailableException("the CUDA engine could not start: " + Cublas.firstLine(e.getMessage()), e);
        }
        try {
            SelfCheck.run(engine);
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw new DeviceUnavailableException("the GPU failed softxent's start-up self-check: "
                    + Cublas.firstLine(e.getMessage()), e);
        }
    }

    private static int deviceCount() {
        int[] count = {0};
        int status = JCudaDriver.cuDeviceGetCount(count);
        return status == CUresult.CUDA_SUCCESS ? count[0] : 0;
    }

    /**
     * The device-resident API of a GPU backend, on {@code stream} (null: the engine's own), or null
     * when {@code backend} is not the CUDA engine.
     */
    public static OnDevice onDevice(Backend backend, CUstream stream) {
        if (!(backend instanceof CudaEngine engine)) {
            return null;
        }
        return stream == null ? engine.onDevice() : engine.onDevice(stream);
    }

    /**
     * What engines reported leaked since the last call: memory still open when an engine closed,
     * or dropped without being closed (each was freed). One line each; tests look here.
     */
    public static java.util.List<String> takeLeakReports() {
        return MemoryTracker.takeReports();
    }

    /**
     * Null when the CUDA driver initialises and reports a device; otherwise why not. This says
     * nothing of softxent's own engine (a test uses it to tell "no GPU here" from "the engine fails").
     */
    public static String whyNoDevice() {
        return Probe.REASON;
    }

    /**
     * Whether the CUDA driver is softxent's simulated device (cuda/sim), which runs the kernels on
     * the CPU for the tests: its results are never GPU results.
     */
    public static boolean simulated() {
        return whyNoDevice() == null && DriverLoader.simulated();
    }

    /** The probe runs once per JVM: JCuda's driver class cannot be initialised twice. */
    private static final class Probe {
        static final String REASON = probe();
    }

    /**
     * Returns null when the CUDA driver initialises and reports at least one device, otherwise the
     * reason in one line. JCuda's class initialisation throws UnsatisfiedLinkError (an Error) where
     * libcuda.so.1 is missing: that means "no driver", not a crash.
     */
    static String probe() {
        String why = DriverLoader.whyNot();
        if (why != null) {
            return why;
        }
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int result = JCudaDriver.cuInit(0);
            if (result != CUresult.CUDA_SUCCESS) {
                return "the CUDA driver did not initialise (" + CUresult.stringFor(result) + ")";
            }
            int[] count = new int[1];
            result = JCudaDriver.cuDeviceGetCount(count);
            if (result != CUresult.CUDA_SUCCESS) {
                return "the CUDA driver could not count devices (" + CUresult.stringFor(result) + ")";
            }
            return count[0] == 0 ? "the CUDA driver reports no device" : null;
        } catch (LinkageError e) {
            return "no CUDA driver (" + missingLibrary(e.getMessage()) + ")";
        }
    }

    private static final Pattern MISSING_LIBRARY =
            Pattern.compile("([\\w.+-]+\\.so[\\w.]*): cannot open shared object file");

    /** The shared library the loader could not find, out of JCuda's many-line message. */
    static String missingLibrary(String message) {
        if (message != null) {
            Matcher m = MISSING_LIBRARY.matcher(message);
            if (m.find()) {
                return m.group(1) + " not found";
            }
            int newline = message.indexOf('\n');
            String first = (newline < 0 ? message : message.substring(0, newline)).strip();
            if (!first.isEmpty()) {
                return first;
            }
        }
        return "the CUDA driver library could not be loaded";
    }
}
