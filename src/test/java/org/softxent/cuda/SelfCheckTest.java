package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cpu.CpuBackend;

/** The start-up self-check accepts a right backend and catches a wrong one. */
class SelfCheckTest {
    /** The CPU reference, with one output spoiled after the fact. */
    private static class Spoiled implements Backend {
        final CpuBackend cpu = new CpuBackend();

        @Override
        public Device device() {
            return Device.GPU;
        }

        @Override
        public String description() {
            return "spoiled";
        }

        @Override
        public void softmax(float[] logits, int rows, int cols, boolean log, float[] out) {
            cpu.softmax(logits, rows, cols, log, out);
        }

        @Override
        public double crossEntropy(CrossEntropyProblem p) {
            return cpu.crossEntropy(p);
        }

        @Override
        public void softmaxBackward(float[] probs, float[] gradProbs, int rows, int cols, float[] out) {
            cpu.softmaxBackward(probs, gradProbs, rows, cols, out);
        }

        @Override
        public void softmaxJacobian(float[] logits, int rows, int cols, float[] out) {
            cpu.softmaxJacobian(logits, rows, cols, out);
        }

        @Override
        public double binaryCrossEntropy(BinaryCrossEntropyProblem p) {
            return cpu.binaryCrossEntropy(p);
        }

        @Override
        public double classifier(ClassifierProblem p) {
            return cpu.classifier(p);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void acceptsTheReference() {
        assertDoesNotThrow(() -> SelfCheck.run(new CpuBackend()));
    }

    @Test
    void catchesAWrongGradient() {
        Backend wrong = new Spoiled() {
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
        Backend wrong = new Spoiled() {
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
