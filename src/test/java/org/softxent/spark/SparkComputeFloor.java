package org.softxent.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.softxent.Device;
import org.softxent.Softxent;

/**
 * The floor under a Spark fit's time per iteration with precision float: the blocks' classifier
 * calls alone, as the executors make them, without Spark. EXECUTORS threads of this JVM stand for
 * the executors (one core each), each computing its share of the ROWS × FEATURES × CLASSES
 * training set packed into blocks of 4,096 rows (as {@link Block#pack} packs them), on a pool of
 * one thread as {@link Engines#compute} gives a task, or (mode {@code common}) on the common pool as
 * before. Prints the time of one pass over every block (one objective evaluation), after warm-up.
 *
 * <p>Arguments: rows features classes executors [pool1|common]
 */
public final class SparkComputeFloor {
    private SparkComputeFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        int n = Integer.parseInt(args[0]);
        int d = Integer.parseInt(args[1]);
        int k = Integer.parseInt(args[2]);
        int executors = Integer.parseInt(args[3]);
        boolean pool = args.length < 5 || args[4].equals("pool1");
        SplittableRandom random = new SplittableRandom(20261206L);
        double[] inverseStd = new double[d];
        Arrays.fill(inverseStd, 1.0);
        Setup setup = new Setup(d, k, true, true, new double[d], inverseStd, null, 0, "cpu", "float", 4096, 1);
        List<List<Block>> shares = new ArrayList<>();
        for (int e = 0; e < executors; e++) {
            List<Row> rows = new ArrayList<>();
            for (int i = e; i < n; i += executors) {
                double[] v = new double[d];
                for (int j = 0; j < d; j++) {
                    v[j] = random.nextGaussian();
                }
                rows.add(RowFactory.create((double) random.nextInt(k), 1.0, Vectors.dense(v)));
            }
            List<Block> blocks = new ArrayList<>();
            Block.pack(rows.iterator(), setup).forEachRemaining(blocks::add);
            shares.add(blocks);
        }
        float[] w = new float[d * k];
        float[] b = new float[k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.01 * random.nextGaussian());
        }
        Softxent engine = Softxent.open(Device.CPU);
        // One thread per executor for every pass, as an executor's task threads are reused (and
        // with them the pools Engines.compute keeps per thread).
        java.util.concurrent.ExecutorService executorThreads = java.util.concurrent.Executors.newFixedThreadPool(
                executors, r -> {
                    Thread t = new Thread(r);
                    t.setDaemon(true);
                    return t;
                });
        double best = Double.POSITIVE_INFINITY;
        try {
            for (int rep = 0; rep < 15; rep++) {
                long t = System.nanoTime();
                List<java.util.concurrent.Future<?>> passes = new ArrayList<>();
                for (List<Block> blocks : shares) {
                    passes.add(executorThreads.submit(() -> {
                        float[] gw = new float[d * k];
                        float[] gb = new float[k];
                        for (Block block : blocks) {
                            java.util.function.Supplier<Object> call = () -> engine.classifier(block.x, w, b,
                                    block.labels, block.weights, block.rows, d, k, setup.classifierOptions(), gw, gb,
                                    null, null);
                            if (pool) {
                                Engines.onPool(1, call);
                            } else {
                                call.get();
                            }
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> pass : passes) {
                    pass.get();
                }
                double seconds = (System.nanoTime() - t) / 1e9;
                if (rep >= 5) {
                    best = Math.min(best, seconds);
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            executorThreads.shutdown();
        }
        System.out.printf(Locale.ROOT, "%d x %d x %d, %d executors (threads) of %d blocks each, %s: one pass over "
                        + "every block %.3f s (best of 10 after 5 warm-up)%n", n, d, k, executors, shares.get(0).size(),
                pool ? "each on a pool of one thread" : "each on the common pool", best);
        engine.close();
    }
}
