package org.softxent.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;
import org.softxent.testing.GpuTest;

/** A task Spark gave a GPU computes on it (here the simulated device, ordinal 0, where there is no GPU). */
@GpuTest
class GpuEnginesTest {
    @Test
    void autoTakesTheAssignedGpu() {
        Softxent engine = Engines.forTask("auto", "exact", 0);
        assertEquals(Device.GPU, engine.device());
        assertSame(engine, Engines.forTask("gpu", "float", 0), "one engine per executor and device");
        assertThrows(DeviceUnavailableException.class, () -> Engines.forTask("auto", "exact", 7));
    }
}
