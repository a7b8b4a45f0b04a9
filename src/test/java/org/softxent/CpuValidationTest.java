package org.softxent;

/** The validation contract on the CPU reference backend. */
class CpuValidationTest extends ValidationContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
