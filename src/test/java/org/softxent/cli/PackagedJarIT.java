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
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runnable jar, run as a user runs it: {@code java -jar target/softxent.jar ...}. */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("softxent.jar", "target/softxent.jar"));

    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    private Run java(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
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

    @Test
    void checksTheGoldenCases() throws Exception {
        Run r = java("check", GoldenCasesContract.golden().toString(), "--device", "cpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("28 cases: 28 passed, 0 failed"), r.out());
    }

    /** The README's main job. */
    @Test
    void runsTheQuickBenchmarkAndSaysWhereItRan() throws Exception {
        Run r = java("bench", "--quick");
        assertEquals(0, r.status(), r.out() + r.err());
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

    @Test
    void reportsItsVersion() throws Exception {
        Run r = java("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().matches("softxent \\d+\\.\\d+\\.\\d+.*\\s*"), r.out());
    }
}
