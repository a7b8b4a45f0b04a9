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
import org.softxent.cuda.CudaBackends;

/**
 * Marks a test class that needs a GPU: tagged {@code gpu}, and disabled (reported as skipped, with
 * the reason) where the CUDA driver reports no device, as on CI. Where a device is present the
 * tests run, so an engine that fails to open there fails them instead of skipping them.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(GpuTest.Condition.class)
public @interface GpuTest {

    /** Asks the CUDA driver once per test JVM whether there is a device. */
    final class Condition implements ExecutionCondition {
        private static final String WHY_NOT = CudaBackends.whyNoDevice();

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return WHY_NOT == null
                    ? ConditionEvaluationResult.enabled("a CUDA device is present")
                    : ConditionEvaluationResult.disabled("no GPU: " + WHY_NOT);
        }
    }
}
