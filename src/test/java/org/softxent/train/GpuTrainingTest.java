package org.softxent.train;

import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.GpuTest;

/**
 * Training on the GPU engine, device-resident (the simulated device in the normal test run): the
 * same accuracy, and probabilities within 1e-3 of the CPU reference's model from the same seed (the
 * engines' float sums differ in their order, and an optimizer carries the difference along).
 */
@GpuTest
class GpuTrainingTest extends TrainingContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.GPU);
    }

    @Override
    protected double modelTolerance() {
        return 1e-3;
    }
}
