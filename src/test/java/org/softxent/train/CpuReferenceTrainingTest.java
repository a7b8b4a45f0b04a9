package org.softxent.train;

import org.softxent.Softxent;

/** Training on the exact CPU reference: the reference's own model, bit for bit from a seed. */
class CpuReferenceTrainingTest extends TrainingContractTest {
    @Override
    protected Softxent open() {
        return Softxent.openReference();
    }

    @Override
    protected double modelTolerance() {
        return 0;
    }
}
