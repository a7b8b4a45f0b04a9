package org.softxent;

import java.util.Locale;

/**
 * Where a {@link Softxent} engine computes.
 */
public enum Device {
    /** The GPU when a usable one is present, otherwise the CPU; {@link Softxent#fallbackReason()} says why. */
    AUTO,
    /**
     * The CPU: rows in parallel, softmax and losses in double, the classifiers' matrix products in
     * float by softxent's own kernels for few classes (calls of at least 256 rows) and by OpenBLAS
     * for the others (loaded at its first product; in Java, in double, where it cannot load: the engine's description says which).
     * {@link Softxent#openReference()} opens the exact reference instead.
     */
    CPU,
    /** The GPU; opening fails with {@link DeviceUnavailableException} when none is usable. */
    GPU;

    /**
     * Parses {@code auto}, {@code cpu} or {@code gpu}, ignoring case.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static Device parse(String name) {
        if (name != null) {
            for (Device d : values()) {
                if (d.name().equalsIgnoreCase(name.trim())) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + name + "'");
    }

    /** The lower-case name used on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
