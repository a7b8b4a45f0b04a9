package org.softxent.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.softxent.Softxent;
import org.softxent.bench.Benchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench",
        description = "Times softxent's workloads on the device (the GPU when usable, else the CPU, which it says) "
                + "with the ceilings measured in the same run, and prints each one's time, rate and ratio to its "
                + "floor. --quick runs a subset in under a minute.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOption device;

    @Option(names = "--quick", description = "a subset of the workloads, in under a minute.")
    boolean quick;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "20",
            description = "timed runs per workload after the warm-up (default 20; at least 20 on the GPU).")
    int runs;

    @Option(names = "--json", paramLabel = "FILE", description = "also write every figure, and the environment, as JSON.")
    Path json;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "a JSON of bench/torch_baseline.py to print side by side (median times and speed-up).")
    Path baseline;

    @Override
    public Integer call() throws IOException {
        if (runs < 1) {
            throw new InputException("--runs must be at least 1, got " + runs);
        }
        try (Softxent sx = device.open()) {
            spec.commandLine().getOut().println("softxent bench on " + sx.description()
                    + sx.fallbackReason().map(why -> " (the CPU, because " + why + ")").orElse(""));
            Benchmark.run(sx, new Benchmark.Options(quick, quick ? Math.min(runs, 5) : runs, json, baseline),
                    spec.commandLine().getOut());
        }
        return 0;
    }
}
