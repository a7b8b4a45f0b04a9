package org.softxent.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.softxent.DeviceUnavailableException;
import org.softxent.backend.Backend;

/**
 * Opens the GPU backend, or says exactly why it cannot.
 */
public final class CudaBackends {
    private CudaBackends() {
    }

    /**
     * Opens the CUDA backend on the first device.
     *
     * @throws DeviceUnavailableException with the reason: no driver, no device, or (in this version)
     *                                    no CUDA engine yet
     */
    public static Backend open() {
        String why = Probe.REASON;
        if (why != null) {
            throw new DeviceUnavailableException(why);
        }
        throw new DeviceUnavailableException(
                "a CUDA device is present, but this version of softxent has no CUDA engine yet");
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
