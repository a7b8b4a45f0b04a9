package org.softxent.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which CUDA driver JCuda calls: the machine's, or softxent's simulated device (cuda/sim) when the
 * system property {@value #PROPERTY} names the folder it was built into (target/simulated-device)
 * and the machine has no CUDA driver of its own. A real driver always takes precedence.
 *
 * <p>The simulated driver is loaded by path before JCuda's native library, whose dependency on
 * libcuda.so.1 the dynamic linker then resolves to it (a library already loaded under that soname).
 * It must therefore run before anything touches {@code JCudaDriver}.
 */
final class DriverLoader {
    /** The system property that asks for the simulated device: the folder holding its libraries. */
    static final String PROPERTY = "softxent.simulatedDevice";

    private static Path simulator;
    /** Null when JCuda may load whichever driver is here; otherwise why the simulated one cannot serve. */
    private static final String WHY_NOT = prepare();

    private DriverLoader() {
    }

    /** Null, or why the simulated device was asked for and could not be loaded. */
    static String whyNot() {
        return WHY_NOT;
    }

    /** Whether JCuda's driver is softxent's simulated device. */
    static boolean simulated() {
        return simulator != null;
    }

    /** The folder of the simulated device's libraries (null when it is not in use). */
    static Path simulatorDirectory() {
        return simulator;
    }

    private static String prepare() {
        String folder = System.getProperty(PROPERTY);
        if (folder == null || folder.isBlank()) {
            return null;
        }
        if (Natives.whyNoProbe() != null) {
            return "the simulated device was asked for (" + PROPERTY + "), but " + Natives.whyNoProbe();
        }
        if (Natives.canLoad("libcuda.so.1")) {
            return null; // a real driver is here: it takes precedence
        }
        Path dir = Path.of(folder).toAbsolutePath();
        Path driver = dir.resolve("libcuda.so.1");
        if (!Files.isRegularFile(driver)) {
            return "the simulated device was asked for (" + PROPERTY + "=" + folder + "), but " + driver
                    + " does not exist (mvn test-compile builds it; it needs g++)";
        }
        try {
            System.load(driver.toString());
        } catch (LinkageError e) {
            return "the simulated device (" + driver + ") could not be loaded: " + e.getMessage();
        }
        simulator = dir;
        return null;
    }
}
