package org.softxent.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.cpu.CpuCeilings;
import org.softxent.cuda.CudaBackends;

/**
 * The benchmark: softxent's workloads timed on the engine's device next to the ceilings measured in
 * the same run, each reported with its floor (the bytes it must move at the measured bandwidth, or
 * the GEMMs alone) and its ratio to it.
 *
 * <table>
 * <caption>Workloads</caption>
 * <tr><th>workload</th><th>shapes</th><th>floor</th></tr>
 * <tr><td>cross-entropy (device)</td><td>(65536, 10) (16384, 1000) (4096, 32000) (1024, 128256)</td>
 *     <td>8 bytes per logit at the device copy bandwidth</td></tr>
 * <tr><td>softmax backward (device)</td><td>(16384, 1000) (4096, 32000)</td><td>12 bytes per element</td></tr>
 * <tr><td>classifier (device)</td><td>(65536, 256, 10) (4096, 1024, 1000) (8192, 4096, 32000), FP32 and TF32</td>
 *     <td>its two GEMMs alone</td></tr>
 * <tr><td>cross-entropy (host arrays)</td><td>(4096, 32000) (65536, 1000)</td>
 *     <td>the input bytes at the pinned host-to-device bandwidth</td></tr>
 * </table>
 * The CPU runs the two smallest shapes of each (the smallest with {@code --quick}), against the
 * CPU's own ceilings measured first in the same run ({@link CpuCeilings}: a memory copy with every
 * core busy, and OpenBLAS's sgemm, one product per core): the bandwidth workloads' floor is their
 * bytes at the copy bandwidth (8 bytes per logit, read and written, from host arrays too), the
 * classifier's is its two products at the sgemm rate. Without
 * {@code --quick}, both devices also run the {@link TrainingWorkload training workload} on a
 * synthetic set sized for the device: {@value #TRAIN_ROWS_CPU} rows on the CPU,
 * {@value #TRAIN_ROWS_GPU} on the GPU, × 256 features × 10 classes; on the GPU a second time with
 * the set streamed through the device (variant "streamed").
 */
public final class Benchmark {
    /**
     * What to run. {@code runs} is per workload (at least 20 on the GPU). {@code baseline}, or null:
     * the alternatives' median times to print alongside, by {@link #key} and then by implementation
     * (PyTorch's eager and compile beside the GPU's rows, as bench/torch_baseline.py writes them;
     * numpy beside the CPU's, as bench/numpy_baseline.py writes them).
     */
    public record Options(boolean quick, int runs, Map<String, Map<String, Double>> baseline, java.nio.file.Path dataDir) {
        public Options(boolean quick, int runs, Map<String, Map<String, Double>> baseline) {
            this(quick, runs, baseline, null);
        }
    }

    /**
     * What a run measured: the results, all of it (environment, ceilings, results) as JSON, and the
     * picture of the cross-entropy sweep over the row width (a PNG), or null when it did not run.
     */
    public record Report(List<Result> results, String json, byte[] sweepPicture) {
    }

    static final int[][] CE = {{65_536, 10}, {16_384, 1000}, {4096, 32_000}, {1024, 128_256}};
    static final int[][] BACKWARD = {{16_384, 1000}, {4096, 32_000}};
    static final int[][] CLASSIFIER = {{65_536, 256, 10}, {4096, 1024, 1000}, {8192, 4096, 32_000}};
    static final int[][] HOST_CE = {{4096, 32_000}, {65_536, 1000}};
    /** The sweep's row widths, at N × C = {@link #SWEEP_ELEMENTS} (N at least 1). */
    static final int[] SWEEP_COLS = {10, 32, 100, 320, 1000, 3200, 10_000, 32_000, 100_000, 128_256, 262_144};
    static final long SWEEP_ELEMENTS = 1L << 27;
    static final String SWEEP = "cross-entropy sweep (device)";
    static final int TRAIN_ROWS_CPU = 131_072;
    /** The shortest warm-up before a host-side timing, ms. */
    static final int WARM_UP_MIN_MS = 300;
    /** How long no JIT compilation may have finished before a host-side timing starts, ms. */
    static final int JIT_QUIET_MS = 250;
    /** The longest warm-up before a host-side timing, ms. */
    static final int WARM_UP_MAX_MS = 3000;
    static final int TRAIN_ROWS_GPU = 1_048_576;
    static final int[] TRAIN_SHAPE = {256, 10};
    /** The implementations printed beside each device's rows. */
    private static final Map<String, String[]> BESIDE = Map.of("gpu", new String[] {"eager", "compile"},
            "cpu", new String[] {"numpy", "sklearn"});

