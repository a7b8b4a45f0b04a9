package org.softxent;

/** The validation contract on the CPU engine. */
class CpuValidationTest extends ValidationContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
