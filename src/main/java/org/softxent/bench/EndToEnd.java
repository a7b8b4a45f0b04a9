package org.softxent.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.softxent.Softxent;
import org.softxent.cli.Main;
import org.softxent.io.Csv;
import org.softxent.io.Npy;
import org.softxent.io.NpyFile;
import org.softxent.io.RowSource;
import org.softxent.train.LinearModel;
import org.softxent.train.TrainingResult;

/**
 * Time to a trained model, as a user waits for it: the {@link SyntheticImages} set (60,000 ×
 * 784 pixels, 10 classes; 10,000 test rows) as CSV and as .npy, and each step timed apart — the
 * data loaded (the CSV parsed; the .npy read), {@code train} run as a command (a JVM of its own:
 * its start, reading, fitting, testing and writing included) and the optimizer's share of it, and
 * {@code evaluate} and {@code predict} of the 60,000 rows once loaded. The fit is scikit-learn's
 * default problem (L2 with C = 1: l2 = 1 / (2·C·rows), no validation split, at most 100 L-BFGS
 * iterations, standardised), so that bench/sklearn_baseline.py's fit of the same files sits
 * beside it.
 */
final class EndToEnd {
    static final String SHAPE = SyntheticImages.TRAIN + " x " + SyntheticImages.PIXELS + " x "
            + SyntheticImages.CLASSES;
    static final String LOAD_CSV = "data load (CSV)";
    static final String LOAD_NPY = "data load (.npy)";
    static final String TRAIN_NPY = "train, whole command (.npy)";
    static final String TRAIN_CSV = "train, whole command (CSV)";
    static final String OPTIMIZER = "train, the optimizer alone";
    static final String OPTIMIZER_STREAMED = "train --stream, its optimizer";
    static final String LARGE_SHAPE = LargeImages.ROWS + " x " + SyntheticImages.PIXELS + " x "
            + SyntheticImages.CLASSES;
    static final String LARGE_IN_MEMORY = "iteration, uint8 in memory";
    static final String LARGE_STREAMED = "iteration, uint8 --stream";
    static final String EVALUATE = "evaluate (after load)";
    static final String PREDICT = "predict (after load)";

    private final Softxent sx;
    private final Path dir;
    private final PrintWriter out;
    private final int runs;

    EndToEnd(Softxent sx, Path dir, PrintWriter out, int runs) {
        this.sx = sx;
        this.dir = dir;
        this.out = out;
        this.runs = runs;
    }

