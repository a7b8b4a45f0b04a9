package org.softxent.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.softxent.BinaryCrossEntropyOptions;
import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.Reduction;
import org.softxent.Softxent;
import org.softxent.io.Npy;
import org.softxent.io.NpyArray;

/**
 * Runs conformance cases in the golden format (a folder with {@code case.json} and {@code .npy}
 * files; see the golden README) and compares every output with the reference.
 *
 * <p>Tolerances, from the golden README: the relative error ‖out − ref‖₂ / ‖ref‖₂ of each output
 * array is at most 1e-5 for the logits operations and 1e-4 for the classifier; a scalar may instead
 * be within 1e-6 absolutely (near zero); an all-zero reference needs an output within 1e-6 of
 * zero. Where the reference holds NaN or ±inf the output must hold the same value.
 */
final class Conformance {
    static final double LOGITS_TOLERANCE = 1e-5;
    static final double CLASSIFIER_TOLERANCE = 1e-4;
    static final double ABSOLUTE_FLOOR = 1e-6;

    /** The comparison of one output with its reference. */
    record Comparison(String output, double error, boolean relative, boolean passed, String problem) {
    }

    /**
     * One case: its comparisons, or the reason it could not run; what it computed, and the files it
     * read (its inputs and references, with a description of each).
     */
    record CaseResult(String name, List<Comparison> comparisons, String failure, Map<String, NpyArray> outputs,
                      Map<Path, String> files) {
        boolean passed() {
            return failure == null && comparisons.stream().allMatch(Comparison::passed);
        }
    }

    private Conformance() {
    }

