package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.cuda.CudaBackends;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * The bad-input catalogue of the command line, on every device: each case runs with
 * {@code --device cpu} and with {@code --device gpu} (skipped where the CUDA driver reports no
 * device, as {@code @GpuTest} is). For each, the exit status; for bad input, exactly one line on
 * standard error that names the argument, and no stack trace; that no file appeared, changed or
 * vanished anywhere under the case's folder (its inputs, the outputs of an earlier run in
 * {@code --out}, and no temporary left behind); and that the device still computes afterwards.
 */
class BadInputCommandLineTest {
    private static final String[] DEVICES = {"cpu", "gpu"};
    private static final String GPU_MISSING = CudaBackends.whyNoDevice();

    @TempDir
    Path tmp;

    private final AtomicInteger folders = new AtomicInteger();

    /**
     * One bad command line: how to build it on a fixture, its exit status, whether it is refused
     * before any work (nothing on standard output), and what its error must name.
     */
    record Case(String name, int status, boolean beforeAnyWork, Setup setup, String... mustName) {
    }

    interface Setup {
        String[] args(Fixture f) throws Exception;
    }

    /** Bad input, refused before any work. */
    static Case bad(String name, Setup setup, String... mustName) {
        return new Case(name, Main.EXIT_BAD_INPUT, true, setup, mustName);
    }

