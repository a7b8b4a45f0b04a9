package org.softxent.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes JCublas2 loadable on this machine, once per JVM, before anything touches JCublas2 (whose
 * class cannot be initialised a second time after a failure).
 *
 * <p>JCublas2 12.6's native library needs libcublas.so.12. Where the dynamic linker can load that,
 * nothing is done. Where it cannot but a libcublas.so.13 is here (a CUDA-13-only machine), that
 * library is loaded, then softxent's bridge (cuda/native/cublas_bridge.c), whose soname is
 * libcublas.so.12, so that JCublas2's dependency resolves to the bridge and the bridge's to cuBLAS
 * 13. libcublas.so.13 is looked for where the dynamic linker looks, then in
 * {@code $CUDA_HOME/lib64} and {@code /usr/local/cuda/lib64}. On the simulated device, its own
 * libcublas.so.13 always serves, through the bridge.
 */
final class CublasLoader {
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
        if (!Natives.here()) {
            return null; // no bridge here: JCublas2 loads as it would anywhere
        }
        if (DriverLoader.simulated()) {
            Path cublas = DriverLoader.simulatorDirectory().resolve("libcublas.so.13");
            if (!Files.isRegularFile(cublas)) {
                return "the simulated device has no cuBLAS (" + cublas + " is missing)";
            }
            return bridgeTo(cublas);
        }
        if (Natives.whyNoProbe() != null) {
            return null; // built without gcc: let JCublas2 try libcublas.so.12 itself
        }
        if (Natives.canLoad("libcublas.so.12")) {
            return null;
        }
        if (Natives.canLoad("libcublas.so.13")) {
            return bridgeTo(null);
        }
        for (Path candidate : cuda13Candidates()) {
            if (Files.isRegularFile(candidate)) {
                return bridgeTo(candidate);
            }
        }
        return "no cuBLAS: neither libcublas.so.12 nor libcublas.so.13 can be loaded (looked where the dynamic linker"
                + " looks, and in " + String.join(", ", cuda13Candidates().stream().map(p -> p.getParent().toString())
                .toList()) + ")";
    }

    /** libcublas.so.13 under $CUDA_HOME/lib64 and /usr/local/cuda/lib64. */
    static List<Path> cuda13Candidates() {
        List<Path> out = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) {
            out.add(Path.of(home, "lib64", "libcublas.so.13"));
        }
        out.add(Path.of("/usr/local/cuda/lib64/libcublas.so.13"));
        return out;
    }

    /**
     * Loads {@code cublas13} by path (when not null; its cublasLt beside it first), then the bridge,
     * whose dlopen("libcublas.so.13") then finds the library already loaded under that soname.
     */
    private static String bridgeTo(Path cublas13) {
        try {
            if (cublas13 != null) {
                Path lt = cublas13.resolveSibling("libcublasLt.so.13");
                if (Files.isRegularFile(lt)) {
                    System.load(lt.toAbsolutePath().toString());
                }
                System.load(cublas13.toAbsolutePath().toString());
            }
            Path bridge = Natives.extract(Natives.BRIDGE);
            if (bridge == null) {
                return "only libcublas.so.13 is here, and this build of softxent has no cuBLAS 12 -> 13 bridge";
            }
            System.load(bridge.toString());
            bridged = true;
            return null;
        } catch (IOException | LinkageError e) {
            return "cannot load cuBLAS 13 through softxent's bridge: " + e.getMessage();
        }
    }
}