    private final Softxent sx;
    private final Options options;
    private final PrintWriter out;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final Map<String, Double> ceilings = new LinkedHashMap<>();
    private final List<Result> results = new ArrayList<>();
    private byte[] sweepPicture;
    private final SplittableRandom random = new SplittableRandom(2026);

    private Benchmark(Softxent sx, Options options, PrintWriter out) {
        this.sx = sx;
        this.options = options;
        this.out = out;
    }

    /** Runs the benchmark on {@code sx}'s device, prints the table, and returns the results and their JSON. */
    public static Report run(Softxent sx, Options options, PrintWriter out) {
        Benchmark b = new Benchmark(sx, options, out);
        b.describe();
        if (sx.device() == Device.GPU) {
            b.gpu();
            if (!options.quick()) {
                try (Softxent cpu = Softxent.open(Device.CPU)) {
                    Benchmark onCpu = new Benchmark(cpu, options, out);
                    onCpu.cpuInto(b.results);
                    b.ceilings.putAll(onCpu.ceilings);
                }
            }
        } else {
            b.cpuInto(b.results);
        }
        // As it stands after the work: the CPU engine loads OpenBLAS at its first product, and says
        // so from then on if it could not.
        b.environment.put("engine", sx.description());
        b.print();
        return new Report(List.copyOf(b.results), b.json(), b.sweepPicture);
    }

