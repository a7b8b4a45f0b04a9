package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.softxent.testing.EngineTest;

/**
 * Every golden case (PyTorch's float64 answers) on an engine, one test per case, within the golden
 * README's tolerances.
 */
abstract class GoldenCasesContract extends EngineTest {
    /** The golden folder, read in place from the source tree. */
    static Path golden() {
        return Path.of(System.getProperty("softxent.golden", "src/test/resources/golden"));
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCasePasses() throws IOException {
        return Conformance.caseFolders(golden()).stream().map(dir -> DynamicTest.dynamicTest(
                dir.getFileName().toString(), () -> {
                    Conformance.CaseResult r = Conformance.run(sx, dir);
                    assertNull(r.failure(), r.failure());
                    assertTrue(!r.comparisons().isEmpty(), "the case compares something");
                    for (Conformance.Comparison c : r.comparisons()) {
                        assertTrue(c.passed(), r.name() + "/" + c.output() + ": error " + c.error()
                                + (c.problem() == null ? "" : ", " + c.problem()));
                    }
                }));
    }
}
