package org.softxent.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.softxent.Softxent;
import org.softxent.cli.Conformance.CaseResult;
import org.softxent.cli.Conformance.Comparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check",
        description = "Runs conformance cases (folders with case.json and .npy files, as in the golden set) and "
                + "prints, per case and output, the relative error and PASS or FAIL. Exit status 1 if any fails.")
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DeviceOption device;

    @Parameters(arity = "1..*", paramLabel = "DIR",
            description = "a case folder, or a folder of case folders (in the order of its index.json if it has one).")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR",
            description = "also write each case's computed outputs to DIR/<case>/ (created if missing), all or "
                    + "nothing.")
    Path out;

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Integer call() throws IOException {
        List<Path> cases = new ArrayList<>();
        for (Path dir : dirs) {
            cases.addAll(Conformance.caseFolders(dir));
        }
        OutputFiles files = new OutputFiles("--out");
        if (out != null) {
            files.checkFolder(out);
            Map<String, Path> named = new HashMap<>();
            for (Path dir : cases) {
                Path other = named.put(dir.getFileName().toString(), dir);
                if (other != null) {
                    throw new InputException("--out: the cases " + other + " and " + dir + " would both write to "
                            + out.resolve(dir.getFileName().toString()));
                }
                // Before any case runs (it had been found only after the first cases ran): outputs
                // written into a case folder, the case's own or the same case's in another copy of the
                // golden set (or one a link leads to), would go over its inputs and references.
                Path target = out.resolve(dir.getFileName().toString());
                if (Files.exists(target.resolve("case.json"))) {
                    throw new InputException("--out (" + out + "): " + target + " is a case folder (it holds case.json)"
                            + (sameFile(target, dir) ? ", its own folder for case " + dir.getFileName() + ": its "
                            + "outputs would go over its inputs and references"
                            : ": case " + dir.getFileName() + "'s outputs would replace its references")
                            + "; give --out a folder of its own");
                }
            }
            if (Files.exists(out.resolve("case.json"))) {
                throw new InputException("--out (" + out + ") is a case folder (it holds case.json): give --out a "
                        + "folder of its own");
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        int failedCases = 0;
        int outputs = 0;
        int failedOutputs = 0;
        String note;
        try (Softxent sx = device.open(); files) {
            note = DeviceOption.fallbackNote(sx);
            stdout.println("device: " + sx.description());
            for (Path dir : cases) {
                CaseResult result = Conformance.run(sx, dir);
                if (result.failure() != null) {
                    stdout.printf(Locale.ROOT, "%-30s %-12s %-16s FAIL  %s%n", result.name(), "-", "-", result.failure());
                }
                for (Comparison c : result.comparisons()) {
                    outputs++;
                    failedOutputs += c.passed() ? 0 : 1;
                    String error = Double.isNaN(c.error()) ? "-"
                            : String.format(Locale.ROOT, "%s %.2e", c.relative() ? "rel" : "abs", c.error());
                    stdout.printf(Locale.ROOT, "%-30s %-12s %-16s %s%s%n", result.name(), c.output(), error,
                            c.passed() ? "PASS" : "FAIL", c.problem() == null ? "" : "  " + c.problem());
                }
                failedCases += result.passed() ? 0 : 1;
                if (out != null && !result.outputs().isEmpty()) {
                    result.files().forEach(files::protect);
                    files.stage(out.resolve(result.name()), result.outputs());
                }
            }
            files.commit();
        }
        stdout.printf(Locale.ROOT, "%d cases: %d passed, %d failed (%d outputs compared, %d failed)%n",
                cases.size(), cases.size() - failedCases, failedCases, outputs, failedOutputs);
        // After the work, so that an error is the only line a failing command prints.
        if (note != null) {
            spec.commandLine().getErr().println(note);
        }
        return failedCases == 0 ? 0 : Main.EXIT_FAILED_CHECK;
    }
}
