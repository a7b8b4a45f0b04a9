package org.softxent.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs around every test class (registered for the whole run through
 * META-INF/services/org.junit.jupiter.api.extension.Extension): where the simulated CUDA device is
 * in use, a test fails when the device refused a call or found a fault that the test did not
 * expect (and take with {@link SimulatedDevice#takeErrors()}), and a test class fails when, with
 * every engine closed, device or pinned memory is still held or the context's release reported a
 * leak, or an engine reported memory it left open ({@code CudaBackends.takeLeakReports()}, on any
 * device). A double free, a launch outside the device's limits or an allocation never freed is
 * then a failing test, wherever it happens.
 */
public final class SimulatedDeviceGuard implements AfterEachCallback, AfterAllCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        if (!SimulatedDevice.active()) {
            return;
        }
        String errors = unexpected(SimulatedDevice.takeErrors());
        if (!errors.isEmpty()) {
            fail("the simulated device refused calls or found faults during " + context.getDisplayName() + ":\n"
                    + errors);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        java.util.List<String> engineLeaks = org.softxent.cuda.CudaBackends.takeLeakReports();
        if (!engineLeaks.isEmpty()) {
            fail("after " + context.getDisplayName() + ", GPU engines reported leaks: " + engineLeaks);
        }
        if (!SimulatedDevice.active()) {
            return;
        }
        String errors = unexpected(SimulatedDevice.takeErrors());
        String leaks = SimulatedDevice.takeLeaks();
        if (!errors.isEmpty() || !leaks.isEmpty()) {
            fail("after " + context.getDisplayName() + ", the simulated device reports:\n" + errors + leaks);
        }
        if (SimulatedDevice.contextReferences() == 0) {
            assertEquals(0, SimulatedDevice.deviceBytesInUse(), "device memory held with every engine closed");
            assertEquals(0, SimulatedDevice.pinnedBytesInUse(), "pinned memory held with every engine closed");
        }
    }

    /** The lines of a report that are not notes of faults a test injected on purpose. */
    static String unexpected(String report) {
        return report.lines().filter(l -> !l.startsWith("note:")).collect(Collectors.joining("\n"));
    }
}
