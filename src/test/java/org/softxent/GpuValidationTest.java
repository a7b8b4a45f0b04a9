package org.softxent;

import org.softxent.testing.GpuTest;

/** The validation contract on the GPU; skipped where no GPU is usable. */
@GpuTest
class GpuValidationTest extends ValidationContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }
}
