package org.softxent.testing;

import java.util.SplittableRandom;

/**
 * Fresh random inputs for each test run, with the seed in every failure message so a failure can
 * be replayed with {@code -Dsoftxent.seed=...}.
 */
public final class Rng {
    private final long seed;
    private final SplittableRandom random;

    private Rng(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A new seed each run, unless -Dsoftxent.seed fixes it. */
    public static Rng fresh() {
        Long fixed = Long.getLong("softxent.seed");
        return new Rng(fixed != null ? fixed : System.nanoTime() ^ Thread.currentThread().getId() * 0x9E3779B97F4A7C15L);
    }

    public long seed() {
        return seed;
    }

    /** "seed=...", for assertion messages. */
    @Override
    public String toString() {
        return "seed=" + seed;
    }

    public int nextInt(int low, int highExclusive) {
        return random.nextInt(low, highExclusive);
    }

    public double nextDouble() {
        return random.nextDouble();
    }

    public boolean nextBoolean() {
        return random.nextBoolean();
    }

    /** Uniform values in [low, high). */
    public float[] uniform(int size, double low, double high) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return a;
    }

    /** Normal values with the given standard deviation. */
    public float[] normal(int size, double sigma) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (sigma * gaussian());
        }
        return a;
    }

    /** Labels in [0, classes). */
    public int[] labels(int rows, int classes) {
        return random.ints(rows, 0, classes).toArray();
    }

    /**
     * Features [labels.length, features] that tell the classes apart: unit normal values, each
     * feature q shifted by {@code shift} in the rows whose label is q modulo the class count.
     */
    public float[] separable(int[] labels, int classes, int features, double shift) {
        float[] x = new float[labels.length * features];
        for (int r = 0; r < labels.length; r++) {
            for (int q = 0; q < features; q++) {
                x[r * features + q] = (float) (gaussian() + (q % classes == labels[r] ? shift : 0));
            }
        }
        return x;
    }

    /** Rows of random probability distributions [rows, cols], each summing to 1 (in double). */
    public float[] distributions(int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                double v = Math.exp(gaussian());
                t[r * cols + j] = (float) v;
                sum += v;
            }
            for (int j = 0; j < cols; j++) {
                t[r * cols + j] = (float) (t[r * cols + j] / sum);
            }
        }
        return t;
    }

    /** A standard normal value. */
    public double nextGaussian() {
        return gaussian();
    }

    private double gaussian() {
        // Box–Muller; SplittableRandom has no nextGaussian before Java 17's RandomGenerator default.
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }
}
