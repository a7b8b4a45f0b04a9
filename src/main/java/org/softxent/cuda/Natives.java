package org.softxent.cuda;

import java.io.IOException;
import java.nio.file.Path;
import org.softxent.backend.NativeLibraries;

/**
 * softxent's own small native libraries (cuda/native, built into the jar for linux-x86_64): the
 * dlopen probe and the cuBLAS 12 -> 13 bridge, unpacked from the class path when first needed.
 */
final class Natives {
    static final String DIR = "/org/softxent/cuda/native/linux-x86_64/";
    static final String BRIDGE = "libsoftxent-cublas-bridge.so";
    static final String PROBE = "libsoftxent-probe.so";

    /** Null once the probe is loaded; otherwise why it is not (and {@link #canLoad} cannot be asked). */
    private static final String PROBE_MISSING = loadProbe();

    private Natives() {
    }

    /** Whether softxent's natives apply here: they are built for linux-x86_64 only. */
    static boolean here() {
        return NativeLibraries.here();
    }

    /** Null when {@link #canLoad} can be asked; otherwise why not. */
    static String whyNoProbe() {
        return PROBE_MISSING;
    }

    /**
     * Whether the dynamic linker can load {@code library} (a soname such as libcublas.so.12, looked
     * up as a NEEDED entry would be, or a path), without keeping it loaded.
     */
    static boolean canLoad(String library) {
        if (PROBE_MISSING != null) {
            throw new IllegalStateException(PROBE_MISSING);
        }
        return NativeProbe.canLoad(library);
    }

    private static String loadProbe() {
        if (!here()) {
            return "softxent's native probe is built for linux-x86_64 only";
        }
        try {
            Path probe = extract(PROBE);
            if (probe == null) {
                return "this build of softxent has no native probe (it was built without gcc)";
            }
            System.load(probe.toString());
            return null;
        } catch (IOException | LinkageError e) {
            return "cannot load softxent's native probe: " + e.getMessage();
        }
    }

    /** Copies a native library from the class path to a private temporary folder; null when absent. */
    static Path extract(String name) throws IOException {
        return NativeLibraries.extract(DIR + name);
    }
}
