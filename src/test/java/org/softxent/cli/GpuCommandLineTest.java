package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.GpuTest;

/** check and every per-operation command with --device gpu. */
@GpuTest
class GpuCommandLineTest {
    @TempDir
    Path tmp;

    @Test
    void checkPassesEveryGoldenCaseOnTheGpu() {
        CommandLineTest.Run r = CommandLineTest.run("check", GoldenCasesContract.golden().toString(), "--device", "gpu");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("device: GPU "), r.out());
        assertTrue(r.out().contains("28 cases: 28 passed, 0 failed"), r.out());
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseRunsAsACommandLineOnTheGpu() throws IOException {
        return CommandLineTest.goldenCommandLines(tmp, "gpu");
    }
}
