package org.softxent.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.GpuTest;

/** The GPU half of the benchmark runs and measures something (speed goals live in the benchmark, not here). */
@GpuTest
class GpuWorkloadsTest {
    @Test
    void everyMeasurementRunsOnSmallShapes() {
        try (Softxent sx = Softxent.open(Device.GPU); GpuWorkloads g = new GpuWorkloads(sx)) {
            assertTrue(g.describe().get("device").length() > 0);
            assertTrue(g.copyBandwidth(3) > 0);
            assertTrue(g.pinnedBandwidth(true, 3) > 0);
            assertTrue(g.pinnedBandwidth(false, 3) > 0);
            assertTrue(g.gemms(256, 64, 100, false, 3).medianMs() > 0);
            assertTrue(g.gemms(256, 64, 100, true, 3).medianMs() > 0);
            assertTrue(g.crossEntropy(1024, 1000, 3).medianMs() > 0);
            assertTrue(g.softmaxBackward(1024, 1000, 3).medianMs() > 0);
            GpuWorkloads.ClassifierRun run = g.classifier(256, 64, 100, false, 3);
            assertTrue(run.stats().medianMs() > 0 && run.peakBytes() >= run.inputsAndOutputs());
        }
    }
}
