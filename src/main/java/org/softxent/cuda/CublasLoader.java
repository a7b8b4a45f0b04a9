package org.softxent.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Makes JCublas2 loadable on this machine, once per JVM, before anything touches JCublas2 (whose
 * class cannot be initialised a second time after a failure).
 *
 * <p>JCublas2 12.6's native library needs libcublas.so.12. Where the dynamic linker can load that,
 * nothing is done. Where it cannot but libcublas.so.13 can (a CUDA-13-only machine), softxent's
 * bridge (cuda/native/cublas_bridge.c), whose SONAME is libcublas.so.12, is loaded first, so that
 * JCublas2's dependency resolves to it. Both natives travel in the jar for linux-x86_64.
 */
final class CublasLoader {
    static final String NATIVE_DIR = "/org/softxent/cuda/native/linux-x86_64/";
    static final String BRIDGE = "libsoftxent-cublas-bridge.so";
    static final String PROBE = "libsoftxent-probe.so";

    /** Whether the bridge was loaded (for descriptions); set by prepare(), so declared first. */
    private static boolean bridged;

    /** What happened: null when JCublas2 may now be loaded, otherwise why it cannot. */
    private static final String WHY_NOT = prepare();

    private CublasLoader() {
    }

    /** Null when JCublas2 can be used; otherwise the reason, in one line. */
    static String whyUnavailable() {
        return WHY_NOT;
    }

    static boolean bridged() {
        return bridged;
    }

    private static String prepare() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return null; // no bridge here: JCublas2 loads as it would anywhere
        }
        Path probe;
        try {
            probe = extract(PROBE);
        } catch (IOException e) {
            return "cannot unpack softxent's native probe: " + e.getMessage();
        }
        if (probe == null) {
            return null; // built without gcc: let JCublas2 try libcublas.so.12 itself
        }
        try {
            System.load(probe.toString());
            if (NativeProbe.canLoad("libcublas.so.12")) {
                return null;
            }
            if (!NativeProbe.canLoad("libcublas.so.13")) {
                return "no cuBLAS: neither libcublas.so.12 nor libcublas.so.13 can be loaded";
            }
            Path bridge = extract(BRIDGE);
            if (bridge == null) {
                return "only libcublas.so.13 is here, and this build of softxent has no cuBLAS 12 -> 13 bridge";
            }
            System.load(bridge.toString());
            bridged = true;
            return null;
        } catch (IOException | LinkageError e) {
            return "cannot load softxent's native helpers: " + e.getMessage();
        }
    }

    /** Copies a native library from the class path to a private temporary folder; null when absent. */
    private static Path extract(String name) throws IOException {
        try (InputStream in = CublasLoader.class.getResourceAsStream(NATIVE_DIR + name)) {
            if (in == null) {
                return null;
            }
            Path dir = Files.createTempDirectory("softxent-native");
            Path file = dir.resolve(name);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        }
    }
}
