package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.cuda.CudaBackends;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/** The command line, run in-process as a user would type it. */
class CommandLineTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    /** The command line a case folder maps to: op → command, each input and option → its flag. */
    static List<String> commandLineOf(Path caseDir, Path out) throws IOException {
        return commandLineOf(caseDir, out, "cpu");
    }

    static List<String> commandLineOf(Path caseDir, Path out, String device) throws IOException {
        JsonObject spec = JsonParser.parseString(Files.readString(caseDir.resolve("case.json"))).getAsJsonObject();
        List<String> args = new ArrayList<>();
        args.add(spec.get("op").getAsString().replace('_', '-'));
        for (Map.Entry<String, JsonElement> e : spec.getAsJsonObject("inputs").entrySet()) {
            args.add("--" + e.getKey().replace('_', '-'));
            args.add(caseDir.resolve(e.getValue().getAsString()).toString());
        }
        for (Map.Entry<String, JsonElement> e : spec.getAsJsonObject("options").entrySet()) {
            if (!e.getKey().equals("reg_convention")) {
                args.add("--" + e.getKey().replace('_', '-'));
                args.add(e.getValue().getAsString());
            }
        }
        args.addAll(List.of("--device", device, "--out", out.toString()));
        return args;
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseRunsAsACommandLine() throws IOException {
        return goldenCommandLines(tmp, "cpu");
    }

    /** Each golden case run as its command line on {@code device}, its outputs compared with the reference. */
    static Stream<DynamicTest> goldenCommandLines(Path tmp, String device) throws IOException {
        return Conformance.caseFolders(GoldenCasesContract.golden()).stream().map(dir ->
                DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    Path out = tmp.resolve(dir.getFileName().toString());
                    List<String> args = commandLineOf(dir, out, device);
                    Run r = run(args.toArray(String[]::new));
                    assertEquals(0, r.status(), String.join(" ", args) + "\n" + r.err());
                    JsonObject spec = JsonParser.parseString(Files.readString(dir.resolve("case.json")))
                            .getAsJsonObject();
                    double tolerance = spec.get("op").getAsString().equals("classifier")
                            ? Conformance.CLASSIFIER_TOLERANCE : Conformance.LOGITS_TOLERANCE;
                    for (Map.Entry<String, JsonElement> e : spec.getAsJsonObject("outputs").entrySet()) {
                        NpyArray written = Npy.read(out.resolve(e.getKey() + ".npy"));
                        assertEquals(NpyArray.DType.FLOAT32, written.dtype(), "outputs are float32");
                        Conformance.Comparison c = Conformance.compare(e.getKey(),
                                Npy.read(dir.resolve(e.getValue().getAsString())), written, tolerance);
                        assertTrue(c.passed(), e.getKey() + ": " + c);
                    }
                }));
    }

    /**
     * The shutdown hook's line: said while the command runs (a signal stopped it), never once it
     * has finished, returned or thrown (an Error escaping the command must not pass for a signal).
     */
    @Test
    void theSignalLineIsSaidOnlyBeforeTheCommandFinishes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Main.StopNotice running = new Main.StopNotice("train", new java.io.PrintStream(bytes, true));
        running.run();
        assertEquals("softxent train: stopped by a signal before it finished; what it had not finished writing is "
                + "removed" + System.lineSeparator(), bytes.toString());
        bytes.reset();
        running.finish();
        running.run();
        assertEquals("", bytes.toString(), "finished: nothing");
    }

    @Test
    void aCommandBuiltAloneActsAsInTheWholeTree() {
        List<Class<?>> all = Main.commandsFor();
        assertEquals(14, all.size(), "every command and help");
        assertEquals(all, Main.commandsFor("help", "train"));
        assertEquals(all, Main.commandsFor("--help"));
        assertEquals(all, Main.commandsFor("trian"));
        for (Class<?> c : all) {
            String name = c.getAnnotation(picocli.CommandLine.Command.class).name();
            if (name.equals("help")) {
                continue;
            }
            assertEquals(List.of(c), Main.commandsFor(name, "--help"), name);
            // Built alone, as the command line builds it, and beside every other: the same help, the
            // same inherited --version, the same one-line errors.
            for (String[] tail : new String[][] {{"--help"}, {"--version"}, {"-V"}, {"--no-such-flag"}, {"--out"},
                    {"--device", "tpu"}}) {
                String[] args = concat(name, tail);
                Run alone = run(args);
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int status = Main.execute(new PrintWriter(out), new PrintWriter(err), all, args);
                assertEquals(new Run(status, out.toString(), err.toString()), alone, String.join(" ", args));
            }
            assertTrue(run(name, "--help").out().contains("Usage: softxent " + name), name);
        }
        assertTrue(run("--help").out().contains("convert"), "the usage lists every command");
        assertEquals(2, run("trian").status());
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void checkPassesTheGoldenCasesAndPrintsEachOutput() {
        Run r = run("check", GoldenCasesContract.golden().toString(), "--device", "cpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("ce_basic"), r.out());
        assertTrue(r.out().matches("(?s).*ce_basic\\s+grad_logits\\s+rel \\S+\\s+PASS.*"), r.out());
        assertTrue(r.out().contains("28 cases: 28 passed, 0 failed"), r.out());
    }

    @Test
    void checkFailsACaseWhoseReferenceDisagrees() throws IOException {
        Path source = GoldenCasesContract.golden().resolve("ce_basic");
        Path broken = tmp.resolve("ce_broken");
        Files.createDirectories(broken);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, broken.resolve(f.getFileName()));
            }
        }
        NpyArray grad = Npy.read(broken.resolve("grad_logits.npy"));
        double[] g = grad.doubles().clone();
        g[5] += 1e-3; // far beyond 1e-5 of the gradient's norm
        Files.delete(broken.resolve("grad_logits.npy"));
        Npy.write(broken.resolve("grad_logits.npy"), NpyArray.ofDoubles(g, grad.shape()));

        Run r = run("check", broken.toString(), source.toString(), "--device", "cpu", "--out", tmp.resolve("o").toString());
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().matches("(?s).*ce_broken\\s+grad_logits\\s+rel \\S+\\s+FAIL.*"), r.out());
        assertTrue(r.out().matches("(?s).*ce_basic\\s+grad_logits\\s+rel \\S+\\s+PASS.*"), r.out());
        assertTrue(r.out().contains("2 cases: 1 passed, 1 failed"), r.out());
        assertTrue(Files.exists(tmp.resolve("o/ce_broken/grad_logits.npy")), "--out keeps what was computed");
    }

    @Test
    void writesTheOutputsAndPrintsTheLoss() throws IOException {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Npy.write(in.resolve("z.npy"), NpyArray.ofFloats(new float[] {0f, 0f, 0f, 0f}, 2, 2));
        Npy.write(in.resolve("y.npy"), NpyArray.ofInts(new int[] {0, 1}, 2));
        Path out = tmp.resolve("new/folder");
        Run r = run("cross-entropy", "--logits", in.resolve("z.npy").toString(), "--labels", in.resolve("y.npy").toString(),
                "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("loss 0.693147"), r.out());
        NpyArray loss = Npy.read(out.resolve("loss.npy"));
        assertEquals(0, loss.ndim(), "a scalar loss is a 0-d array");
        assertEquals((float) Math.log(2), loss.floats()[0], 1e-7f);
        assertArrayEquals(new int[] {2, 2}, Npy.read(out.resolve("probs.npy")).shape());

        Run none = run("cross-entropy", "--logits", in.resolve("z.npy").toString(), "--labels",
                in.resolve("y.npy").toString(), "--reduction", "NONE", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, none.status(), none.err());
        assertArrayEquals(new int[] {2}, Npy.read(out.resolve("loss.npy")).shape());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("grad_logits.npy", "loss.npy", "probs.npy"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the outputs, and no temporary");
        }
    }

    @Test
    void softmaxAndLogSoftmaxCommands() throws IOException {
        Npy.write(tmp.resolve("z.npy"), NpyArray.ofFloats(new float[] {0f, (float) Math.log(3)}, 1, 2));
        assertEquals(0, run("softmax", "--logits", tmp.resolve("z.npy").toString(), "--out", tmp.toString(),
                "--device", "cpu").status());
        assertEquals(0.75f, Npy.read(tmp.resolve("probs.npy")).floats()[1], 1e-7f);
        assertEquals(0, run("softmax", "--log", "--logits", tmp.resolve("z.npy").toString(), "--out", tmp.toString(),
                "--device", "cpu").status());
        assertEquals((float) Math.log(0.75), Npy.read(tmp.resolve("log_probs.npy")).floats()[1], 1e-7f);
    }

    /** A pos_weight of one value, shape (1,) or (), weighs every column, as PyTorch broadcasts it. */
    @Test
    void aPosWeightOfOneValueWeighsEveryColumn() throws IOException {
        long seed = new java.util.Random().nextLong();
        java.util.Random r = new java.util.Random(seed);
        float[] z = new float[12];
        float[] t = new float[12];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (3 * r.nextGaussian());
            t[i] = r.nextFloat();
        }
        float w = 0.5f + 3 * r.nextFloat();
        Npy.write(tmp.resolve("z.npy"), NpyArray.ofFloats(z, 4, 3));
        Npy.write(tmp.resolve("t.npy"), NpyArray.ofFloats(t, 4, 3));
        Npy.write(tmp.resolve("all.npy"), NpyArray.ofFloats(new float[] {w, w, w}, 3));
        Npy.write(tmp.resolve("one.npy"), NpyArray.ofFloats(new float[] {w}, 1));
        Npy.write(tmp.resolve("scalar.npy"), NpyArray.scalar(w));
        float[][] grads = new float[3][];
        String[] files = {"all.npy", "one.npy", "scalar.npy"};
        for (int k = 0; k < 3; k++) {
            Path out = tmp.resolve("out" + k);
            Run run = run("binary-cross-entropy", "--logits", tmp.resolve("z.npy").toString(), "--targets",
                    tmp.resolve("t.npy").toString(), "--pos-weight", tmp.resolve(files[k]).toString(), "--reduction",
                    "none", "--out", out.toString(), "--device", "cpu");
            assertEquals(0, run.status(), run.err() + " seed=" + seed);
            grads[k] = Npy.read(out.resolve("grad_logits.npy")).floats();
        }
        assertArrayEquals(grads[0], grads[1], "seed=" + seed);
        assertArrayEquals(grads[0], grads[2], "seed=" + seed);
        // (Against the weights it stands for: 1 is not w.)
        Npy.write(tmp.resolve("unit.npy"), NpyArray.ofFloats(new float[] {1}, 1));
        Path out = tmp.resolve("unit");
        assertEquals(0, run("binary-cross-entropy", "--logits", tmp.resolve("z.npy").toString(), "--targets",
                tmp.resolve("t.npy").toString(), "--pos-weight", tmp.resolve("unit.npy").toString(), "--reduction",
                "none", "--out", out.toString(), "--device", "cpu").status());
        assertFalse(java.util.Arrays.equals(grads[0], Npy.read(out.resolve("grad_logits.npy")).floats()),
                "seed=" + seed);
        // One column, one value: shape () as (1,).
        Npy.write(tmp.resolve("z1.npy"), NpyArray.ofFloats(java.util.Arrays.copyOf(z, 4), 4));
        Npy.write(tmp.resolve("t1.npy"), NpyArray.ofFloats(java.util.Arrays.copyOf(t, 4), 4));
        float[][] single = new float[2][];
        String[] weights = {"one.npy", "scalar.npy"};
        for (int k = 0; k < 2; k++) {
            Path o = tmp.resolve("single" + k);
            Run run = run("binary-cross-entropy", "--logits", tmp.resolve("z1.npy").toString(), "--targets",
                    tmp.resolve("t1.npy").toString(), "--pos-weight", tmp.resolve(weights[k]).toString(), "--out",
                    o.toString(), "--device", "cpu");
            assertEquals(0, run.status(), run.err() + " seed=" + seed);
            single[k] = Npy.read(o.resolve("grad_logits.npy")).floats();
        }
        assertArrayEquals(single[0], single[1], "seed=" + seed);
    }

    /**
     * Logits [N] with a pos_weight [N]: PyTorch broadcasts it along the last dimension, N itself, so
     * each element has its own weight. Checked against the formula in double: loss ℓ = −(p·t·log σ(z)
     * + (1 − t)·log(1 − σ(z))), its gradient (p·t + 1 − t)·σ(z) − p·t, per element (reduction none).
     */
    @Test
    void aPosWeightOfOneValuePerElementOfOneDimensionalLogits() throws IOException {
        long seed = new java.util.Random().nextLong();
        java.util.Random r = new java.util.Random(seed);
        int n = 7;
        float[] z = new float[n];
        float[] t = new float[n];
        float[] p = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = (float) (3 * r.nextGaussian());
            t[i] = r.nextFloat();
            p[i] = 0.1f + 5 * r.nextFloat();
        }
        Npy.write(tmp.resolve("z.npy"), NpyArray.ofFloats(z, n));
        Npy.write(tmp.resolve("t.npy"), NpyArray.ofFloats(t, n));
        Npy.write(tmp.resolve("p.npy"), NpyArray.ofFloats(p, n));
        Path out = tmp.resolve("each");
        Run run = run("binary-cross-entropy", "--logits", tmp.resolve("z.npy").toString(), "--targets",
                tmp.resolve("t.npy").toString(), "--pos-weight", tmp.resolve("p.npy").toString(), "--reduction", "none",
                "--out", out.toString(), "--device", "cpu");
        assertEquals(0, run.status(), run.err() + " seed=" + seed);
        NpyArray loss = Npy.read(out.resolve("loss.npy"));
        NpyArray grad = Npy.read(out.resolve("grad_logits.npy"));
        assertArrayEquals(new int[] {n}, loss.shape(), "seed=" + seed);
        assertArrayEquals(new int[] {n}, grad.shape(), "seed=" + seed);
        for (int i = 0; i < n; i++) {
            double s = 1 / (1 + Math.exp(-z[i]));
            double want = -(p[i] * t[i] * Math.log(s) + (1 - t[i]) * Math.log1p(-s));
            double wantGrad = (p[i] * t[i] + 1 - t[i]) * s - p[i] * t[i];
            assertEquals(want, loss.floats()[i], 1e-5 * (1 + Math.abs(want)), "loss[" + i + "] seed=" + seed);
            assertEquals(wantGrad, grad.floats()[i], 1e-5 * (1 + Math.abs(wantGrad)), "grad[" + i + "] seed=" + seed);
        }
    }

    // Bad input: exit status 2, one line on standard error naming the argument, no stack trace. The
    // catalogue of bad input, on every device, is BadInputCommandLineTest.

    private void badInput(String mustName, String... args) {
        Run r = run(args);
        assertEquals(2, r.status(), String.join(" ", args) + " -> " + r.out() + r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line on standard error: " + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
        assertTrue(err.contains(mustName), "'" + err + "' should name " + mustName);
    }

    /** A version 1.0 .npy file with the given header dict and 64 zero bytes of data. */
    static byte[] npyWithHeader(String dict) {
        byte[] header = (dict + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length + 64)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header);
        return b.array();
    }

    /** Auto never computes on the simulated device: it says so, and --device gpu is the way to it. */
    @Test
    void autoNeverChoosesTheSimulatedDevice() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(CudaBackends.simulated(), "no simulated device in this JVM");
        Path z = tmp.resolve("z.npy");
        Npy.write(z, NpyArray.ofFloats(new float[] {1, 2, 3, 4, 5, 7}, 2, 3));
        Run auto = run("softmax", "--logits", z.toString(), "--out", tmp.toString());
        assertEquals(0, auto.status(), auto.err());
        assertTrue(auto.out().contains("(CPU "), auto.out());
        assertTrue(auto.err().contains("computed on the CPU: the only CUDA device here is softxent's simulated one"),
                auto.err());
        Run gpu = run("softmax", "--logits", z.toString(), "--out", tmp.toString(), "--device", "gpu");
        assertEquals(0, gpu.status(), gpu.err());
        assertTrue(gpu.out().contains("simulated"), "the output names the simulated device: " + gpu.out());
    }

    /**
     * The note that auto computed on the CPU comes after a command's work: a command that then
     * fails prints its error only, one line (train, predict and evaluate said it first).
     */
    @Test
    void aFailingCommandOnTheFallbackPrintsItsErrorOnly() throws IOException {
        try (org.softxent.Softxent auto = org.softxent.Softxent.open(org.softxent.Device.AUTO)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(auto.fallbackReason().isPresent(),
                    "auto computes on a GPU here: no fallback to note");
        }
        org.softxent.testing.Rng rng = org.softxent.testing.Rng.fresh();
        int[] labels = rng.labels(200, 2);
        float[] x = rng.separable(labels, 2, 2, 1);
        StringBuilder csv = new StringBuilder();
        for (int r = 0; r < labels.length; r++) {
            csv.append(x[2 * r]).append(',').append(x[2 * r + 1]).append(',').append(labels[r]).append('\n');
        }
        Path data = tmp.resolve("d.csv");
        Files.writeString(data, csv);
        Run ok = run("train", "--data", data.toString(), "--out", tmp.resolve("m").toString(), "--epochs", "3");
        assertEquals(0, ok.status(), rng + ": " + ok.err());
        assertTrue(ok.err().contains("computed on the CPU"), "the note, after the work: " + ok.err());
        Run diverged = run("train", "--data", data.toString(), "--out", tmp.resolve("d").toString(), "--optimizer",
                "sgd", "--learning-rate", "1e30", "--epochs", "20");
        assertEquals(Main.EXIT_BAD_INPUT, diverged.status(), rng + ": " + diverged.out() + diverged.err());
        assertEquals(1, diverged.err().strip().lines().count(), "one line: " + diverged.err());
        // Refused before any step now (the L2 term alone would make SGD diverge at this rate).
        assertTrue(diverged.err().contains("would diverge"), diverged.err());
        assertEquals("", diverged.out(), "nothing on standard output");
        // Streamed: the same line, and no word of the rows standardised in place (a file is never).
        Run streamed = run("train", "--data", data.toString(), "--out", tmp.resolve("s").toString(), "--optimizer",
                "sgd", "--learning-rate", "1e30", "--epochs", "20", "--stream");
        assertEquals(Main.EXIT_BAD_INPUT, streamed.status(), rng + ": " + streamed.out() + streamed.err());
        assertTrue(streamed.err().contains("would diverge") && !streamed.err().contains("inPlace"), streamed.err());
        Run predict = run("predict", "--model", tmp.resolve("m").toString(), "--data", data.toString(), "--out",
                tmp.resolve("p").toString());
        assertEquals(0, predict.status(), predict.err());
        assertTrue(predict.err().contains("computed on the CPU"), predict.err());
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertEquals(0, help.status());
        for (String command : new String[] {"cross-entropy", "classifier", "softmax-backward", "softmax-jacobian",
            "binary-cross-entropy", "check", "softmax"}) {
            assertTrue(help.out().contains(command), command + " is listed");
        }
        assertEquals(0, run("cross-entropy", "--help").status());
        assertEquals(0, run("--version").status());
    }

}
