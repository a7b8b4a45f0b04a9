package org.softxent;

import org.softxent.testing.GpuTest;

/** The engine contract on the GPU; skipped where no GPU is usable. */
@GpuTest
class GpuEngineTest extends EngineContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }
}
