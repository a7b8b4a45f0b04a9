package org.softxent.backend;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * softxent's own native libraries, packaged in the jar for linux-x86_64 (the CUDA engine's probe and
 * cuBLAS bridge, the CPU engine's products), and unpacked from the class path when first needed.
 */
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /** Whether softxent's natives apply here: they are built for linux-x86_64 only. */
    public static boolean here() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /**
     * Copies the class-path resource {@code resource} (an absolute resource name) to a private
     * temporary folder, removed when the JVM exits; null when the class path has no such resource.
     */
    public static Path extract(String resource) throws IOException {
        try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Path dir = org.softxent.util.FreshPaths.privateFolder("softxent-native");
            // Removed at exit in the reverse order of these calls: the file first, then its folder.
            dir.toFile().deleteOnExit();
            Path file = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }
}
