package org.softxent.train;

import org.softxent.Device;
import org.softxent.Softxent;

/** Training on the CPU engine: the reference, bit for bit from a seed. */
class CpuTrainingTest extends TrainingContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }

    @Override
    protected double modelTolerance() {
        return 0;
    }
}
