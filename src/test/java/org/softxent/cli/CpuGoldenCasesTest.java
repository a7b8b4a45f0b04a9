package org.softxent.cli;

import org.softxent.Device;
import org.softxent.Softxent;

class CpuGoldenCasesTest extends GoldenCasesContract {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
