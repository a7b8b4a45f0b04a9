package org.softxent;

/** The engine contract on the CPU engine (its classifiers' products by OpenBLAS where it loads). */
class CpuEngineTest extends EngineContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
