package org.softxent.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
            description = "timed runs per workload after the warm-up (default 20; at least 20 on the GPU); the "
                    + "end-to-end workload runs each command 3 times, cold, as a user does, whatever N is.")
    int runs;

    @Option(names = "--json", paramLabel = "FILE", description = "also write every figure, and the environment, as JSON.")
    Path json;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "where the end-to-end workload's data set is (written there when missing, and kept, so that "
                    + "bench/sklearn_baseline.py reads the same files); default: a temporary folder, removed after.")
    Path dataDir;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "a JSON of bench/torch_baseline.py (GPU) or bench/numpy_baseline.py (CPU) to print side by"
                    + " side (median times and speed-up); may be given more than once.")
    java.util.List<Path> baselines;

    @Override
    public Integer call() throws IOException {
        // Everything a flag names is checked before the run, which takes minutes.
        if (runs < 1) {
            throw new InputException("--runs must be at least 1, got " + runs);
        }
        if (dataDir != null) {
            if (quick) {
                throw new InputException("--data-dir applies to the end-to-end workload, which --quick leaves out");
            }
            if (dataDir.toString().isEmpty() || java.nio.file.Files.exists(dataDir)
                    && !java.nio.file.Files.isDirectory(dataDir)) {
                throw new InputException("--data-dir: " + dataDir + " is not a folder");
            }
        }
        Map<String, Map<String, Double>> torch = baselines == null ? null : new java.util.LinkedHashMap<>();
        if (baselines != null) {
            for (Path baseline : baselines) {
                readBaseline(baseline).forEach((key, times) -> torch.merge(key, times, (a, b) -> {
                    Map<String, Double> both = new java.util.LinkedHashMap<>(a);
                    both.putAll(b);
                    return both;
                }));
            }
        }
        OutputFiles files = new OutputFiles("--json");
        if (json != null) {
            files.checkFile(json);
            files.checkFile(sweepPicture(json));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        try (Softxent sx = device.open(); files) {
            stdout.println("softxent bench on " + sx.description()
                    + sx.fallbackReason().map(why -> " (the CPU, because " + why + ")").orElse(""));
            Benchmark.Report report = Benchmark.run(sx,
                    new Benchmark.Options(quick, quick ? Math.min(runs, 5) : runs, torch, dataDir), stdout);
            if (json != null) {
                files.stage(json, out -> out.write(report.json().getBytes(StandardCharsets.UTF_8)));
                Path picture = sweepPicture(json);
                if (report.sweepPicture() != null) {
                    files.stage(picture, out -> out.write(report.sweepPicture()));
                }
                files.commit();
                stdout.println("wrote " + json + (report.sweepPicture() != null ? " and " + picture : ""));
            }
        }
        return 0;
    }

    /** Where the sweep's picture goes: beside the JSON, as NAME-sweep.png. */
    static Path sweepPicture(Path json) {
        String name = json.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(stem + "-sweep.png");
    }

    /**
     * bench/torch_baseline.py's JSON: {"results": [{"workload", "shape", "variant"?,
     * "implementation"?, "median_ms"}, ...]}, as PyTorch's median times by {@link Benchmark#key}
     * and implementation (eager unless it says compile).
     *
     * @throws InputException naming --baseline and what is wrong with the file
     */
    static Map<String, Map<String, Double>> readBaseline(Path file) {
        String what = "--baseline (" + file + ")";
        Map<String, Map<String, Double>> times = new LinkedHashMap<>();
        try {
            JsonArray results = JsonFiles.array(JsonFiles.member(JsonFiles.object(JsonFiles.read(file, what), what),
                    "results", what), what + ": results");
            for (int i = 0; i < results.size(); i++) {
                String at = what + ": results[" + i + "]";
                JsonObject r = JsonFiles.object(results.get(i), at);
                String key = Benchmark.key(JsonFiles.string(JsonFiles.member(r, "workload", at), at + ".workload"),
                        JsonFiles.string(JsonFiles.member(r, "shape", at), at + ".shape"),
                        r.has("variant") ? JsonFiles.string(r.get("variant"), at + ".variant") : "");
                String implementation = r.has("implementation")
                        ? JsonFiles.string(r.get("implementation"), at + ".implementation") : "eager";
                times.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(implementation,
                        JsonFiles.number(JsonFiles.member(r, "median_ms", at), at + ".median_ms"));
                if (r.has("accuracy")) {
                    times.get(key).put(implementation + ":accuracy", JsonFiles.number(r.get("accuracy"),
                            at + ".accuracy"));
                }
            }
        } catch (JsonFiles.FormatException e) {
            throw new InputException(e.getMessage());
        } catch (IOException e) {
            throw new InputException(what + ": " + Main.describe(e));
        }
        return times;
    }
}
