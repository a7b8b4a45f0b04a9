package org.softxent.spark;

import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Time per iteration, softxent against MLlib, in local mode on this machine (not a test: run it by
 * hand, see the README). Both run the same fixed number of L-BFGS iterations on the synthetic
 * n × 100 × 20 set, after a warm-up fit each; times are wall clock of fit() over iterations, and for
 * softxent also the optimisation loop over its loss evaluations.
 *
 * <p>Arguments: [rows (100000)] [iterations (15)] [device (cpu)] [master (local[2])]
 */
public final class SparkTiming {
    private SparkTiming() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        String device = args.length > 2 ? args[2] : "cpu";
        String master = args.length > 3 ? args[3] : "local[2]";
        SparkSession spark = SparkSession.builder().master(master).appName("softxent-timing")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        int partitions = spark.sparkContext().defaultParallelism();
        List<Row> rows = SparkTestData.synthetic(42, n, 100, 20);
        Dataset<Row> train = SparkTestData.frame(spark, rows, partitions);
        train.count();
        LogisticRegression ml = new LogisticRegression().setRegParam(1e-2).setElasticNetParam(0).setMaxIter(iterations)
                .setTol(0);
        SoftxentLogisticRegression sx = new SoftxentLogisticRegression().setRegParam(1e-2).setMaxIter(iterations)
                .setTol(0).setDevice(device);
        ml.copy(new org.apache.spark.ml.param.ParamMap()).setMaxIter(2).fit(train);
        sx.copy(new org.apache.spark.ml.param.ParamMap()).setMaxIter(2).fit(train);
        for (int round = 0; round < 2; round++) {
            long t0 = System.nanoTime();
            LogisticRegressionModel b = ml.fit(train);
            long t1 = System.nanoTime();
            SoftxentLogisticRegressionModel a = sx.fit(train);
            long t2 = System.nanoTime();
            SoftxentTrainingSummary s = a.summary();
            System.out.printf("round %d, %s, %d x 100 x 20, %d partitions: MLlib %d iterations %.2f s (%.3f s/iteration);"
                            + " softxent[%s] %d iterations %.2f s (%.3f s/iteration), %d loss evaluations in %.2f s"
                            + " (%.3f s/evaluation); final objective MLlib %.10g softxent %.10g; engines %s%n",
                    round, master, n, partitions, b.summary().totalIterations(), (t1 - t0) / 1e9,
                    (t1 - t0) / 1e9 / b.summary().totalIterations(), device, s.totalIterations(), (t2 - t1) / 1e9,
                    (t2 - t1) / 1e9 / s.totalIterations(), s.lossEvaluations(), s.optimizationSeconds(),
                    s.optimizationSeconds() / s.lossEvaluations(),
                    b.summary().objectiveHistory()[b.summary().totalIterations()],
                    s.objectiveHistory()[s.totalIterations()], s.engines());
        }
        spark.stop();
    }
}
