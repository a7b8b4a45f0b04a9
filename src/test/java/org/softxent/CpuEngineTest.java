package org.softxent;

/** The engine contract on the CPU engine (its classifiers' products by its own kernels for few classes, by OpenBLAS beyond, where they load). */
class CpuEngineTest extends EngineContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }
}
