package org.softxent.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The Spark tests' session and data sets. */
final class SparkTestData {
    static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("label", DataTypes.DoubleType, false),
        DataTypes.createStructField("weight", DataTypes.DoubleType, false),
        DataTypes.createStructField("features", SQLDataTypes.VectorType(), false)});

    private SparkTestData() {
    }

    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("softxent-spark-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /**
     * A session on Spark's {@code local-cluster[executors,1,memoryMb]} master: a master and workers in
     * this JVM, each worker starting one executor JVM of one core, so that tasks, closures and
     * broadcasts cross process boundaries as on a cluster. No Spark distribution is needed: as
     * Spark's own build does, the workers run in Spark's testing mode ({@code spark.testing},
     * {@code spark.test.home}: an empty folder, {@code home}) and the executors get this JVM's class
     * path and the environment {@code SPARK_TESTING}, {@code SPARK_SCALA_VERSION}.
     */
    static SparkSession.Builder cluster(int executors, int memoryMb, java.nio.file.Path home) {
        System.setProperty("spark.testing", "1");
        System.setProperty("spark.test.home", home.toString());
        // Under Maven the class path is in this property (java.class.path is a manifest-only jar).
        // Absolute: the executors run in folders of their own.
        String classPath = java.util.Arrays.stream(System.getProperty("surefire.test.class.path",
                        System.getProperty("java.class.path")).split(java.io.File.pathSeparator))
                .map(entry -> java.nio.file.Path.of(entry).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        return SparkSession.builder().master("local-cluster[" + executors + ",1," + memoryMb + "]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", String.valueOf(2 * executors))
                .config("spark.executor.memory", memoryMb + "m")
                .config("spark.executor.extraClassPath", classPath)
                .config("spark.executorEnv.SPARK_TESTING", "1")
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
    }

    /** Rows (label, weight, features). */
    static Dataset<Row> frame(SparkSession spark, List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions).cache();
    }

    static Row row(double label, double weight, double[] x) {
        return RowFactory.create(label, weight, Vectors.dense(x));
    }

    /** The digits set (1,797 × 64, 10 classes), weight 1. */
    static List<Row> digits() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(Path.of("src/test/resources/data/digits.csv.gz"))), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                double[] x = new double[f.length - 1];
                for (int j = 0; j < x.length; j++) {
                    x[j] = Double.parseDouble(f[j]);
                }
                rows.add(row(Double.parseDouble(f[f.length - 1]), 1.0, x));
            }
        }
        return rows;
    }

    /**
     * A synthetic multinomial problem: features with different means and scales (one constant),
     * labels drawn from a softmax of a random linear model, so the classes overlap.
     */
    static List<Row> synthetic(long seed, int n, int d, int k) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] w = new double[k][d];
        double[] scale = new double[d];
        double[] shift = new double[d];
        for (int j = 0; j < d; j++) {
            scale[j] = j == 3 ? 0 : 0.2 + 3 * r.nextDouble();
            shift[j] = 4 * r.nextDouble() - 2;
            for (int c = 0; c < k; c++) {
                w[c][j] = gaussian(r) / Math.sqrt(d) * 2;
            }
        }
        List<Row> rows = new ArrayList<>(n);
        double[] z = new double[k];
        for (int i = 0; i < n; i++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = shift[j] + scale[j] * gaussian(r);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += w[c][j] * (scale[j] == 0 ? 0 : (x[j] - shift[j]) / scale[j]);
                }
                z[c] = s;
                max = Math.max(max, s);
            }
            rows.add(row(draw(z, max, r), 1.0, x));
        }
        return rows;
    }

    /** A class drawn from the softmax of the logits z (whose largest is max); z is overwritten. */
    static int draw(double[] z, double max, SplittableRandom r) {
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        double u = r.nextDouble() * sum;
        int y = 0;
        while (y < z.length - 1 && (u -= z[y]) > 0) {
            y++;
        }
        return y;
    }

    static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * r.nextDouble());
    }
}
