package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cpu.CpuBackend;

/** The start-up self-check accepts a right backend and catches a wrong one. */
class SelfCheckTest {
    @Test
    void acceptsTheReference() {
        assertDoesNotThrow(() -> SelfCheck.run(new CpuBackend()));
    }

    @Test
    void catchesAWrongGradient() {
        CpuBackend wrong = new CpuBackend() {
            @Override
            public double crossEntropy(CrossEntropyProblem p) {
                double loss = super.crossEntropy(p);
                p.gradOut()[7] += 1e-2f;
                return loss;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SelfCheck.run(wrong));
        assertTrue(e.getMessage().contains("cross-entropy gradient differs"), e.getMessage());
    }

    @Test
    void catchesAWrongMatrixProduct() {
        CpuBackend wrong = new CpuBackend() {
            @Override
            public double classifier(ClassifierProblem p) {
                double loss = super.classifier(p);
                p.gradW()[0] *= 2;
                return loss;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SelfCheck.run(wrong));
        assertTrue(e.getMessage().contains("classifier dW"), e.getMessage());
    }
}
