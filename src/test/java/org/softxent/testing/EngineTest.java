package org.softxent.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.softxent.Softxent;

/**
 * A test class run against one engine, opened once for the class: the contract tests extend it
 * and each subclass says which engine (CPU, or GPU behind {@link GpuTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class EngineTest {
    protected Softxent sx;

    /** Opens the engine under test. */
    protected abstract Softxent open();

    @BeforeAll
    protected void openEngine() {
        sx = open();
    }

    @AfterAll
    protected void closeEngine() {
        if (sx != null) {
            sx.close();
        }
    }
}
