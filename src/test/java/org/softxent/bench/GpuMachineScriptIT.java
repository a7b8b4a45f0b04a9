package org.softxent.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU machine's scripts, rehearsed here as they will run there, so that a typo, a class missing
 * from the jar, a module missing from the bundled runtime or a path that exists only in this
 * checkout fails in CI and not in the GPU machine's 15 minutes: {@code bench/gpu/preflight.sh}
 * bundles, measures what would travel, copies exactly that into a fresh folder and runs both
 * commands of {@code bench/run-on-gpu.sh} there, on the simulated device.
 */
class GpuMachineScriptIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path REHEARSAL = ROOT.resolve("target/rehearsal");
    private static final Pattern VERDICT = Pattern.compile(
            "^\\[(first-light|deeper)] ([a-z-]+): (PASS|FAIL|TIMEOUT|SKIP) (.*) \\((\\d+) s of (\\d+) s\\) \\[simulated]$",
            Pattern.MULTILINE);

    @TempDir
    static Path tmp;

    static Run preflight;

    record Run(int status, String out) {
    }

    static Run run(Map<String, String> env, Path dir, String... command) throws Exception {
        Path log = Files.createTempFile(tmp, "run", ".txt");
        ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("SOFTXENT_SIMULATED_DEVICE",
                System.getProperty("softxent.simulatedDevice", ROOT.resolve("target/simulated-device").toString()));
        b.environment().remove("JAVA_TOOL_OPTIONS");
        b.environment().putAll(env);
        Process p = b.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("still running after 10 minutes: " + String.join(" ", command) + "\n"
                    + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void rehearse() throws Exception {
        preflight = run(Map.of(), ROOT, "bash", "bench/gpu/preflight.sh", "--no-build", "--stage",
                tmp.resolve("travels").toString());
    }

    @Test
    void thePreflightPassesAndSaysWhatToCarry() {
        assertEquals(0, preflight.status(), preflight.out());
        assertTrue(preflight.out().contains("carry: [\".gpu\", \"target/softxent.jar\", \"target/test-classes\"]"),
                preflight.out());
        Matcher size = Pattern.compile("= (\\d+) bytes \\(([0-9.]+) MiB; limit 60 MiB\\)").matcher(preflight.out());
        assertTrue(size.find(), preflight.out());
        assertTrue(Long.parseLong(size.group(1)) <= 60L << 20, size.group());
    }

    /** Every stage of both commands gave its verdict, in order; only PyTorch may be missing here. */
    @Test
    void everyStageOfBothCommandsPassesOnTheSimulatedDevice() throws IOException {
        Map<String, List<String>> stages = Map.of(
                "first-light", List.of("machine", "check", "startup", "gpu-tests", "torch", "bench"),
                "deeper", List.of("memcheck", "racecheck", "synccheck", "probes"));
        for (Map.Entry<String, List<String>> command : stages.entrySet()) {
            Path out = REHEARSAL.resolve(command.getKey());
            String recorded = Files.readString(out.resolve("stages.txt"));
            Matcher m = VERDICT.matcher(recorded);
            List<String> seen = new ArrayList<>();
            while (m.find()) {
                seen.add(m.group(2));
                boolean skipAllowed = m.group(2).equals("torch") && m.group(4).startsWith("no PyTorch here");
                assertTrue(m.group(3).equals("PASS") || skipAllowed && m.group(3).equals("SKIP"), m.group());
                assertTrue(Integer.parseInt(m.group(5)) <= Integer.parseInt(m.group(6)), m.group());
            }
            assertEquals(command.getValue(), seen, recorded);
            assertTrue(recorded.contains("every stage passed"), recorded);
            try (Stream<Path> files = Files.list(out)) {
                long count = files.filter(f -> !f.getFileName().toString().endsWith("-sweep.png")).count();
                assertTrue(count <= 8, count + " files: the device tool brings back 8");
            }
        }
        Path first = REHEARSAL.resolve("first-light");
        assertTrue(Files.readString(first.resolve("check-gpu.txt")).contains("0 failed"));
        assertTrue(Files.readString(first.resolve("gpu-tests.txt")).contains("tests successful"));
        assertTrue(Files.size(first.resolve("softxent.json")) > 0);
        String startup = Files.readString(first.resolve("startup.txt"));
        assertTrue(startup.contains("-- cold") && startup.contains("-- warm")
                && startup.contains("simulated device: no figure here is a GPU figure"), startup);
        String probes = Files.readString(REHEARSAL.resolve("deeper/probes.txt"));
        for (String trial : new String[] {"tf32", "out-of-memory", "chunked"}) {
            assertTrue(probes.contains("verdict: PASS " + trial + " [simulated device]"), probes);
        }
        assertTrue(probes.contains("more than the device: refused"), probes);
        assertTrue(probes.contains("2 chunks or more") || probes.matches("(?s).*\\d+ chunks or more.*"), probes);
    }

    /** A stage stopped at its limit is reported as such, its log kept, and the next stage still runs. */
    @Test
    void aStageAtItsLimitStopsAloneAndSaysSo() throws Exception {
        Path out = tmp.resolve("limited");
        Run r = run(Map.of("OUT", out.toString()), tmp.resolve("travels"), "bash", "bench/run-on-gpu.sh",
                "first-light", "--simulated", "--only", "gpu-tests,torch", "--limit", "gpu-tests=2");
        assertEquals(1, r.status(), r.out());
        String recorded = Files.readString(out.resolve("stages.txt"));
        assertTrue(recorded.contains("[first-light] gpu-tests: TIMEOUT stopped at its limit"), recorded);
        assertTrue(recorded.matches("(?s).*\\[first-light] torch: (PASS|SKIP).*"), recorded);
        assertTrue(recorded.contains("1 stage(s) failed or timed out"), recorded);
        assertTrue(Files.readString(out.resolve("gpu-tests.txt")).startsWith("== gpu-tests [simulated]"));
    }

    @Test
    void aMissingPieceIsOneLineBeforeAnyStage() throws Exception {
        Path bare = Files.createDirectories(tmp.resolve("bare/bench"));
        Files.copy(ROOT.resolve("bench/run-on-gpu.sh"), bare.resolve("run-on-gpu.sh"));
        Run r = run(Map.of("OUT", tmp.resolve("bare-out").toString()), bare.getParent(), "bash",
                "bench/run-on-gpu.sh", "first-light");
        assertEquals(2, r.status(), r.out());
        assertEquals("run-on-gpu: .gpu/run is missing: run bench/gpu/preflight.sh here and carry what it lists",
                r.out().strip());
        Run usage = run(Map.of(), bare.getParent(), "bash", "bench/run-on-gpu.sh", "first-ligth");
        assertEquals(2, usage.status(), usage.out());
        assertTrue(usage.out().contains("bench/run-on-gpu.sh first-light"), usage.out());
    }
}
