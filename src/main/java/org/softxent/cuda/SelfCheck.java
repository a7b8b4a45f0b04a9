package org.softxent.cuda;

import org.softxent.CrossEntropyOptions;
import org.softxent.backend.Backend;
import org.softxent.backend.CrossEntropyProblem;
import org.softxent.cpu.CpuBackend;

/**
 * A few small problems run on a new CUDA engine and on the CPU reference before the engine is
 * used (a row kernel with a mask, class weights and smoothing), and on cuBLAS before the
 * classifier first uses it (each of its three products). A driver that JIT-compiles the PTX
 * wrongly is then an unusable GPU with a reason (and {@code auto} falls back to the CPU), a cuBLAS
 * that answers wrongly (through the bridge or not) a classifier that says why it cannot run,
 * rather than wrong numbers. Each costs a few milliseconds.
 */
final class SelfCheck {
    private static final double TOLERANCE = 1e-4;

    private SelfCheck() {
    }

    static void run(Backend gpu) {
        CpuBackend cpu = CpuBackend.reference();
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

    }

    /** The classifier's three products on small matrices: logits = X·W, dW = Xᵀ·dS, dX = dS·Wᵀ. */
    interface Products {
        /** Returns {logits [n, c], dW [d, c], dX [n, d]} for x [n, d], w [d, c] and ds [n, c]. */
        float[][] compute(float[] x, float[] w, float[] ds, int n, int d, int c);
    }

    /**
     * Checks a cuBLAS before the classifier uses it: each product (and so each transpose) against
     * the CPU. Shapes are uneven, so that a leading dimension taken for another shows.
     */
    static void products(Products products) {
        int n = 7;
        int d = 5;
        int c = 11;
        float[] x = pattern(n * d, 1.3, 1);
        float[] w = pattern(d * c, 0.37, 0.2);
        float[] ds = pattern(n * c, 0.91, 0.5);
        float[][] got = products.compute(x, w, ds, n, d, c);
        compare("X·W (cuBLAS)", product(x, false, n, d, w, false, c), got[0]);
        compare("Xᵀ·dS (cuBLAS)", product(x, true, d, n, ds, false, c), got[1]);
        compare("dS·Wᵀ (cuBLAS)", product(ds, false, n, c, w, true, d), got[2]);
    }

    private static float[] pattern(int size, double step, double scale) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (scale * Math.sin(step * i + 0.3));
        }
        return a;
    }

    /** op(a) [m, k] · op(b) [k, cols] in double, row-major; op transposes when asked. */
    private static float[] product(float[] a, boolean ta, int m, int k, float[] b, boolean tb, int cols) {
        float[] out = new float[m * cols];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * cols + j]);
                }
                out[i * cols + j] = (float) s;
            }
        }
        return out;
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
