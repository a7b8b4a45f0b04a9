package org.softxent;

/** The engine contract on the CPU reference backend. */
class CpuEngineTest extends EngineContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