    private void describe() {
        environment.put("softxent", String.valueOf(Benchmark.class.getPackage().getImplementationVersion()));
        environment.put("date", Instant.now().toString());
        environment.put("engine", sx.description());
        environment.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        environment.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        environment.put("cpu_threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
        sx.fallbackReason().ifPresent(why -> environment.put("cpu_because", why));
    }

    // ---------------------------------------------------------------------------------------------

    private void gpu() {
        // On the simulated device (the CPU emulating a GPU, for tests): a smoke run on scaled-down
        // shapes, labelled as such. Its figures are never GPU figures.
        boolean simulated = CudaBackends.simulated();
        int runs = simulated ? 3 : Math.max(20, options.runs());
        boolean quick = options.quick() || simulated;
        try (GpuWorkloads g = new GpuWorkloads(sx)) {
            environment.putAll(g.describe());
            if (simulated) {
                out.println("SIMULATED DEVICE: the CPU emulating a GPU, on shapes scaled down; these figures are not"
                        + " GPU figures");
            }
            double copy = g.copyBandwidth(runs);
            double h2d = g.pinnedBandwidth(true, runs);
            double d2h = g.pinnedBandwidth(false, runs);
            ceilings.put("device_copy_GBps", copy);
            ceilings.put("pinned_h2d_GBps", h2d);
            ceilings.put("pinned_d2h_GBps", d2h);
            out.printf(Locale.ROOT, "ceilings: device copy %.0f GB/s (read + written), pinned H2D %.1f GB/s, D2H %.1f GB/s%n",
                    copy, h2d, d2h);
            for (int[] s : scaled(quick ? new int[][] {CE[0], CE[2]} : CE, simulated)) {
                Stats t = g.crossEntropy(s[0], s[1], runs);
                double bytes = 8.0 * s[0] * s[1];
                results.add(bandwidthResult("cross-entropy (device)", s, "gpu", t, bytes, copy, "8 B/logit at copy bandwidth"));
            }
            for (int[] s : scaled(quick ? new int[][] {BACKWARD[1]} : BACKWARD, simulated)) {
                Stats t = g.softmaxBackward(s[0], s[1], runs);
                double bytes = 12.0 * s[0] * s[1];
                results.add(bandwidthResult("softmax backward (device)", s, "gpu", t, bytes, copy,
                        "12 B/element at copy bandwidth"));
            }
            for (int[] s : scaled(quick ? new int[][] {CLASSIFIER[1]} : CLASSIFIER, simulated)) {
                for (boolean tf32 : new boolean[] {false, true}) {
                    Stats gemm = g.gemms(s[0], s[1], s[2], tf32, runs);
                    GpuWorkloads.ClassifierRun run = g.classifier(s[0], s[1], s[2], tf32, runs);
                    double flops = 4.0 * s[0] * s[1] * s[2];
                    results.add(new Result("classifier (device)", shape(s), "gpu", tf32 ? "tf32" : "fp32", run.stats(),
                            flops / (run.stats().medianMs() * 1e9), "TFLOP/s", gemm.medianMs(),
                            "its two GEMMs alone (" + fmt(flops / (gemm.medianMs() * 1e9)) + " TFLOP/s)", run.peakBytes()));
                }
            }
            if (!options.quick() || simulated) {
                sweep(g, copy, runs, simulated ? 1L << 14 : SWEEP_ELEMENTS);
            }
            for (int[] s : scaled(quick ? new int[][] {HOST_CE[0]} : HOST_CE, simulated)) {
                Stats t = hostCrossEntropy(s[0], s[1], runs);
                double bytes = 4.0 * s[0] * s[1];
                results.add(bandwidthResult("cross-entropy (host arrays)", s, "gpu", t, bytes, h2d,
                        "input bytes at pinned H2D bandwidth"));
            }
            if (!quick) {
                training(TRAIN_ROWS_GPU, "gpu", 5);
            } else if (simulated) {
                int[] s = scaled(new int[][] {{TRAIN_ROWS_GPU, TRAIN_SHAPE[0], TRAIN_SHAPE[1]}}, true)[0];
                TrainingWorkload small = new TrainingWorkload(sx, s[0], s[1], s[2], 2026);
                results.add(small.sgd("gpu", 2, false));
                results.add(small.sgd("gpu", 2, true));
            }
        }
    }

    /**
     * The fused cross-entropy over row widths from 10 to 262,144 at a fixed number of logits, and
     * its picture with PyTorch's figures for the same shapes (when given) and the copy ceiling.
     */
    private void sweep(GpuWorkloads g, double copy, int runs, long elements) {
        List<Result> sweep = new ArrayList<>();
        for (int c : SWEEP_COLS) {
            int[] s = {(int) Math.max(1, elements / c), c};
            Stats t = g.crossEntropy(s[0], s[1], runs);
            sweep.add(bandwidthResult(SWEEP, s, "gpu", t, 8.0 * s[0] * s[1], copy, "8 B/logit at copy bandwidth"));
        }
        results.addAll(sweep);
        String device = environment.getOrDefault("device", "GPU");
        boolean simulated = Boolean.parseBoolean(environment.getOrDefault("simulated", "false"));
        sweepPicture = SweepPicture.png(String.format(Locale.ROOT, "fused cross-entropy + gradient, N × C = %,d logits",
                elements), (simulated ? "SIMULATED, NOT GPU FIGURES: " : "") + device,
                SweepPicture.series(sweep, options.baseline()), copy);
    }

    /** The shapes, or, on the simulated device, with rows (and features) divided by 256 (and 16). */
    private static int[][] scaled(int[][] shapes, boolean simulated) {
        if (!simulated) {
            return shapes;
        }
        int[][] out = new int[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            out[i] = shapes[i].clone();
            out[i][0] = Math.max(4, out[i][0] / 256);
            if (out[i].length == 3) {
                out[i][1] = Math.max(4, out[i][1] / 16);
            }
        }
        return out;
    }

    private void cpuInto(List<Result> into) {
        int runs = options.runs();
        int take = options.quick() ? 1 : 2;
        // The machine's own ceilings, in this run: a memory copy and OpenBLAS's sgemm, every core busy.
        int copyMib = options.quick() ? 64 : 256;
        // The best of 10: a ceiling is what the cores give at their best, and this project's VM ran
        // three products in a slow stretch at 129 GFLOP/s where another run's best was 195.
        double copy = CpuCeilings.copyGBps(copyMib, 10);
        int gemmSize = options.quick() ? 512 : 1024;
        double sgemm = CpuCeilings.sgemmGflops(gemmSize, 10);
        ceilings.put("cpu_copy_GBps", copy);
        ceilings.put("cpu_sgemm_GFLOPs", sgemm);
        out.printf(Locale.ROOT, "CPU ceilings: memory copy %.1f GB/s (read + written, 2 arrays of %d MiB), %s%n", copy,
                CpuCeilings.copyFloats(copyMib) >> 18, Double.isNaN(sgemm) ? "no sgemm ceiling (OpenBLAS is not loaded)"
                        : String.format(Locale.ROOT, "OpenBLAS sgemm %.0f GFLOP/s (%d products of %d³ at once, one per "
                        + "core)", sgemm, Runtime.getRuntime().availableProcessors(), gemmSize));
        for (int[] s : first(CE, take)) {
            int n = s[0];
            int c = s[1];
            float[] z = floats(n * c, 3);
            int[] y = random.ints(n, 0, c).toArray();
            float[] grad = new float[n * c];
            Stats t = wallClock(runs, i -> sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), grad, null));
            into.add(bandwidthResult("cross-entropy", s, "cpu", t, 8.0 * n * c, copy, "8 B/logit at copy bandwidth"));
        }
        for (int[] s : first(BACKWARD, take)) {
            int n = s[0];
            int c = s[1];
            float[] p = sx.softmax(floats(n * c, 3), n, c);
            float[] g = floats(n * c, 1);
            float[] dz = new float[n * c];
            Stats t = wallClock(runs, i -> sx.softmaxBackward(p, g, n, c, dz));
            into.add(bandwidthResult("softmax backward", s, "cpu", t, 12.0 * n * c, copy,
                    "12 B/element at copy bandwidth"));
        }
        for (int[] s : first(CLASSIFIER, take)) {
            int n = s[0];
            int d = s[1];
            int c = s[2];
            float[] x = floats(n * d, 1);
            float[] w = floats(d * c, 0.05f);
            float[] b = floats(c, 0.1f);
            int[] y = random.ints(n, 0, c).toArray();
            float[] gw = new float[d * c];
            float[] gb = new float[c];
            Stats t = wallClock(runs, i -> sx.classifier(x, w, b, y, n, d, c, ClassifierOptions.defaults(), gw, gb, null));
            double flops = 4.0 * n * d * c;
            into.add(new Result("classifier", shape(s), "cpu", "", t, flops / (t.medianMs() * 1e9),
                    "TFLOP/s", flops / (sgemm * 1e6), "its two products at the sgemm ceiling", -1));
        }
        if (!options.quick()) {
            // From host arrays is the same call on the CPU; timed at the host-array shapes for comparison.
            for (int[] s : first(HOST_CE, take)) {
                Stats t = hostCrossEntropy(s[0], s[1], runs);
                into.add(bandwidthResult("cross-entropy (host arrays)", s, "cpu", t, 8.0 * s[0] * s[1], copy,
                        "8 B/logit at copy bandwidth"));
            }
            trainingInto(TRAIN_ROWS_CPU, "cpu", 3, into);
            endToEnd("cpu", into);
        }
        // The same ceilings again: a VM's speed moves during a run (this project's copy ceiling read
        // 37 to 75 GB/s in runs minutes apart, bench/results/2026-12-07-drift), and a reader
        // comparing figures taken at its start and at its end (or against a baseline run before it)
        // must know.
        double copyEnd = CpuCeilings.copyGBps(copyMib, 10);
        double sgemmEnd = CpuCeilings.sgemmGflops(gemmSize, 10);
        ceilings.put("cpu_copy_GBps_at_end", copyEnd);
        ceilings.put("cpu_sgemm_GFLOPs_at_end", sgemmEnd);
        out.printf(Locale.ROOT, "CPU ceilings at the end: memory copy %.1f GB/s (%+.0f %%)%s%n", copyEnd,
                100 * (copyEnd / copy - 1), Double.isNaN(sgemmEnd) ? "" : String.format(Locale.ROOT,
                        ", OpenBLAS sgemm %.0f GFLOP/s (%+.0f %%)", sgemmEnd, 100 * (sgemmEnd / sgemm - 1)));
        out.flush();
    }

    /**
     * The {@link EndToEnd end-to-end workload}: its data set in options' data folder (kept, so that
     * a baseline can read the same files), or in a temporary folder removed afterwards.
     */
    private void endToEnd(String device, List<Result> into) {
        java.nio.file.Path dir = options.dataDir();
        boolean temporary = dir == null;
        try {
            if (temporary) {
                dir = java.nio.file.Files.createTempDirectory("softxent-end-to-end");
            }
            into.addAll(new EndToEnd(sx, dir, out, 3).run(device, options.baseline()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (temporary && dir != null) {
                EndToEnd.deleteTree(dir);
            }
        }
    }

    private void training(int rows, String device, int epochs) {
        trainingInto(rows, device, epochs, results);
    }

    /** The training workload: SGD epochs (samples per second) and L-BFGS's time to the loss. */
    private void trainingInto(int rows, String device, int epochs, List<Result> into) {
        TrainingWorkload t = new TrainingWorkload(sx, rows, TRAIN_SHAPE[0], TRAIN_SHAPE[1], 2026);
        into.add(t.sgd(device, epochs, false));
        into.add(t.lbfgs(device, false));
        if (device.equals("gpu")) { // the same set streamed through the device, as when it cannot hold it
            into.add(t.sgd(device, epochs, true));
            into.add(t.lbfgs(device, true));
        }
    }

    private Stats hostCrossEntropy(int n, int c, int runs) {
        float[] z = floats(n * c, 3);
        int[] y = random.ints(n, 0, c).toArray();
        float[] grad = new float[n * c];
        return wallClock(runs, i -> sx.crossEntropy(z, n, c, y, CrossEntropyOptions.defaults(), grad, null));
    }

    /**
     * Host-side timing: warm-up calls until at least two have run and {@value #WARM_UP_MIN_MS} ms
     * have passed, then until the JIT has finished no compilation for {@value #JIT_QUIET_MS} ms (at
     * most {@value #WARM_UP_MAX_MS} ms in all); then {@code runs} timed ones. A heuristic: the JIT's
     * time is counted when a compilation ends (one longer than the quiet time passes unseen), over
     * the whole JVM, and without a JIT the warm-up is the shortest. With fewer calls (at most 30 and
     * 0.3 s) the cross-entropy of 65,536 × 10 was timed while C2 still compiled its loops: p90
     * 1.1–1.8× the median in eight runs, 1.0–1.3× in seven after 4 s of calls.
     */
    private static Stats wallClock(int runs, IntConsumer op) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watched = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long compiled = watched ? jit.getTotalCompilationTime() : 0;
        long quietSince = start;
        for (int i = 0; ; i++) {
            op.accept(i);
            long now = System.nanoTime();
            long c = watched ? jit.getTotalCompilationTime() : compiled;
            if (c != compiled) {
                compiled = c;
                quietSince = now;
            }
            long warm = (now - start) / 1_000_000;
            if (i >= 1 && warm >= WARM_UP_MIN_MS
                    && ((now - quietSince) / 1_000_000 >= JIT_QUIET_MS || warm >= WARM_UP_MAX_MS)) {
                break;
            }
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            op.accept(i);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return Stats.of(ms);
    }

    private static Result bandwidthResult(String workload, int[] s, String device, Stats t, double bytes,
                                          double floorGBps, String floorWhat) {
        double floorMs = bytes / (floorGBps * 1e6);
        return new Result(workload, shape(s), device, "", t, bytes / (t.medianMs() * 1e6), "GB/s", floorMs, floorWhat, -1);
    }

    // ---------------------------------------------------------------------------------------------

    private void print() {
        out.println();
        out.printf(Locale.ROOT, "%-30s %-20s %-4s %-5s %10s %10s %10s %14s %10s %8s%s%n", "workload", "shape", "dev",
                "math", "median ms", "p10 ms", "p90 ms", "rate", "floor ms", "x floor",
                options.baseline() != null ? "   beside: torch eager, torch.compile (GPU) or numpy (CPU), ms (speed-up)"
                        : "");
        Map<String, Map<String, Double>> torch = options.baseline() == null ? Map.of() : options.baseline();
        for (Result r : results) {
            String rate = fmt(r.rate()) + " " + r.unit();
            out.printf(Locale.ROOT, "%-30s %-20s %-4s %-5s %10s %10s %10s %14s %10s %8s", r.workload(), r.shape(),
                    r.device(), r.variant(), fmt(r.stats().medianMs()), fmt(r.stats().p10Ms()), fmt(r.stats().p90Ms()),
                    rate, Double.isNaN(r.floorMs()) ? "-" : fmt(r.floorMs()),
                    Double.isNaN(r.floorMs()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()));
            Map<String, Double> t = torch.getOrDefault(key(r.workload(), r.shape(), r.variant()), Map.of());
            if (options.baseline() != null) {
                for (String impl : BESIDE.getOrDefault(r.device(), new String[0])) {
                    Double ms = t.get(impl);
                    out.printf(Locale.ROOT, " %13s %-11s", ms == null ? "-" : fmt(ms) + " ms",
                            ms == null ? "" : String.format(Locale.ROOT, "(%.2fx)", ms / r.stats().medianMs()));
                }
            }
            out.println();
            if (r.peakBytes() >= 0) {
                out.printf(Locale.ROOT, "%-30s peak device memory %.0f MiB%n", "", r.peakBytes() / 1048576.0);
            }
        }
        environment.forEach((k, v) -> out.println(k + ": " + v));
    }

    /** How a workload, shape and variant are keyed in {@link Options#baseline()}. */
    public static String key(String workload, String shape, String variant) {
        return workload + "|" + shape + "|" + variant;
    }

    private String json() {
        JsonObject json = new JsonObject();
        JsonObject env = new JsonObject();
        environment.forEach(env::addProperty);
        json.add("environment", env);
        JsonObject ceil = new JsonObject();
        ceilings.forEach(ceil::addProperty);
        json.add("ceilings", ceil);
        JsonArray rows = new JsonArray();
        for (Result r : results) {
            JsonObject o = new JsonObject();
            o.addProperty("workload", r.workload());
            o.addProperty("shape", r.shape());
            o.addProperty("device", r.device());
            o.addProperty("variant", r.variant());
            o.addProperty("runs", r.stats().runs());
            o.addProperty("median_ms", r.stats().medianMs());
            o.addProperty("p10_ms", r.stats().p10Ms());
            o.addProperty("p90_ms", r.stats().p90Ms());
            o.addProperty("rate", r.rate());
            o.addProperty("unit", r.unit());
            if (!Double.isNaN(r.floorMs())) {
                o.addProperty("floor_ms", r.floorMs());
                o.addProperty("floor", r.floorWhat());
                o.addProperty("ratio_to_floor", r.ratio());
            }
            if (r.peakBytes() >= 0) {
                o.addProperty("peak_device_bytes", r.peakBytes());
            }
            rows.add(o);
        }
        json.add("results", rows);
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().disableHtmlEscaping()
                .create().toJson(json);
    }

    private float[] floats(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static int[][] first(int[][] shapes, int count) {
        return java.util.Arrays.copyOf(shapes, Math.min(count, shapes.length));
    }

    static String shape(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : " x ").append(s[i]);
        }
        return b.toString();
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 1 ? String.format(Locale.ROOT, "%.3f", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
