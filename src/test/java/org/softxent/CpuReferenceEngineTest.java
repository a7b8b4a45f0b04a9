package org.softxent;

/** The engine contract on the exact CPU reference, the engine the GPU is checked against. */
class CpuReferenceEngineTest extends EngineContractTest {
    @Override
    protected Softxent open() {
        return Softxent.openReference();
    }
}
