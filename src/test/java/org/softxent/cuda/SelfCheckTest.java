package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.backend.Backend;
import org.softxent.backend.BinaryClassifierProblem;
import org.softxent.backend.BinaryCrossEntropyProblem;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cpu.CpuBackend;

/** The start-up self-check accepts a right backend and catches a wrong one. */
class SelfCheckTest {
    /** The CPU reference, with one output spoiled after the fact. */
    private static class Spoiled implements Backend {
        final CpuBackend cpu = CpuBackend.reference();

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
        public double binaryClassifier(BinaryClassifierProblem p) {
            return cpu.binaryClassifier(p);
        }

        @Override
        public void linearSoftmax(float[] x, float[] w, float[] b, int rows, int features, int classes,
                                  float[] probsOut, int[] predictedOut) {
            cpu.linearSoftmax(x, w, b, rows, features, classes, probsOut, predictedOut);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void acceptsTheReference() {
        assertDoesNotThrow(() -> SelfCheck.run(CpuBackend.reference()));
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
        // Right products but dX, for which W is read as if stored transposed: a flipped transpose.
        SelfCheck.Products wrong = (x, w, ds, n, d, c) -> {
            float[][] out = {new float[n * c], new float[d * c], new float[n * d]};
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    for (int p = 0; p < d; p++) {
                        out[0][i * c + j] += x[i * d + p] * w[p * c + j];
                        out[1][p * c + j] += x[i * d + p] * ds[i * c + j];
                        out[2][i * d + p] += ds[i * c + j] * w[j * d + p]; // W read as if it were [c, d]
                    }
                }
            }
            return out;
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SelfCheck.products(wrong));
        assertTrue(e.getMessage().contains("dS·Wᵀ (cuBLAS)"), e.getMessage());
    }

    @Test
    void acceptsRightProducts() {
        assertDoesNotThrow(() -> SelfCheck.products((x, w, ds, n, d, c) -> {
            float[][] out = {new float[n * c], new float[d * c], new float[n * d]};
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    for (int p = 0; p < d; p++) {
                        out[0][i * c + j] += x[i * d + p] * w[p * c + j];
                        out[1][p * c + j] += x[i * d + p] * ds[i * c + j];
                        out[2][i * d + p] += ds[i * c + j] * w[p * c + j];
                    }
                }
            }
            return out;
        }));
    }
}
