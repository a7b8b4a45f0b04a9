package org.softxent.cuda;

import org.softxent.ClassifierOptions;
import org.softxent.CrossEntropyOptions;
import org.softxent.backend.Backend;
import org.softxent.backend.ClassifierProblem;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cpu.CpuBackend;

/**
 * A few small problems run on a new CUDA engine and on the CPU reference before the engine is
 * used: a row kernel with a mask, class weights and smoothing, and a classifier step through
 * cuBLAS. A driver that JIT-compiles the PTX wrongly, or a cuBLAS that answers wrongly (through the
 * bridge or not), is then an unusable GPU with a reason (and {@code auto} falls back to the CPU)
 * rather than wrong numbers. It costs a few milliseconds at open.
 */
final class SelfCheck {
    private static final double TOLERANCE = 1e-4;

    private SelfCheck() {
    }

    static void run(Backend gpu) {
        CpuBackend cpu = new CpuBackend();
        int n = 6;
        int c = 37;
        float[] logits = new float[n * c];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * Math.sin(0.7 * i) + 0.01 * i);
        }
        int[] labels = {0, 36, 7, -100, 12, 3};
        float[] weights = new float[c];
        for (int j = 0; j < c; j++) {
            weights[j] = 0.5f + (j % 5) * 0.25f;
        }
        CrossEntropyOptions weighted = CrossEntropyOptions.defaults().withClassWeights(weights);
        crossEntropy(gpu, cpu, "smoothed cross-entropy", logits.clone(), n, c, labels, weighted.withLabelSmoothing(0.05));
        // A masked class (smoothing would make that loss +inf on both sides).
        logits[5] = Float.NEGATIVE_INFINITY;
        crossEntropy(gpu, cpu, "masked cross-entropy", logits, n, c, labels, weighted);

        int d = 5;
        float[] x = new float[n * d];
        float[] w = new float[d * c];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.cos(1.3 * i);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.2 * Math.sin(0.37 * i));
        }
        int[] classes = {1, 2, 3, 4, 5, 6};
        ClassifierOptions clf = ClassifierOptions.defaults().withReg(0.01);
        float[] gpuW = new float[d * c];
        float[] cpuW = new float[d * c];
        float[] gpuX = new float[n * d];
        float[] cpuX = new float[n * d];
        gpu.classifier(new ClassifierProblem(x, w, null, classes, n, d, c, clf, gpuW, null, gpuX));
        cpu.classifier(new ClassifierProblem(x, w, null, classes, n, d, c, clf, cpuW, null, cpuX));
        compare("classifier dW (cuBLAS)", cpuW, gpuW);
        compare("classifier dX (cuBLAS)", cpuX, gpuX);
    }

    private static void crossEntropy(Backend gpu, Backend cpu, String what, float[] logits, int n, int c, int[] labels,
                                     CrossEntropyOptions options) {
        float[] gpuGrad = new float[n * c];
        float[] cpuGrad = new float[n * c];
        double gpuLoss = gpu.crossEntropy(new CrossEntropyProblem(logits, n, c, labels, null, options, gpuGrad, null, null));
        double cpuLoss = cpu.crossEntropy(new CrossEntropyProblem(logits, n, c, labels, null, options, cpuGrad, null, null));
        compare(what + " loss", new float[] {(float) cpuLoss}, new float[] {(float) gpuLoss});
        compare(what + " gradient", cpuGrad, gpuGrad);
    }

    private static void compare(String what, float[] expected, float[] actual) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        if (!(Math.sqrt(diff) <= TOLERANCE * Math.sqrt(norm))) {
            throw new IllegalStateException(what + " differs from the CPU reference (relative error "
                    + Math.sqrt(diff / norm) + ")");
        }
    }
}
