package org.softxent.cli;

import java.io.PrintWriter;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;
import picocli.CommandLine.Option;

/** The {@code --device} flag every command takes, and opening the engine it names. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
            description = "where to compute: the GPU when usable (auto, the default), the CPU, or the GPU "
                    + "without fallback (gpu).")
    Device device;

    /**
     * Opens the engine.
     *
     * @throws InputException naming --device when the GPU was asked for and is not usable
     */
    Softxent open() {
        Softxent sx;
        try {
            sx = Softxent.open(device);
        } catch (DeviceUnavailableException e) {
            throw new InputException("--device " + device + ": " + e.getMessage());
        }
        return sx;
    }

    /** When auto fell back to the CPU, says so, and why, on {@code err}. */
    static void noteFallback(Softxent sx, PrintWriter err) {
        sx.fallbackReason().ifPresent(why -> err.println("softxent: computed on the CPU: " + why));
    }
}