    /** The workload's results on {@code device}; prints a summary with scikit-learn's beside it when known. */
    List<Result> run(String device, Map<String, Map<String, Double>> baseline) throws IOException {
        SyntheticImages.write(dir, 2026);
        List<Result> results = new ArrayList<>();
        Path csv = dir.resolve("train.csv");
        double csvMb = Files.size(csv) / 1e6;
        Stats load = time(runs, () -> Csv.parse(csv, Csv.Options.labelIn(Csv.LAST)));
        results.add(new Result(LOAD_CSV, SHAPE, device, "", load, csvMb / (load.medianMs() / 1e3), "MB/s", Double.NaN,
                "", -1));
        Path npy = dir.resolve("train_x.npy");
        double npyMb = Files.size(npy) / 1e6;
        float[][] loaded = new float[1][];
        Stats loadNpy = time(runs, () -> {
            try (NpyFile f = NpyFile.open(npy)) {
                float[] x = new float[(int) f.elements()];
                f.readFloats(0, x.length, x, 0);
                loaded[0] = x;
            }
        });
        results.add(new Result(LOAD_NPY, SHAPE, device, "", loadNpy, npyMb / (loadNpy.medianMs() / 1e3), "MB/s",
                Double.NaN, "", -1));

        String l2 = String.valueOf(1.0 / (2.0 * SyntheticImages.TRAIN)); // scikit-learn's C = 1
        List<String> common = List.of("--test-data", dir.resolve("test_x.npy").toString(), "--test-labels",
                dir.resolve("test_y.npy").toString(), "--validation-fraction", "0", "--l2", l2, "--device", device);
        double[] optimizer = new double[runs];
        double[] epochs = new double[runs];
        double[] accuracy = {Double.NaN};
        Stats trainNpy = time(runs, i -> {
            String report = train(List.of("--data", npy.toString(), "--labels", dir.resolve("train_y.npy").toString()),
                    common);
            optimizer[i] = number(report, "\\(the optimizer ([0-9.]+) s\\)") * 1e3;
            epochs[i] = number(report, "([0-9]+) epochs, best");
            accuracy[0] = number(report, "test accuracy ([0-9.]+)");
        });
        Stats optimizerStats = Stats.of(optimizer);
        results.add(new Result(TRAIN_NPY, SHAPE, device, "", trainNpy,
                SyntheticImages.TRAIN / (trainNpy.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
        results.add(new Result(OPTIMIZER, SHAPE, device, "", optimizerStats,
                SyntheticImages.TRAIN / (optimizerStats.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
        Stats trainCsv = time(1, i -> train(List.of("--data", dir.resolve("train.csv").toString()), List.of(
                "--test-data", dir.resolve("test.csv").toString(), "--validation-fraction", "0", "--l2", l2,
                "--device", device)));
        results.add(new Result(TRAIN_CSV, SHAPE, device, "", trainCsv,
                SyntheticImages.TRAIN / (trainCsv.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
        // The same fit with the rows streamed (on the CPU read from the .npy block by block by the
        // engine, on a GPU from the .npy through the device's chunks), its optimizer's time per
        // iteration beside the rows in memory.
        double[] streamedEpochs = {Double.NaN};
        double[] streamedMs = {Double.NaN};
        time(1, i -> {
            String report = train(List.of("--data", npy.toString(), "--labels", dir.resolve("train_y.npy").toString(),
                    "--stream"), common);
            streamedEpochs[0] = number(report, "([0-9]+) epochs, best");
            streamedMs[0] = number(report, "\\(the optimizer ([0-9.]+) s\\)") * 1e3;
        });
        Stats streamed = Stats.of(streamedMs);
        results.add(new Result(OPTIMIZER_STREAMED, SHAPE, device, "", streamed,
                SyntheticImages.TRAIN / (streamed.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
        double inMemoryPerIteration = optimizerStats.medianMs() / Stats.of(epochs).medianMs();
        double streamedPerIteration = streamed.medianMs() / streamedEpochs[0];

        // Issue 26's ratio where it is asked: 600,000 × 784 uint8 pixels (the set ten times over), an
        // L-BFGS iteration read from the file block by block against one from the rows scaled into
        // memory; alternated, two of each (the CPU only: a GPU streams through its own chunks).
        double[] largeRatio = {Double.NaN};
        if (device.equals("cpu")) {
            Path largeX = dir.resolve("large_x.npy");
            Path largeY = dir.resolve("large_y.npy");
            try {
                LargeImages.write(loaded[0], Npy.read(dir.resolve("train_y.npy")).longs(), largeX, largeY);
                List<String> large = List.of("--data", largeX.toString(), "--labels", largeY.toString(),
                        "--test-data", dir.resolve("test_x.npy").toString(), "--test-labels",
                        dir.resolve("test_y.npy").toString(), "--validation-fraction", "0", "--l2", l2, "--epochs",
                        "10", "--device", device);
                double[] inMemoryMs = new double[2];
                double[] streamedLargeMs = new double[2];
                for (int i = 0; i < 2 && !Double.isInfinite(largeRatio[0]); i++) {
                    String report = train(large, List.of());
                    if (report.contains(TrainingResult.READ_FROM_SOURCE)) { // the heap cannot hold the scaled copy: no pair
                        largeRatio[0] = Double.POSITIVE_INFINITY;
                        break;
                    }
                    inMemoryMs[i] = number(report, "\\(the optimizer ([0-9.]+) s\\)") * 1e3
                            / number(report, "([0-9]+) epochs, best");
                    report = train(large, List.of("--stream"));
                    if (!report.contains(TrainingResult.READ_FROM_SOURCE)) {
                        throw new IllegalStateException("train --stream did not read the rows from their file: "
                                + report);
                    }
                    streamedLargeMs[i] = number(report, "\\(the optimizer ([0-9.]+) s\\)") * 1e3
                            / number(report, "([0-9]+) epochs, best");
                }
                if (!Double.isInfinite(largeRatio[0])) {
                    Stats inMemory = Stats.of(inMemoryMs);
                    Stats streamedLarge = Stats.of(streamedLargeMs);
                    results.add(new Result(LARGE_IN_MEMORY, LARGE_SHAPE, device, "", inMemory,
                            LargeImages.ROWS / (inMemory.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
                    results.add(new Result(LARGE_STREAMED, LARGE_SHAPE, device, "", streamedLarge,
                            LargeImages.ROWS / (streamedLarge.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
                    largeRatio[0] = streamedLarge.medianMs() / inMemory.medianMs();
                }
            } finally {
                Files.deleteIfExists(largeX);
                Files.deleteIfExists(largeY);
            }
        }

        LinearModel model = LinearModel.load(dir.resolve("model"));
        int[] labels = toInts(Npy.read(dir.resolve("train_y.npy")).longs());
        RowSource x = RowSource.of(loaded[0], SyntheticImages.TRAIN, SyntheticImages.PIXELS);
        Stats evaluate = time(runs, () -> model.evaluate(sx, x, labels));
        results.add(new Result(EVALUATE, SHAPE, device, "", evaluate, SyntheticImages.TRAIN
                / (evaluate.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));
        Stats predict = time(runs, () -> model.predictBoth(sx, x));
        results.add(new Result(PREDICT, SHAPE, device, "", predict, SyntheticImages.TRAIN
                / (predict.medianMs() / 1e3), "rows/s", Double.NaN, "", -1));

        Path launcher = launcher();
        out.printf(Locale.ROOT, "end to end on %s (%s): train whole command (%s) / its optimizer %.2f (median %.2f s / "
                        + "%.2f s); test accuracy %.4f; CSV parsed at %.0f MB/s; .npy of %.0f MB loaded in %.2f s%n",
                device, SHAPE, launcher != null ? "through the launcher " + launcher
                        : "java without the launcher's flags: target/softxent not found", trainNpy.medianMs() / optimizerStats.medianMs(), trainNpy.medianMs() / 1e3,
                optimizerStats.medianMs() / 1e3, accuracy[0], csvMb / (load.medianMs() / 1e3), npyMb,
                loadNpy.medianMs() / 1e3);
        out.printf(Locale.ROOT, "  streamed (train --stream%s): %.1f ms per iteration of its optimizer against %.1f "
                        + "with the rows in memory, %.2f x%n",
                device.equals("cpu") ? ", the .npy read block by block by the engine"
                        : ", from the .npy through the device's chunks", streamedPerIteration, inMemoryPerIteration,
                streamedPerIteration / inMemoryPerIteration);
        if (Double.isInfinite(largeRatio[0])) {
            out.printf(Locale.ROOT, "  at %s uint8: skipped, the train command's heap could not hold the rows' "
                    + "1.9 GB scaled copy (it read them from the file): no run in memory to compare with%n",
                    LARGE_SHAPE);
        } else if (!Double.isNaN(largeRatio[0])) {
            out.printf(Locale.ROOT, "  at %s uint8 (the set ten times over, 10 iterations, two runs of each, "
                    + "alternated): an iteration from the file / from memory %.2f x%n", LARGE_SHAPE, largeRatio[0]);
        }
        Map<String, Double> sk = baseline == null ? null : baseline.get(Benchmark.key(TRAIN_NPY, SHAPE, ""));
        if (sk != null && sk.containsKey("sklearn")) {
            out.printf(Locale.ROOT, "  beside scikit-learn's fit of the same rows (%.2f s, test accuracy %s): "
                            + "softxent's whole command takes %.2f of it%n", sk.get("sklearn") / 1e3,
                    sk.containsKey("sklearn:accuracy") ? String.format(Locale.ROOT, "%.4f", sk.get("sklearn:accuracy"))
                            : "-", trainNpy.medianMs() / sk.get("sklearn"));
        }
        return results;
    }

    /**
     * Runs train as a user does, a command of its own (a new JVM on this one's class path, through
     * the launcher target/softxent where there is one, with its JVM flags: its start, its JIT
     * warming up, its reading, fitting, testing and writing), into a fresh folder (dir/model);
     * returns what it printed.
     */
    private String train(List<String> data, List<String> more) throws IOException {
        Path model = dir.resolve("model");
        deleteTree(model);
        List<String> command = new ArrayList<>();
        ProcessBuilder builder = new ProcessBuilder(command);
        String simulated = System.getProperty("softxent.simulatedDevice");
        String classPath = System.getProperty("java.class.path");
        Path launcher = launcher();
        if (launcher != null) {
            command.add(launcher.toString());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            // The jar beside the launcher runs as a user runs it (with its class archive); any
            // other class path (the tests', an IDE's) through SOFTXENT_CLASSPATH.
            if (!launcher.toAbsolutePath().normalize().getParent().resolve("softxent.jar")
                    .equals(Path.of(classPath).toAbsolutePath().normalize())) {
                builder.environment().put("SOFTXENT_CLASSPATH", classPath);
            } else {
                builder.environment().remove("SOFTXENT_CLASSPATH");
            }
            if (simulated != null) {
                builder.environment().merge("SOFTXENT_JAVA_OPTS", "-Dsoftxent.simulatedDevice=" + simulated,
                        (mine, add) -> mine + " " + add);
            }
        } else {
            command.add(ProcessHandle.current().info().command().orElse("java"));
            if (simulated != null) {
                command.add("-Dsoftxent.simulatedDevice=" + simulated);
            }
            command.addAll(List.of("-cp", classPath, Main.class.getName()));
        }
        command.addAll(List.of("train", "--out", model.toString()));
        command.addAll(data);
        command.addAll(more);
        Path log = Files.createTempFile(dir, "train", ".txt");
        try {
            Process p = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int status = p.waitFor();
            String output = Files.readString(log);
            if (status != 0) {
                throw new IllegalStateException("the end-to-end train failed (" + status + "): " + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The launcher beside the jar this runs from, or target/softxent under the working folder; or null. */
    static Path launcher() {
        String classPath = System.getProperty("java.class.path");
        List<Path> candidates = new ArrayList<>();
        if (!classPath.contains(java.io.File.pathSeparator) && classPath.endsWith(".jar")) {
            Path parent = Path.of(classPath).toAbsolutePath().getParent();
            if (parent != null) {
                candidates.add(parent.resolve("softxent"));
            }
        }
        candidates.add(Path.of("target", "softxent").toAbsolutePath());
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static double number(String text, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("train's output has no '" + pattern + "': " + text);
        }
        return Double.parseDouble(m.group(1));
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    private interface Step {
        void run() throws IOException;
    }

    private interface Numbered {
        void run(int i) throws IOException;
    }

    private static Stats time(int runs, Step step) {
        return time(runs, i -> step.run());
    }

    /** Each of {@code runs} runs timed on the wall clock (no warm-up: a user's command has none). */
    private static Stats time(int runs, Numbered step) {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            try {
                step.run(i);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return Stats.of(ms);
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
