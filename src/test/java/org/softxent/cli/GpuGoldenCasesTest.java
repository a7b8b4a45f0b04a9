package org.softxent.cli;

import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.GpuTest;

@GpuTest
class GpuGoldenCasesTest extends GoldenCasesContract {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }
}
