package org.softxent.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.softxent.Device;
import org.softxent.DeviceUnavailableException;
import org.softxent.Softxent;

/**
 * Marks a test class that needs a usable GPU: tagged {@code gpu}, and disabled (reported as
 * skipped, with the reason) where {@code Softxent.open(Device.GPU)} fails, as on CI.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(GpuTest.Condition.class)
public @interface GpuTest {

    /** Opens the GPU once per test JVM to learn whether it is usable. */
    final class Condition implements ExecutionCondition {
        private static final String WHY_NOT = probe();

        private static String probe() {
            try (Softxent sx = Softxent.open(Device.GPU)) {
                return null;
            } catch (DeviceUnavailableException e) {
                return e.getMessage();
            }
        }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return WHY_NOT == null
                    ? ConditionEvaluationResult.enabled("a GPU is usable")
                    : ConditionEvaluationResult.disabled("no usable GPU: " + WHY_NOT);
        }
    }
}
