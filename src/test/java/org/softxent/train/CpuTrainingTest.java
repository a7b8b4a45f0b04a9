package org.softxent.train;

import org.softxent.Device;
import org.softxent.Softxent;

/**
 * Training on the CPU engine (its products in float): bit for bit from a seed, and
 * within 1e-5 in every probability of the reference's model (the products' float sums differ from
 * the reference's double ones by a few ulps, which the optimizer carries along).
 */
class CpuTrainingTest extends TrainingContractTest {
    @Override
    protected Softxent open() {
        return Softxent.open(Device.CPU);
    }

    @Override
    protected double modelTolerance() {
        return 1e-5;
    }
}
