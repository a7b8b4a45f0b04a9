package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;
import org.softxent.testing.Rng;

/** The runnable jar, run as a user runs it: {@code java -jar target/softxent.jar ...}. */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("softxent.jar", "target/softxent.jar"));

    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    private Run java(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-jar", JAR.toString()));
        all.addAll(List.of(args));
        return run(List.of(), all.toArray(String[]::new));
    }

    /** The jar run after {@code prefix}, a command that ends by running its arguments. */
    private Run run(List<String> prefix, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * The system property that lends the jar the simulated CUDA device where the tests use it (it
     * serves only where the machine has no driver of its own; the jar does not hold it).
     */
    private static String simulatedDevice() {
        return "-Dsoftxent.simulatedDevice=" + System.getProperty("softxent.simulatedDevice", "");
    }

    /**
     * Inputs and outputs larger than the heap are bad input (exit 2, one line naming the heap), and
     * a Jacobian that cannot fit is refused with its shape before any work.
     */
    @Test
    void inputsLargerThanTheHeapAreBadInput() throws Exception {
        Rng rng = Rng.fresh();
        float[] z = rng.normal(5000, 1);
        Path wide = tmp.resolve("wide.npy");
        Npy.write(wide, NpyArray.ofFloats(z, 1, 5000));
        Run jacobian = run(List.of(), "-Xmx64m", "-jar", JAR.toString(), "softmax-jacobian", "--logits",
                wide.toString(), "--out", tmp.resolve("j").toString(), "--device", "cpu");
        assertEquals(Main.EXIT_BAD_INPUT, jacobian.status(), rng + ": " + jacobian.err());
        assertTrue(jacobian.err().contains("--logits (" + wide + "): [1, 5000]: the Jacobian [1, 5000, 5000] takes "
                + "95 MiB"), jacobian.err());
        assertEquals(1, jacobian.err().strip().lines().count(), jacobian.err());

        float[] big = rng.normal(12_000_000, 1); // 48 MB of logits, and as much again of probabilities
        Path logits = tmp.resolve("big.npy");
        Npy.write(logits, NpyArray.ofFloats(big, 12_000, 1000));
        Run softmax = run(List.of(), "-Xmx48m", "-jar", JAR.toString(), "softmax", "--logits", logits.toString(),
                "--out", tmp.resolve("s").toString(), "--device", "cpu");
        assertEquals(Main.EXIT_BAD_INPUT, softmax.status(), rng + ": " + softmax.err());
        assertTrue(softmax.err().startsWith("softxent softmax: out of memory") && softmax.err().contains("-Xmx"),
                softmax.err());
        assertEquals(1, softmax.err().strip().lines().count(), softmax.err());
        assertFalse(Files.exists(tmp.resolve("s").resolve("probs.npy")), "no output written");
    }

    /**
     * L-BFGS reading a file's rows with --stream needs no heap for chunks (the engine reads blocks of
     * rows itself): a heap that holds the rows' labels and indices but not two 26 MiB chunks serves
     * (it was refused for the chunks it would never use), and SGD's chunks are counted.
     */
    @Test
    void streamedLbfgsAsksNoHeapForChunks() throws Exception {
        Rng rng = Rng.fresh();
        Path xs = tmp.resolve("x.npy");
        Path ys = tmp.resolve("y.npy");
        org.softxent.testing.LabelledFiles.writeSeparable(rng, 200_000, 50, xs, ys);
        Run lbfgs = run(List.of(), "-Xmx64m", "-XX:ActiveProcessorCount=2", "-jar", JAR.toString(), "train", "--data",
                xs.toString(), "--labels",
                ys.toString(), "--stream", "--epochs", "2", "--device", "cpu", "--out", tmp.resolve("a").toString());
        assertEquals(0, lbfgs.status(), rng + ": " + lbfgs.err());
        Run sgd = run(List.of(), "-Xmx48m", "-XX:ActiveProcessorCount=2", "-jar", JAR.toString(), "train", "--data",
                xs.toString(), "--labels",
                ys.toString(), "--stream", "--optimizer", "sgd", "--epochs", "2", "--device", "cpu", "--out",
                tmp.resolve("b").toString());
        assertEquals(Main.EXIT_BAD_INPUT, sgd.status(), rng + ": " + sgd.out() + sgd.err());
        assertTrue(sgd.err().contains("needs about") && sgd.err().contains("two chunks of 26 MiB")
                && sgd.err().contains("--stream --chunk-mib"), sgd.err());
    }

    /** Without the simulated device, on a machine with no CUDA driver, --device gpu says why, in one line. */
    @Test
    void gpuWithoutAGpuSaysWhy() throws Exception {
        Path z = tmp.resolve("z.npy");
        Npy.write(z, NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Run auto = java("softmax", "--logits", z.toString(), "--out", tmp.toString());
        assertEquals(0, auto.status(), auto.err());
        Run gpu = java("softmax", "--logits", z.toString(), "--out", tmp.toString(), "--device", "gpu");
        if (auto.err().contains("computed on the CPU: no CUDA driver")) {
            assertEquals(2, gpu.status(), gpu.out() + gpu.err());
            assertEquals(1, gpu.err().strip().lines().count(), gpu.err());
            assertTrue(gpu.err().contains("--device gpu: no CUDA driver (libcuda.so.1 not found)"), gpu.err());
        } else {
            assertEquals(0, gpu.status(), "this machine has a GPU: " + gpu.err());
            assertTrue(gpu.out().contains("(GPU "), gpu.out());
        }
    }

    /** With the simulated device, --device gpu computes on it and says so; auto keeps to the CPU. */
    @Test
    void theSimulatedDeviceServesOnlyWhenAskedForAndSaysSo() throws Exception {
        Path z = tmp.resolve("z.npy");
        Npy.write(z, NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Run gpu = run(List.of(), simulatedDevice(), "-jar", JAR.toString(), "softmax", "--logits", z.toString(),
                "--out", tmp.toString(), "--device", "gpu");
        assertEquals(0, gpu.status(), gpu.err());
        Run auto = run(List.of(), simulatedDevice(), "-jar", JAR.toString(), "softmax", "--logits", z.toString(),
                "--out", tmp.toString());
        assertEquals(0, auto.status(), auto.err());
        if (gpu.out().contains("simulated")) {
            assertTrue(auto.out().contains("(CPU "), auto.out());
            assertTrue(auto.err().contains("softxent's simulated one"), auto.err());
        } else {
            assertTrue(gpu.out().contains("(GPU "), "a real GPU takes precedence: " + gpu.out());
        }
    }

    @Test
    void holdsItsDependenciesAndOnlyTheNativesItUses() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertEquals("org.softxent.cli.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertTrue(names.contains("picocli/CommandLine.class"));
            assertTrue(names.contains("jcuda/driver/JCudaDriver.class"));
            assertTrue(names.contains("jcuda/jcublas/JCublas2.class"));
            assertTrue(names.stream().anyMatch(n -> n.matches("lib/libJCudaDriver-.*-linux-x86_64\\.so")));
            assertTrue(names.stream().anyMatch(n -> n.matches("lib/libJCublas2-.*-linux-x86_64\\.so")));
            assertFalse(names.stream().anyMatch(n -> n.contains("libJNvPTXCompiler")), "the 24 MB PTX compiler is left out");
        }
    }

    /**
     * A command stopped by a signal (SIGTERM) says so in one line, from the JVM's shutdown hook
     * (Main.StopNotice; when it says nothing is CommandLineTest's); a command that finishes says
     * nothing of it.
     */
    @Test
    void aCommandStoppedByASignalSaysSo() throws Exception {
        Path out = tmp.resolve("stopped");
        Path err = tmp.resolve("stopped.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString(), "train", "--data", "src/test/resources/data/digits.csv.gz", "--out", out.toString(),
                "--device", "cpu", "--optimizer", "sgd", "--epochs", "1000000", "--validation-fraction", "0",
                "--batch-size", "8").redirectErrorStream(true).redirectOutput(err.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(err, StandardCharsets.UTF_8).contains("epoch 2/") && System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), Files.readString(err, StandardCharsets.UTF_8));
            Thread.sleep(50);
        }
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "stopped");
        String printed = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(143, p.exitValue(), printed);
        // (Its own line, though the training's thread may print an epoch after it while the JVM stops.)
        assertTrue(printed.contains("\nsoftxent train: stopped by a signal before it finished; what it had not "
                + "finished writing is removed\n"), printed);
        Run done = java("--version");
        assertEquals(0, done.status());
        assertFalse(done.err().contains("stopped by a signal"), done.err());
    }

    /** The launcher beside the jar, run through a link from another folder, trains as java -jar does. */
    @Test
    void theLauncherRunsTheJarFromALink() throws Exception {
        Path launcher = JAR.toAbsolutePath().resolveSibling("softxent");
        assertTrue(Files.isExecutable(launcher), launcher + " is written by the build");
        Path link = Files.createSymbolicLink(tmp.resolve("softxent"), launcher);
        Path out = tmp.resolve("model with a space");
        Process p = new ProcessBuilder(link.toString(), "train", "--data", "src/test/resources/data/digits.csv.gz",
                "--out", out.toString(), "--device", "cpu").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("launcher.txt").toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
        String printed = Files.readString(tmp.resolve("launcher.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), printed);
        assertTrue(printed.contains("test accuracy 0.9"), printed);
        assertTrue(Files.isRegularFile(out.resolve("model.json")), printed);
    }

    /**
     * The class archive the build writes beside the jar is used by the launcher (its classes come
     * from it, picocli's included); it is not handed over where the JVM could not map it and would
     * then share no class at all: beside a copy of the jar elsewhere, to another java, from an old
     * one-line record, to a jar rebuilt since, to a JVM without compressed pointers (a heap of 32
     * GiB or more). Either way no word on standard error, the same output, and the JDK's own shared
     * classes still in use.
     */
    @Test
    void theLauncherUsesTheClassArchiveAndGoesQuietlyWithoutOne() throws Exception {
        Path dir = JAR.toAbsolutePath().getParent();
        Path archive = dir.resolve("softxent.jsa");
        Assumptions.assumeTrue(Files.isRegularFile(archive) && Files.isRegularFile(dir.resolve("softxent.jsa.jvm")),
                "the build wrote no class archive (it says why)");
        Path log = tmp.resolve("classes.txt");
        Launched plain = launch(dir.resolve("softxent"), null, "");
        assertEquals(0, plain.status());
        assertEquals("", plain.err());
        Launched logged = launch(dir.resolve("softxent"), log, "");
        assertEquals(plain.out(), logged.out());
        String classes = Files.readString(log);
        assertTrue(classes.contains("org.softxent.cli.Main source: shared objects file"),
                "Main comes from the archive");
        assertTrue(classes.contains("picocli.CommandLine source: shared objects file"),
                "picocli's classes (class file version 49) too");
        // A copy of the launcher and the jar elsewhere, with an archive of its own (of the classes
        // --version loads), written by the same java: the launcher hands it over...
        List<String> wrote = Files.readAllLines(dir.resolve("softxent.jsa.jvm"));
        Path copy = Files.createTempDirectory(tmp, "copy").toRealPath();
        Files.copy(dir.resolve("softxent"), copy.resolve("softxent"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(JAR, copy.resolve("softxent.jar"));
        String jar = copy.resolve("softxent.jar").toString();
        runQuietly(wrote.get(0), "-XX:DumpLoadedClassList=" + copy.resolve("classes.lst"), "-jar", jar, "--version");
        runQuietly(wrote.get(0), "-Xshare:dump", "-XX:SharedClassListFile=" + copy.resolve("classes.lst"),
                "-XX:SharedArchiveFile=" + copy.resolve("softxent.jsa"), "-cp", jar);
        Path record = copy.resolve("softxent.jsa.jvm");
        Files.write(record, List.of(wrote.get(0), jar));
        assertTrue(launched(copy, "", "served").contains("org.softxent.cli.Main source: shared objects file"),
                "the copy's own archive serves it");
        // ... but not where the JVM could not map it and would then share no class at all.
        Files.write(record, List.of("/no/such/java", jar));
        assertWithout(launched(copy, "", "another java"), "another java");
        Files.write(record, List.of(wrote.get(0)));
        assertWithout(launched(copy, "", "an old record"), "an old record");
        Files.write(record, wrote);
        assertWithout(launched(copy, "", "the jar moved"), "the jar moved");
        Files.write(record, List.of(wrote.get(0), jar));
        assertWithout(launched(copy, "-Xmx32g", "a heap of 32 GiB"), "a heap of 32 GiB");
        assertWithout(launched(copy, "-XX:-UseCompressedOops", "wide pointers"), "wide pointers");
        Files.setLastModifiedTime(copy.resolve("softxent.jar"), java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(copy.resolve("softxent.jsa")).toMillis() + 60_000));
        assertWithout(launched(copy, "", "a jar rebuilt since"), "a jar rebuilt since");
    }

    /** The copy's launcher's --version with JVM flags {@code more}: its class-loading log, the output checked. */
    private String launched(Path copy, String more, String why) throws Exception {
        Path log = Files.createTempFile(tmp, "classes", ".txt");
        Launched r = launch(copy.resolve("softxent"), log, more);
        assertEquals(0, r.status(), why);
        assertEquals("", r.err(), "nothing said of the archive: " + why);
        assertTrue(r.out().startsWith("softxent "), why + ": " + r.out());
        return Files.readString(log);
    }

    private static void assertWithout(String loaded, String why) {
        assertTrue(loaded.contains("java.lang.Object source: shared objects file"),
                "the JDK's shared classes still in use: " + why);
        assertFalse(loaded.contains("org.softxent.cli.Main source: shared objects file"),
                "the archive's own classes not: " + why);
    }

    /** Runs a command to its end, quietly; fails the test on a non-zero status. */
    private void runQuietly(String... command) throws Exception {
        Path output = Files.createTempFile(tmp, "run", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "finished: " + String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + Files.readString(output));
    }

    private record Launched(int status, String out, String err) {
    }

    /** The launcher's --version, its class loading logged to {@code log} when not null, with JVM flags {@code more}. */
    private Launched launch(Path launcher, Path log, String more) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder b = new ProcessBuilder(launcher.toString(), "--version").redirectOutput(out.toFile())
                .redirectError(err.toFile());
        b.environment().put("SOFTXENT_JAVA_OPTS", (more + (log != null ? " -Xlog:class+load=info:file=" + log : ""))
                .strip());
        Process p = b.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "finished");
        return new Launched(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void checksTheGoldenCases() throws Exception {
        Run r = java("check", GoldenCasesContract.golden().toString(), "--device", "cpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("28 cases: 28 passed, 0 failed"), r.out());
    }

    /** The README's main job. */
    @Test
    void runsTheQuickBenchmarkAndSaysWhereItRan() throws Exception {
        Path json = tmp.resolve("results/bench.json");
        Run r = java("bench", "--quick", "--json", json.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject()
                .getAsJsonArray("results").size() > 0, "--json holds the results");
        try (java.util.stream.Stream<Path> files = Files.list(json.getParent())) {
            assertEquals(List.of(json), files.toList(), "and nothing else: no temporary");
        }
        assertTrue(r.out().startsWith("softxent bench on "), r.out());
        assertTrue(r.out().contains("cross-entropy"), r.out());
        if (r.out().contains("on CPU")) {
            assertTrue(r.out().contains("(the CPU, because "), "it says why it used the CPU: " + r.out());
        }
    }

    @Test
    void runsTheDemo() throws Exception {
        Run r = java("demo");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("classifier"), r.out());
        assertTrue(r.out().contains("gradient check"), r.out());
    }

    @Test
    void badInputIsOneLineAndStatus2() throws Exception {
        Run r = java("cross-entropy", "--logits", tmp.resolve("missing.npy").toString(), "--labels", "y.npy");
        assertEquals(2, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--logits: file not found"), r.err());
    }

    /**
     * A disk that fills up half way (here a limit on the size of any file the process writes, which
     * fails the write as a full disk does): before, loss.npy was replaced and grad_logits.npy left
     * truncated. Now nothing in --out changes and the error names the file.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void aWriteThatFailsHalfWayLeavesTheOutputsAsTheyWereAndNamesTheFile(String device) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no bash here");
        int n = 128;
        int c = 256;
        Path work = tmp.resolve("work");
        Path in = Files.createDirectories(work.resolve("in"));
        Npy.write(in.resolve("z.npy"), NpyArray.ofFloats(new float[n * c], n, c));
        Npy.write(in.resolve("y.npy"), NpyArray.ofLongs(new long[n], n));
        Path out = Files.createDirectories(work.resolve("out"));
        for (String name : new String[] {"loss", "grad_logits", "probs"}) {
            Npy.write(out.resolve(name + ".npy"), NpyArray.scalar(42f));
        }
        Map<String, String> before = BadInputCommandLineTest.snapshot(work);
        // 48 KiB: loss.npy fits, the 128 KiB gradient does not. -XX:-UsePerfData: the JVM writes no file of its own.
        Run r = run(List.of("/bin/bash", "-c", "ulimit -f 48 && exec \"$0\" \"$@\""), "-XX:-UsePerfData",
                simulatedDevice(), "-jar", JAR.toString(), "cross-entropy", "--logits", in.resolve("z.npy").toString(), "--labels",
                in.resolve("y.npy").toString(), "--out", out.toString(), "--device", device);
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--out: cannot write " + out.resolve("grad_logits.npy") + ": File too large"),
                r.err());
        assertEquals(before, BadInputCommandLineTest.snapshot(work), "no output appeared, changed or stayed half-written");
    }

    @Test
    void reportsItsVersion() throws Exception {
        Run r = java("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("softxent \\d+\\.\\d+\\.\\d+.*\\s*"), r.out());
    }
}
