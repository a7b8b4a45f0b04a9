package org.softxent.cpu;

import org.bytedeco.javacpp.FloatPointer;

/**
 * What this machine's cores can do at best, measured for the benchmark so that each CPU workload
 * is reported against a floor of its own run, as the GPU's are: the memory's copy bandwidth and
 * the bundled OpenBLAS's sgemm rate, both with every core busy the way the engine keeps them.
 */
public final class CpuCeilings {
    private CpuCeilings() {
    }

    /**
     * GB/s of a copy (bytes read plus bytes written, as the GPU's copy ceiling counts them) of a
     * {@code mib}-MiB float array into another (smaller where the two would take more than a
     * quarter of the heap), split into one range per core, the best of {@code runs}. Both arrays are
     * touched before the first timed run.
     */
    public static double copyGBps(int mib, int runs) {
        int n = copyFloats(mib);
        float[] from = new float[n];
        float[] to = new float[n];
        for (int i = 0; i < n; i++) {
            from[i] = i;
        }
        System.arraycopy(from, 0, to, 0, n);
        int parts = Runtime.getRuntime().availableProcessors();
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            Parallel.each(parts, p -> {
                int lo = (int) ((long) n * p / parts);
                int hi = (int) ((long) n * (p + 1) / parts);
                System.arraycopy(from, lo, to, lo, hi - lo);
            });
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 8.0 * n / best / 1e9;
    }

    /** The floats of each of {@link #copyGBps}'s two arrays for {@code mib}. */
    public static int copyFloats(int mib) {
        return (int) Math.min((long) mib << 18, Runtime.getRuntime().maxMemory() / 32);
    }

    /**
     * GFLOP/s of {@code size}³ sgemm products by the bundled OpenBLAS, one single-threaded product
     * per core at once (how the CPU engine runs them), the best of {@code runs}; NaN when OpenBLAS
     * is not loaded.
     */
    public static double sgemmGflops(int size, int runs) {
        if (Blas.whyNot() != null) {
            return Double.NaN;
        }
        int parts = Runtime.getRuntime().availableProcessors();
        long elements = (long) size * size;
        FloatPointer[] a = new FloatPointer[parts];
        FloatPointer[] b = new FloatPointer[parts];
        FloatPointer[] c = new FloatPointer[parts];
        try {
            float[] values = new float[(int) elements];
            java.util.SplittableRandom random = new java.util.SplittableRandom(27);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextDouble() - 0.5);
            }
            for (int p = 0; p < parts; p++) {
                // Their own buffers, freed afterwards: not the engine's pool, which would keep them.
                a[p] = new FloatPointer(elements);
                b[p] = new FloatPointer(elements);
                c[p] = new FloatPointer(elements);
                a[p].put(values, 0, values.length);
                b[p].put(values, 0, values.length);
            }
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r <= runs; r++) { // the first run warms up
                long t0 = System.nanoTime();
                Parallel.each(parts, p -> Blas.gemm(size, size, size, a[p], b[p], false, 0f, c[p]));
                double s = (System.nanoTime() - t0) / 1e9;
                if (r > 0) {
                    best = Math.min(best, s);
                }
            }
            return parts * 2.0 * size * elements / best / 1e9;
        } finally {
            for (FloatPointer[] buffers : new FloatPointer[][] {a, b, c}) {
                for (FloatPointer buffer : buffers) {
                    if (buffer != null) {
                        buffer.close();
                    }
                }
            }
        }
    }
}
