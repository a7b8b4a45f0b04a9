package org.softxent;

import java.util.Locale;

/**
 * Where a {@link Softxent} engine computes.
 */
public enum Device {
    /** The GPU when a usable one is present, otherwise the CPU; {@link Softxent#fallbackReason()} says why. */
    AUTO,
    /** The CPU reference path: double accumulation, deterministic, rows in parallel. */
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