    /**
     * The case folders under {@code dir}: the folder itself when it holds a case.json, else the
     * folders its index.json lists, else its sub-folders (but hidden ones), sorted by name: one
     * without a case.json is run, and fails saying so, rather than left out without a word.
     *
     * @throws InputException when {@code dir} is none of these
     */
    static List<Path> caseFolders(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("case.json"))) {
            return List.of(dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new InputException(dir + (Files.exists(dir) ? ": not a folder (check takes case folders, or folders "
                    + "of them)" : ": no such folder"));
        }
        Path index = dir.resolve("index.json");
        List<Path> cases = new ArrayList<>();
        if (Files.exists(index)) {
            try {
                String what = index.toString();
                for (JsonElement e : JsonFiles.array(JsonFiles.read(index, what, true), what)) {
                    cases.add(dir.resolve(JsonFiles.string(e, what + ": each entry (a case folder)")));
                }
            } catch (JsonFiles.FormatException e) {
                throw new InputException(e.getMessage());
            }
        } else {
            try (Stream<Path> children = Files.list(dir)) {
                children.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))
                        .sorted().forEach(cases::add);
            }
            if (cases.stream().noneMatch(p -> Files.isRegularFile(p.resolve("case.json")))) {
                cases.clear(); // no case at all: not a folder of cases
            }
        }
        if (cases.isEmpty()) {
            throw new InputException(dir + ": neither a case folder (case.json) nor a folder of cases");
        }
        return cases;
    }

    /** Runs one case folder on {@code sx}; any error becomes the case's failure, never an exception. */
    static CaseResult run(Softxent sx, Path caseDir) {
        String name = caseDir.getFileName().toString();
        Map<Path, String> files = new LinkedHashMap<>();
        try {
            if (!Files.isDirectory(caseDir)) {
                throw new InputException("no such case folder: " + caseDir);
            }
            if (!Files.exists(caseDir.resolve("case.json"))) {
                throw new InputException(caseDir + " has no case.json: a case folder holds one");
            }
            JsonObject spec = JsonFiles.object(JsonFiles.read(caseDir.resolve("case.json"), "case.json", true), "case.json");
            String op = JsonFiles.string(JsonFiles.member(spec, "op", "case.json"), "case.json: op");
            JsonObject options = spec.has("options")
                    ? JsonFiles.object(spec.get("options"), "case.json: options") : new JsonObject();
            Inputs in = Inputs.forCase();
            for (Map.Entry<String, JsonElement> input : JsonFiles.object(JsonFiles.member(spec, "inputs", "case.json"),
                    "case.json: inputs").entrySet()) {
                in.read(input.getKey(), caseDir.resolve(JsonFiles.string(input.getValue(),
                        "case.json: inputs." + input.getKey())));
            }
            in.files().forEach((file, input) -> files.put(file, "the input " + input + " of case " + name));
            Map<String, NpyArray> outputs = in.naming(() -> compute(sx, op, in, options));
            if (!in.unread().isEmpty()) {
                throw new InputException("case.json: inputs." + String.join(", inputs.", in.unread()) + ": "
                        + (in.unread().size() == 1 ? "not an input" : "not inputs") + " of " + op
                        + " (misspelt, or another op's?): a case gives only what its op reads");
            }
            double tolerance = op.equals("classifier") ? CLASSIFIER_TOLERANCE : LOGITS_TOLERANCE;
            List<Comparison> comparisons = new ArrayList<>();
            for (Map.Entry<String, JsonElement> expected : JsonFiles.object(JsonFiles.member(spec, "outputs",
                    "case.json"), "case.json: outputs").entrySet()) {
                String output = expected.getKey();
                Path referenceFile = caseDir.resolve(JsonFiles.string(expected.getValue(),
                        "case.json: outputs." + output));
                files.put(referenceFile, "the reference " + output + " of case " + name);
                NpyArray reference = Npy.read(referenceFile);
                NpyArray actual = outputs.get(output);
                comparisons.add(actual == null
                        ? new Comparison(output, Double.NaN, false, false, "not an output of " + op)
                        : compare(output, reference, actual, tolerance));
            }
            if (comparisons.isEmpty()) {
                throw new InputException("case.json: outputs names none: a case compares at least one output");
            }
            return new CaseResult(name, comparisons, null, outputs, files);
        } catch (IOException | RuntimeException e) {
            return new CaseResult(name, List.of(), Main.describe(e), Map.of(), files);
        }
    }

    /** Compares an output with its reference under the rules in the class comment. */
    static Comparison compare(String output, NpyArray reference, NpyArray actual, double tolerance) {
        if (!Arrays.equals(reference.shape(), actual.shape())) {
            return new Comparison(output, Double.NaN, false, false, "shape " + actual.shapeString()
                    + ", expected " + reference.shapeString());
        }
        double[] ref = reference.toDoubles();
        double[] out = actual.toDoubles();
        double diff2 = 0.0;
        double ref2 = 0.0;
        for (int i = 0; i < ref.length; i++) {
            if (!Double.isFinite(ref[i]) || !Double.isFinite(out[i])) {
                if (Double.compare(ref[i], out[i]) != 0) {
                    return new Comparison(output, Double.NaN, false, false,
                            "element " + i + " is " + out[i] + ", expected " + ref[i]);
                }
                continue;
            }
            double d = out[i] - ref[i];
            diff2 += d * d;
            ref2 += ref[i] * ref[i];
        }
        double error = Math.sqrt(diff2);
        double norm = Math.sqrt(ref2);
        boolean scalar = ref.length == 1;
        boolean passed = error <= tolerance * norm || ((scalar || norm == 0.0) && error <= ABSOLUTE_FLOOR);
        boolean relative = norm > 0.0;
        return new Comparison(output, relative ? error / norm : error, relative, passed, null);
    }

    private static final Set<String> CROSS_ENTROPY_OPTIONS = Set.of("reduction", "label_smoothing", "ignore_index");

    private static Map<String, NpyArray> compute(Softxent sx, String op, Inputs in, JsonObject options)
            throws IOException {
        switch (op) {
            case "cross_entropy":
                allowOnly(options, CROSS_ENTROPY_OPTIONS);
                return Operations.crossEntropy(sx, in, crossEntropyOptions(options));
            case "classifier": {
                allowOnly(options, Set.of("reg", "reg_convention", "reduction", "label_smoothing", "ignore_index"));
                if (options.has("reg_convention")) {
                    String convention = JsonFiles.string(options.get("reg_convention"),
                            "case.json: options.reg_convention");
                    if (!convention.equals("loss += reg * sum(W*W)")) {
                        throw new IllegalArgumentException("unsupported reg_convention '" + convention + "'");
                    }
                }
                ClassifierOptions c = ClassifierOptions.defaults()
                        .withReg(options.has("reg") ? JsonFiles.number(options.get("reg"), "case.json: options.reg")
                                : 0.0)
                        .withCrossEntropy(crossEntropyOptions(options));
                return Operations.classifier(sx, in, c);
            }
            case "softmax_backward":
                allowOnly(options, Set.of());
                return Operations.softmaxBackward(sx, in);
            case "softmax_jacobian":
                allowOnly(options, Set.of());
                return Operations.softmaxJacobian(sx, in);
            case "softmax":
            case "log_softmax":
                allowOnly(options, Set.of());
                return Operations.softmax(sx, in, op.equals("log_softmax"));
            case "binary_cross_entropy":
                allowOnly(options, Set.of("reduction"));
                return Operations.binaryCrossEntropy(sx, in, BinaryCrossEntropyOptions.defaults()
                        .withReduction(reduction(options)));
            default:
                throw new IllegalArgumentException("unknown op '" + op + "'");
        }
    }

    private static CrossEntropyOptions crossEntropyOptions(JsonObject options) throws IOException {
        CrossEntropyOptions o = CrossEntropyOptions.defaults().withReduction(reduction(options));
        if (options.has("label_smoothing")) {
            o = o.withLabelSmoothing(JsonFiles.number(options.get("label_smoothing"),
                    "case.json: options.label_smoothing"));
        }
        if (options.has("ignore_index")) {
            o = o.withIgnoreIndex(JsonFiles.integer(options.get("ignore_index"), "case.json: options.ignore_index"));
        }
        return o;
    }

    private static Reduction reduction(JsonObject options) throws IOException {
        return options.has("reduction")
                ? Reduction.parse(JsonFiles.string(options.get("reduction"), "case.json: options.reduction"))
                : Reduction.MEAN;
    }

    /** An option this runner does not know would change the semantics silently: refuse it. */
    private static void allowOnly(JsonObject options, Set<String> known) {
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unsupported option '" + key + "'");
            }
        }
    }
}
