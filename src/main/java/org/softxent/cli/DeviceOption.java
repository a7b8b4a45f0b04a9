package org.softxent.cli;

import java.io.PrintWriter;
import org.softxent.Device;
import org.softxent.Softxent;
import picocli.CommandLine.Option;

/** The {@code --device} flag every command takes, and opening the engine it names. */
final class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu",
            description = "where to compute: the GPU when usable (auto, the default), the CPU, or the GPU "
                    + "without fallback (gpu).")
    Device device;

    /** Opens the engine; when auto falls back to the CPU, says so (and why) on {@code err}. */
    Softxent open(PrintWriter err) {
        Softxent sx = Softxent.open(device);
        sx.fallbackReason().ifPresent(why -> err.println("softxent: computing on the CPU: " + why));
        return sx;
    }
}