    @TestFactory
    Stream<DynamicNode> everyBadCommandLineOnEveryDevice() {
        return Arrays.stream(DEVICES).map(device -> DynamicContainer.dynamicContainer("--device " + device,
                cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(device, c)))));
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.addAll(inputFileCases());
        cases.addAll(inputValueCases());
        cases.addAll(flagCases());
        cases.addAll(outputCases());
        cases.addAll(checkCases());
        cases.addAll(benchCases());
        return cases;
    }

    /** bench: every file a flag names is checked before the run, which takes minutes. */
    static List<Case> benchCases() {
        return List.of(
            bad("bench --baseline that is not there", f -> f.command(List.of("bench", "--quick", "--baseline",
                    f.fresh.resolve("torch.json").toString()), false), "--baseline", "file not found"),
            bad("bench --baseline that is not JSON (a .npy: not even UTF-8)", f -> f.command(List.of("bench", "--quick",
                    "--baseline", f.logits.toString()), false), "--baseline", "not valid JSON (not UTF-8 text: byte 0 "
                    + "(0x93) starts no UTF-8 character)"),
            bad("bench --baseline of words: no advice to Gson's programmer", f -> {
                Path words = f.in.resolve("words.json");
                Files.writeString(words, "hello world");
                return f.command(List.of("bench", "--quick", "--baseline", words.toString()), false);
            }, "--baseline", "not valid JSON: malformed JSON at line 1"),
            bad("bench --baseline without median times", f -> {
                Path torch = f.in.resolve("torch.json");
                Files.writeString(torch, "{\"results\": [{\"workload\": \"cross-entropy\", \"shape\": \"8 x 8\"}]}");
                return f.command(List.of("bench", "--quick", "--baseline", torch.toString()), false);
            }, "--baseline", "results[0] has no \"median_ms\""),
            bad("bench --json under a file", f -> f.command(List.of("bench", "--quick", "--json",
                    f.logits.resolve("bench.json").toString()), false), "--json", "not a folder"),
            bad("bench --json onto a folder", f -> f.command(List.of("bench", "--quick", "--json", f.out.toString()),
                    false), "--json", "directory"),
            bad("bench --json onto a symbolic link", f -> {
                Path link = f.out.resolve("bench.json");
                Files.createSymbolicLink(link, f.logits);
                return f.command(List.of("bench", "--quick", "--json", link.toString()), false);
            }, "--json", "symbolic link"),
            bad("bench --json \"\"", f -> f.command(List.of("bench", "--quick", "--json", ""), false),
                    "--json", "empty path"),
            bad("bench --runs 0", f -> f.command(List.of("bench", "--runs", "0"), false), "--runs"));
    }

    /** check: folders that are not case folders are bad input; a case that cannot run FAILs, saying why. */
    static List<Case> checkCases() {
        return List.of(
            bad("check of a file", f -> f.command(List.of("check", f.logits.toString()), false),
                    "logits.npy: not a folder"),
            bad("check of nothing", f -> f.command(List.of("check", f.fresh.toString()), false),
                    "fresh: no such folder"),
            bad("check of a folder whose index.json is not JSON", f -> {
                Files.writeString(Files.createDirectories(f.fresh).resolve("index.json"), "[\"ce_basic\",");
                return f.command(List.of("check", f.fresh.toString()), false);
            }, "index.json: not valid JSON"),
            bad("check of a folder whose index.json is not a list of names", f -> {
                Files.writeString(Files.createDirectories(f.fresh).resolve("index.json"), "{\"cases\": 1}");
                return f.command(List.of("check", f.fresh.toString()), false);
            }, "index.json must be a JSON array"),
            failedCase("an index.json naming a case that is not there", f -> {
                f.copyOfGoldenCase("ce_sum", f.fresh);
                Files.writeString(f.fresh.resolve("index.json"), "[\"ce_sum\", \"ce_gone\"]");
                return f.command(List.of("check", f.fresh.toString()), false);
            }, "ce_gone", "FAIL", "no such case folder", "1 passed, 1 failed"),
            failedCase("a case.json that is not JSON", f -> f.checkEdited("ce_sum",
                    text -> "{\"op\": \"cross_entropy\", "), "ce_sum", "FAIL", "case.json: not valid JSON", "line 1"),
            failedCase("a case.json that compares no output: nothing checked is no pass", f -> f.checkEdited("ce_sum",
                    text -> text.replaceFirst("\"outputs\": \\{[^}]*\\}", "\"outputs\": {}")),
                    "ce_sum", "FAIL", "outputs names none", "1 failed"),
            failedCase("a case.json with an input its op never reads (a misspelt name)", f -> f.checkEdited("ce_sum",
                    text -> text.replace("\"labels\": \"labels.npy\"",
                            "\"labels\": \"labels.npy\", \"class_weight\": \"logits.npy\"")),
                    "ce_sum", "FAIL", "inputs.class_weight: not an input of cross_entropy"),
            failedCase("a folder of cases with a sub-folder that holds no case.json", f -> {
                f.copyOfGoldenCase("ce_sum", f.fresh);
                Files.createDirectories(f.fresh.resolve("broken"));
                Files.writeString(f.fresh.resolve("broken/case.jsn"), "{}");
                return f.command(List.of("check", f.fresh.toString()), false);
            }, "broken", "FAIL", "has no case.json", "1 passed, 1 failed"),
            failedCase("a case.json saved as UTF-16", f -> {
                Path c = f.copyOfGoldenCase("ce_sum", f.fresh);
                Files.writeString(c.resolve("case.json"), Files.readString(c.resolve("case.json")),
                        java.nio.charset.StandardCharsets.UTF_16);
                return f.command(List.of("check", c.toString()), false);
            }, "ce_sum", "FAIL", "case.json: not valid JSON (not UTF-8 text: byte 0 (0xfe)",
                    "the file starts as UTF-16 does"),
            failedCase("a case.json without an op", f -> f.checkEdited("ce_sum",
                    text -> "{\"inputs\": {}, \"outputs\": {}}"), "FAIL", "case.json has no \"op\""),
            failedCase("a case.json whose option has the wrong type", f -> f.checkEdited("ce_smoothing",
                    text -> text.replaceFirst("\"label_smoothing\": [0-9.]+", "\"label_smoothing\": \"a little\"")),
                    "FAIL", "case.json: options.label_smoothing must be a number, got \"a little\""),
            failedCase("a case whose input file is missing", f -> {
                Path c = f.copyOfGoldenCase("ce_sum", f.fresh);
                Files.delete(c.resolve("labels.npy"));
                return f.command(List.of("check", c.toString()), false);
            }, "FAIL", "labels: file not found"));
    }

    /** A check whose case FAILs (status 1) with a reason on standard output. */
    static Case failedCase(String name, Setup setup, String... mustSay) {
        return new Case(name, Main.EXIT_FAILED_CHECK, false, setup, mustSay);
    }

    /** Input files that are not what a .npy input must be. */
    static List<Case> inputFileCases() {
        return List.of(
            bad("--logits is not there", f -> f.cmd("softmax", "--logits", f.in.resolve("missing.npy")),
                    "--logits", "file not found"),
            bad("--logits is not a .npy file", f -> {
                Path text = f.in.resolve("text.npy");
                Files.writeString(text, "not numpy");
                return f.cmd("softmax", "--logits", text);
            }, "--logits", "not a .npy file"),
            bad("--logits is a folder", f -> f.cmd("softmax", "--logits", f.in), "--logits", "a directory"),
            bad("--logits is a named pipe: refused at once, never read", f -> {
                Path fifo = f.in.resolve("fifo.npy");
                Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
                assertEquals(0, mkfifo.waitFor(), "mkfifo");
                return f.cmd("softmax", "--logits", fifo);
            }, "--logits", "named pipe"),
            bad("--logits is truncated", f -> f.cmd("softmax", "--logits", f.raw("short",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (40, 3), }")), "--logits", "truncated data"),
            bad("--logits holds more than its shape says (an edited header)", f -> f.cmd("softmax", "--logits",
                    f.raw("longer", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }")), "--logits",
                    "the header's shape (2, 2) of float32 needs 16 bytes of data, the file holds 24"),
            bad("--logits has a negative dimension", f -> f.cmd("softmax", "--logits", f.raw("negative",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }")), "--logits", "negative dimension -2"),
            bad("--logits has a repeated key in its header", f -> f.cmd("softmax", "--logits", f.raw("repeated",
                    "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }")),
                    "--logits", "repeated key 'descr'"),
            bad("--logits is float64", f -> f.cmd("softmax", "--logits", f.write("doubles",
                    NpyArray.ofDoubles(new double[6], 2, 3))), "--logits", "float32"),
            bad("--logits is float16: the message says what --logits takes", f -> f.cmd("softmax", "--logits",
                    f.raw("halves", "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", 12)), "--logits",
                    "expected float32, got float16"),
            bad("--labels is uint8: the message says what --labels takes", f -> f.cmd("cross-entropy", "--logits",
                    f.logits, "--labels", f.raw("bytes", "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", 2)),
                    "--labels", "expected int64 or int32 labels, got uint8"),
            bad("--logits is 1-D", f -> f.cmd("cross-entropy", "--logits", f.write("vector",
                    NpyArray.ofFloats(new float[6], 6)), "--labels", f.labels), "--logits", "2-D"),
            bad("--logits is empty", f -> f.cmd("cross-entropy", "--logits", f.write("empty",
                    NpyArray.ofFloats(new float[0], 0, 3)), "--labels", f.labels), "--logits", "empty"),
            bad("--labels of the wrong length", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.write("y3", NpyArray.ofInts(new int[] {0, 1, 2}, 3))), "--labels", "(N,) = (2,)"),
            bad("--labels of floats", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.write("yf", NpyArray.ofFloats(new float[] {0, 1}, 2))), "--labels", "int64 or int32"),
            bad("--labels too large for an int", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.write("ybig", NpyArray.ofLongs(new long[] {0, 1L << 40}, 2))), "--labels", "does not fit an int"),
            bad("--target-probs of the wrong shape", f -> f.cmd("cross-entropy", "--logits", f.logits,
                    "--target-probs", f.write("t", NpyArray.ofFloats(new float[3], 1, 3))), "--target-probs",
                    "the shape of --logits"),
            bad("--class-weights of the wrong length", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.labels, "--class-weights", f.write("cw", NpyArray.ofFloats(new float[2], 2))),
                    "--class-weights", "(C,) = (3,)"),
            bad("classifier: --w of the wrong rows", f -> f.cmd("classifier", "--x", f.x(), "--w", f.logits,
                    "--labels", f.labels), "--w", "D = 4"),
            bad("classifier: --b of the wrong length", f -> f.cmd("classifier", "--x", f.x(), "--w", f.w(), "--b",
                    f.write("b", NpyArray.ofFloats(new float[2], 2)), "--labels", f.labels), "--b", "(C,) = (3,)"),
            bad("binary-cross-entropy: --targets of the wrong shape", f -> f.cmd("binary-cross-entropy", "--logits",
                    f.logits, "--targets", f.write("t", NpyArray.ofFloats(new float[6], 3, 2))), "--targets",
                    "the shape of --logits"),
            bad("binary-cross-entropy: --pos-weight of the wrong length", f -> f.cmd("binary-cross-entropy",
                    "--logits", f.logits, "--targets", f.logits, "--pos-weight",
                    f.write("pw", NpyArray.ofFloats(new float[2], 2))), "--pos-weight", "(K,) = (3,)"),
            bad("binary-cross-entropy: logits [N] and a --pos-weight neither one value nor [N]", f -> {
                java.nio.file.Path z = f.write("z1", NpyArray.ofFloats(new float[] {0.5f, -1f, 2f}, 3));
                return f.cmd("binary-cross-entropy", "--logits", z, "--targets", f.write("t1", NpyArray.ofFloats(
                        new float[] {1, 0, 1}, 3)), "--pos-weight", f.write("pw2", NpyArray.ofFloats(new float[] {2, 3},
                        2)));
            }, "--pos-weight", "(N,) = (3,) or one value"),
            bad("softmax-backward: --grad-probs of the wrong shape", f -> f.cmd("softmax-backward", "--logits",
                    f.logits, "--grad-probs", f.write("g", NpyArray.ofFloats(new float[6], 6))), "--grad-probs",
                    "the shape of --logits"),
            bad("softmax-jacobian: logits too wide for a Jacobian", f -> f.cmd("softmax-jacobian", "--logits",
                    f.write("wide", NpyArray.ofFloats(new float[46_341], 1, 46_341))), "--logits", "wide", "Jacobian",
                    "softmax-backward computes it"));
    }

    /** Values the operations refuse, reported under the flag that passed them. */
    static List<Case> inputValueCases() {
        return List.of(
            bad("a label out of range", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.write("y9", NpyArray.ofLongs(new long[] {0, 9}, 2))), "--labels", "labels[1] = 9"),
            bad("a negative label that is not the ignore index", f -> f.cmd("cross-entropy", "--logits", f.logits,
                    "--labels", f.write("yneg", NpyArray.ofLongs(new long[] {-1, 0}, 2))), "--labels", "labels[0] = -1"),
            bad("NaN in --logits", f -> f.cmd("cross-entropy", "--logits", f.logitsWith(4, Float.NaN), "--labels",
                    f.labels), "--logits", "logits[1, 1] is NaN"),
            bad("+inf in --logits", f -> f.cmd("softmax", "--logits", f.logitsWith(2, Float.POSITIVE_INFINITY)),
                    "--logits", "logits[0, 2] is Infinity"),
            bad("NaN in --logits of the Jacobian", f -> f.cmd("softmax-jacobian", "--logits",
                    f.logitsWith(0, Float.NaN)), "--logits", "logits[0, 0] is NaN"),
            bad("NaN in --target-probs", f -> f.cmd("cross-entropy", "--logits", f.logits, "--target-probs",
                    f.write("tnan", NpyArray.ofFloats(new float[] {0, 0, Float.NaN, 1, 0, 0}, 2, 3))),
                    "--target-probs", "targetProbs[0, 2] is NaN"),
            bad("NaN in --class-weights", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels,
                    "--class-weights", f.write("cwnan", NpyArray.ofFloats(new float[] {1, Float.NaN, 1}, 3))),
                    "--class-weights", "classWeights[1] is NaN"),
            bad("classifier: NaN in --x", f -> f.cmd("classifier", "--x", f.write("xnan", NpyArray.ofFloats(
                    new float[] {0, 0, 0, 0, 0, 0, Float.NaN, 0}, 2, 4)), "--w", f.w(), "--labels", f.labels),
                    "--x", "x[1, 2] is NaN"),
            bad("classifier: +inf in --w", f -> {
                float[] w = new float[12];
                w[5] = Float.POSITIVE_INFINITY;
                return f.cmd("classifier", "--x", f.x(), "--w", f.write("winf", NpyArray.ofFloats(w, 4, 3)),
                        "--labels", f.labels);
            }, "--w", "w[1, 2] is Infinity"),
            bad("binary-cross-entropy: NaN in --targets", f -> f.cmd("binary-cross-entropy", "--logits", f.logits,
                    "--targets", f.write("btnan", NpyArray.ofFloats(new float[] {0, Float.NaN, 0, 0, 0, 0}, 2, 3))),
                    "--targets", "targets[0, 1] is NaN"),
            bad("binary-cross-entropy: -inf in --logits", f -> f.cmd("binary-cross-entropy", "--logits",
                    f.logitsWith(3, Float.NEGATIVE_INFINITY), "--targets", f.logits), "--logits",
                    "logits[1, 0] is -Infinity"),
            bad("binary-cross-entropy: +inf in --pos-weight", f -> f.cmd("binary-cross-entropy", "--logits",
                    f.logits, "--targets", f.logits, "--pos-weight",
                    f.write("pwinf", NpyArray.ofFloats(new float[] {1, 1, Float.POSITIVE_INFINITY}, 3))),
                    "--pos-weight", "posWeight[2] is Infinity"),
            bad("softmax-backward: a row of --logits all -inf, named as --logits (not probs)", f -> {
                float inf = Float.NEGATIVE_INFINITY;
                return f.cmd("softmax-backward", "--logits", f.write("masked", NpyArray.ofFloats(
                        new float[] {0, 1, 2, inf, inf, inf}, 2, 3)), "--grad-probs", f.logits);
            }, "--logits", "row 1 is all -inf"),
            bad("softmax-backward: NaN in --grad-probs", f -> f.cmd("softmax-backward", "--logits", f.logits,
                    "--grad-probs", f.logitsWith(1, Float.NaN)), "--grad-probs", "gradProbs[0, 1] is NaN"));
    }

    /** Flags and commands. */
    static List<Case> flagCases() {
        return List.of(
            bad("both --labels and --target-probs", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels",
                    f.labels, "--target-probs", f.logits), "--labels", "--target-probs"),
            bad("neither --labels nor --target-probs", f -> f.cmd("cross-entropy", "--logits", f.logits),
                    "--labels", "--target-probs"),
            bad("--ignore-index with --target-probs", f -> f.cmd("cross-entropy", "--logits", f.logits,
                    "--target-probs", f.logits, "--ignore-index", "1"), "--ignore-index"),
            bad("--label-smoothing 2", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels,
                    "--label-smoothing", "2"), "--label-smoothing", "[0, 1]"),
            bad("--label-smoothing NaN", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels,
                    "--label-smoothing", "NaN"), "--label-smoothing"),
            bad("--label-smoothing that is not a number", f -> f.cmd("cross-entropy", "--logits", f.logits,
                    "--labels", f.labels, "--label-smoothing", "lots"), "--label-smoothing", "lots"),
            bad("--reduction avg", f -> f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels,
                    "--reduction", "avg"), "--reduction", "avg"),
            bad("classifier: --reg -1", f -> f.cmd("classifier", "--x", f.x(), "--w", f.w(), "--labels", f.labels,
                    "--reg", "-1"), "--reg", "-1"),
            bad("classifier: --reduction none", f -> f.cmd("classifier", "--x", f.x(), "--w", f.w(), "--labels",
                    f.labels, "--reduction", "none"), "--reduction", "none"),
            bad("a required flag left out", f -> f.cmd("softmax"), "--logits"),
            bad("an unknown flag", f -> f.cmd("softmax", "--logits", f.logits, "--bogus"), "--bogus"),
            bad("--device tpu", f -> new String[] {"softmax", "--logits", f.logits.toString(), "--device", "tpu"},
                    "--device", "tpu"),
            bad("an unknown command", f -> f.command(List.of("frobnicate"), false), "frobnicate"),
            bad("no command", f -> new String[0], "a command is required"));
    }

    /** Where the outputs go: all or nothing, never through a link, never over an input. */
    static List<Case> outputCases() {
        return List.of(
            bad("--out is an empty path", f -> f.command(List.of("softmax", "--logits", f.logits.toString(),
                    "--out", ""), false), "--out", "empty path"),
            bad("--out under a file", f -> f.command(List.of("softmax", "--logits", f.logits.toString(),
                    "--out", f.logits.resolve("sub").toString()), false), "--out", "logits.npy", "not a folder"),
            bad("a symbolic link at an output name", f -> {
                Path victim = Files.createDirectories(f.root.resolve("elsewhere")).resolve("victim.npy");
                Npy.write(victim, NpyArray.scalar(7f));
                Files.delete(f.out.resolve("probs.npy"));
                Files.createSymbolicLink(f.out.resolve("probs.npy"), victim);
                return f.cmd("softmax", "--logits", f.logits);
            }, "--out", "probs.npy", "symbolic link"),
            bad("an output would replace its input", f -> {
                Npy.write(f.out.resolve("probs.npy"), Npy.read(f.logits));
                return f.cmd("softmax", "--logits", f.out.resolve("probs.npy"));
            }, "--out", "probs.npy", "would replace the input --logits"),
            bad("an output would replace a hard link to an input", f -> {
                Files.delete(f.out.resolve("loss.npy"));
                Files.createLink(f.out.resolve("loss.npy"), f.labels);
                return f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels);
            }, "--out", "loss.npy", "would replace the input --labels"),
            bad("a folder at the last output's name: none of the others is written", f -> {
                Files.delete(f.out.resolve("probs.npy"));
                Files.createDirectory(f.out.resolve("probs.npy"));
                return f.cmd("cross-entropy", "--logits", f.logits, "--labels", f.labels);
            }, "--out", "probs.npy", "directory"),
            // Refused before any case runs (it had been found once the cases ran, the first ones printed).
            bad("check --out over the cases' own references", f -> {
                Path cases = f.root.resolve("cases");
                return f.command(List.of("check", f.copyOfGoldenCase("ce_basic", cases).toString(), "--out",
                        cases.toString()), false);
            }, "--out", "its own folder", "over its inputs and references"),
            bad("check --out: a later case's own folder is where its outputs would go", f -> {
                // The second case lies where --out would put its own outputs: nothing is run or written.
                Path first = f.copyOfGoldenCase("ce_sum", f.root.resolve("cases"));
                Path second = f.copyOfGoldenCase("ce_basic", f.fresh);
                return f.command(List.of("check", first.toString(), second.toString(), "--out", f.fresh.toString()),
                        false);
            }, "--out", "ce_basic", "its own folder"),
            bad("check --out where the same case of another copy of the set lies (its references would go)", f -> {
                f.copyOfGoldenCase("ce_basic", f.fresh);
                Path mine = f.copyOfGoldenCase("ce_basic", f.root.resolve("cases"));
                return f.command(List.of("check", mine.toString(), "--out", f.fresh.toString()), false);
            }, "--out", "is a case folder (it holds case.json)", "would replace its references"),
            bad("check --out into a case folder", f -> {
                Path mine = f.copyOfGoldenCase("ce_sum", f.root.resolve("cases"));
                Path other = f.copyOfGoldenCase("ce_basic", f.fresh);
                return f.command(List.of("check", mine.toString(), "--out", other.toString()), false);
            }, "--out", "is a case folder"),
            bad("check --out with two cases of one name", f -> {
                Path a = f.copyOfGoldenCase("ce_basic", f.root.resolve("cases"));
                Path b = f.copyOfGoldenCase("ce_basic", f.root.resolve("more"));
                return f.command(List.of("check", a.toString(), b.toString(), "--out", f.fresh.toString()), false);
            }, "--out", "ce_basic", "would both write"));
    }

    private void check(String device, Case c) throws Exception {
        Assumptions.assumeTrue(device.equals("cpu") || GPU_MISSING == null, "no GPU: " + GPU_MISSING);
        Fixture f = new Fixture(Files.createDirectories(tmp.resolve(device + "-" + folders.incrementAndGet())),
                device);
        String[] args = c.setup().args(f);
        String line = String.join(" ", args);
        Map<String, String> before = snapshot(f.root);
        // Preemptively: a command that blocks (on a pipe, say) fails the case instead of hanging the build.
        CommandLineTest.Run r = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> CommandLineTest.run(args), line);
        assertEquals(c.status(), r.status(), line + " -> " + r.out() + r.err());
        String said = c.status() == Main.EXIT_BAD_INPUT ? r.err().strip() : r.out();
        if (c.status() == Main.EXIT_BAD_INPUT) {
            assertFalse(said.contains("\n"), "one line on standard error: " + said);
        }
        if (c.beforeAnyWork()) {
            assertEquals("", r.out(), "refused before any work: " + said);
        }
        assertFalse(said.contains("\tat ") || said.contains("Exception") || said.contains("java."),
                "no stack trace, no Java class: " + said);
        for (String name : c.mustName()) {
            assertTrue(said.contains(name), "'" + said + "' should name " + name);
        }
        assertEquals(before, snapshot(f.root), line + ": no file may appear, change or vanish");
        f.assertTheDeviceStillComputes();
    }

    /** Every path under {@code root}, without following links, with its type and content. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what = a.isSymbolicLink() ? "link to " + Files.readSymbolicLink(p)
                        : a.isDirectory() ? "folder"
                        : a.isRegularFile() ? "file " + Arrays.hashCode(Files.readAllBytes(p)) + " of " + a.size()
                        : "other";
                files.put(root.relativize(p).toString(), what);
            }
        }
        return files;
    }

    /**
     * A folder of good inputs (in/), the outputs of an earlier run of every command (out/), and a
     * name for a folder that does not exist yet (fresh/).
     */
    static final class Fixture {
        final Path root;
        final String device;
        final Path in;
        final Path out;
        final Path fresh;
        final Path logits;
        final Path labels;

        Fixture(Path root, String device) throws IOException {
            this.root = root;
            this.device = device;
            this.in = Files.createDirectories(root.resolve("in"));
            this.out = Files.createDirectories(root.resolve("out"));
            this.fresh = root.resolve("fresh");
            this.logits = write("logits", NpyArray.ofFloats(new float[] {0f, (float) Math.log(3), 1f, 2f, -1f, 0.5f},
                    2, 3));
            this.labels = write("labels", NpyArray.ofLongs(new long[] {1, 2}, 2));
            for (String name : new String[] {"probs", "log_probs", "loss", "grad_logits", "grad_w", "grad_b", "grad_x",
                "jacobian"}) {
                Npy.write(out.resolve(name + ".npy"), NpyArray.scalar(42f));
            }
        }

        /** in/NAME.npy: the fixture's logits with entry {@code index} replaced. */
        Path logitsWith(int index, float value) throws IOException {
            float[] z = Npy.read(logits).floats().clone();
            z[index] = value;
            return write("logits_" + index, NpyArray.ofFloats(z, 2, 3));
        }

        /** Inputs x [2, 4] of the classifier. */
        Path x() throws IOException {
            return write("x", NpyArray.ofFloats(new float[] {1, 2, 3, 4, -1, 0, 1, 0.5f}, 2, 4));
        }

        /** Weights w [4, 3] of the classifier. */
        Path w() throws IOException {
            return write("w", NpyArray.ofFloats(new float[12], 4, 3));
        }

        /** in/NAME.npy: a .npy file with this header dict and 24 bytes of data. */
        Path raw(String name, String dict) throws IOException {
            return raw(name, dict, 24);
        }

        /** An input file in/NAME.npy of this header and {@code dataBytes} bytes of zeros after it. */
        Path raw(String name, String dict, int dataBytes) throws IOException {
            Path p = in.resolve(name + ".npy");
            byte[] file = CommandLineTest.npyWithHeader(dict);
            Files.write(p, Arrays.copyOf(file, file.length - 64 + dataBytes));
            return p;
        }

        /** Writes an input file in/NAME.npy. */
        Path write(String name, NpyArray array) throws IOException {
            Path p = in.resolve(name + ".npy");
            Npy.write(p, array);
            return p;
        }

        /** check on a copy of the golden case {@code name} whose case.json {@code edit} rewrote: its command line. */
        String[] checkEdited(String name, java.util.function.UnaryOperator<String> edit) throws IOException {
            Path c = copyOfGoldenCase(name, fresh);
            Files.writeString(c.resolve("case.json"), edit.apply(Files.readString(c.resolve("case.json"))));
            return command(List.of("check", c.toString()), false);
        }

        /** A command line with --device and --out out/. */
        String[] cmd(Object... args) {
            return command(Arrays.stream(args).map(Object::toString).toList(), true);
        }

        /** A command line with --device, and with --out out/ when asked. */
        String[] command(List<String> args, boolean withOut) {
            List<String> all = new ArrayList<>(args);
            all.addAll(List.of("--device", device));
            if (withOut) {
                all.addAll(List.of("--out", out.toString()));
            }
            return all.toArray(String[]::new);
        }

        /** A copy of the golden case NAME in the folder {@code into}. */
        Path copyOfGoldenCase(String name, Path into) throws IOException {
            Path source = GoldenCasesContract.golden().resolve(name);
            Path copy = Files.createDirectories(into.resolve(name));
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : files.toList()) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
            return copy;
        }

        /** After the refusal, the same device computes a softmax right, in a folder of its own. */
        void assertTheDeviceStillComputes() throws IOException {
            Path z = root.resolve("after/z.npy");
            Files.createDirectories(z.getParent());
            Npy.write(z, NpyArray.ofFloats(new float[] {0f, (float) Math.log(3)}, 1, 2));
            CommandLineTest.Run r = CommandLineTest.run("softmax", "--logits", z.toString(), "--device", device,
                    "--out", z.getParent().toString());
            assertEquals(0, r.status(), r.err());
            float[] p = Npy.read(z.resolveSibling("probs.npy")).floats();
            assertEquals(0.25f, p[0], 1e-6f);
            assertEquals(0.75f, p[1], 1e-6f);
        }
    }
}
