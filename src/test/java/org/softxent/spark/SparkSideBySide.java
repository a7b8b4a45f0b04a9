package org.softxent.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * softxent (each CPU precision) beside MLlib's {@code LogisticRegression} on the same cached
 * DataFrame, on a multi-process cluster ({@code local-cluster}, see {@link SparkTestData#cluster}):
 * time per L-BFGS iteration (a fixed number of iterations, tol 0, after a warm-up fit of each; the
 * span of the optimiser's loop, measured from Spark's job events, over its iterations) and
 * time to convergence (tol 1e-6, MLlib's default), with the final objectives, the test accuracies and
 * the load average beside each. Not a test: run by {@code bench/run-spark.sh}, which records its
 * output under {@code bench/results/}.
 *
 * <p>The data: rows × features × classes, generated on the executors (never on the driver), features
 * of different means and scales, labels drawn from a softmax of a random linear model, so the classes
 * overlap as real ones do; a test set of a tenth as many rows from the same model.
 *
 * <p>Arguments: rows features classes executors executorMemoryMb iterations
 */
public final class SparkSideBySide {
    private SparkSideBySide() {
    }

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]);
        int d = Integer.parseInt(args[1]);
        int k = Integer.parseInt(args[2]);
        int executors = Integer.parseInt(args[3]);
        int memory = Integer.parseInt(args[4]);
        int iterations = Integer.parseInt(args[5]);
        Path home = Files.createTempDirectory("softxent-spark-home");
        SparkSession spark = SparkTestData.cluster(executors, memory, home).appName("softxent-side-by-side")
                .config("spark.driver.memory", "2g")
                .config("spark.memory.fraction", "0.8")
                .config("spark.executor.extraJavaOptions", System.getProperty("softxent.bench.executorOptions", ""))
                .getOrCreate();
        try {
            int partitions = 2 * executors;
            long t0 = System.nanoTime();
            Dataset<Row> train = generate(spark, 20261206L, 1, n, d, k, partitions).cache();
            Dataset<Row> test = generate(spark, 20261206L, 2, Math.max(1000, n / 10), d, k, partitions).cache();
            long rows = train.count() + test.count();
            System.out.printf(Locale.ROOT, "data: %d x %d x %d (+ %d test rows), %d partitions, generated and cached in"
                    + " %.1f s on %s; executors %d x 1 core x %d MB; load average %s%n", n, d, k, rows - n, partitions,
                    (System.nanoTime() - t0) / 1e9, spark.sparkContext().master(), executors, memory, load());

            // -Dsoftxent.bench.only=WORD[,WORD]: only the fits whose names hold one (MLlib,float).
            List<String> only = List.of(System.getProperty("softxent.bench.only", "MLlib,exact,float").split(","));
            List<String> names = List.of("MLlib", "softxent exact", "softxent float").stream()
                    .filter(name -> only.stream().anyMatch(name::contains)).toList();
            for (String name : names) {
                fit(name, 5, 0, train); // warm-up: the JIT, the engines, each one's cached blocks
            }
            // Per iteration: the span of the optimiser's loop (from the first to the last of the jobs
            // that evaluate the loss, the fit's most frequent call site; the driver's steps between
            // them included) over its iterations, so that the setup of a fit (the statistics pass,
            // the packing into blocks) is not counted in its iterations.
            System.out.println("time per iteration: the L-BFGS loop's span (from the end of its first evaluation, which"
                    + " also packs the blocks, to the end of its last) over its iterations, " + iterations
                    + " iterations (tol 0):");
            double mllibPer = Double.NaN;
            for (String name : names) {
                Fit f = fit(name, iterations, 0, train);
                if (name.equals("MLlib")) {
                    mllibPer = f.perIteration();
                }
                System.out.printf(Locale.ROOT, "  %-15s %.3f s/iteration  %s   (fit %.2f s, of which the loop %.2f s,"
                                + " %d iterations; %s)   load %s%n", name, f.perIteration(),
                        ratio(f.perIteration(), mllibPer), f.seconds(), f.loopSeconds(), f.iterations(), f.loop(), load());
            }
            // Continuous instance weights (every row its own, in [0.1, 4)) against uniform ones, per
            // iteration, softxent float: the weights ride in the blocks, one classifier call per block.
            Dataset<Row> weighted = train.withColumn("weight", functions.rand(7).multiply(3.9).plus(0.1)).cache();
            weighted.count();
            fit("softxent float", 5, 0, weighted, "weight");
            double uniform = fit("softxent float", iterations, 0, train, "weight").perIteration();
            double continuous = fit("softxent float", iterations, 0, weighted, "weight").perIteration();
            System.out.printf(Locale.ROOT, "continuous instance weights, softxent float: %.3f s/iteration against %.3f with"
                    + " uniform weights (%.3f x)   load %s%n", continuous, uniform, continuous / uniform, load());
            weighted.unpersist();
            System.out.println("to convergence (tol 1e-6, maxIter 500):");
            double mllibObjective = Double.NaN;
            double mllibSeconds = Double.NaN;
            for (String name : names) {
                Fit f = fit(name, 500, 1e-6, train);
                double[] history = history(f.model());
                double objective = history[history.length - 1];
                if (name.equals("MLlib")) {
                    mllibObjective = objective;
                    mllibSeconds = f.seconds();
                }
                double accuracy = f.model().transform(test)
                        .filter(functions.col("prediction").equalTo(functions.col("label"))).count() / (double) (rows - n);
                System.out.printf(Locale.ROOT, "  %-15s %3d iterations %8.2f s  %s  objective %.12g (%s from MLlib's)"
                                + "  test accuracy %.4f  %s  load %s%n", name, f.iterations(), f.seconds(),
                        ratio(f.seconds(), mllibSeconds), objective, Double.isNaN(mllibObjective) ? "-"
                                : String.format(Locale.ROOT, "%.1e", Math.abs(objective - mllibObjective) / mllibObjective),
                        accuracy, convergence(f.model()), load());
            }
        } finally {
            spark.stop();
            try (var files = Files.walk(home)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * One fit: its model, its wall time, its iterations, the span of its L-BFGS loop (see
     * {@link Jobs#loop}) and which jobs that span covers.
     */
    private record Fit(ProbabilisticClassificationModel<Vector, ?> model, double seconds, int iterations,
                       double loopSeconds, String loop) {
        double perIteration() {
            return loopSeconds / iterations;
        }
    }

    /** "0.417 x MLlib", or "-" where MLlib did not run. */
    private static String ratio(double value, double mllib) {
        return Double.isNaN(mllib) ? "-" : String.format(Locale.ROOT, "%.3f x MLlib", value / mllib);
    }

    private static Fit fit(String name, int maxIter, double tol, Dataset<Row> train) {
        return fit(name, maxIter, tol, train, null);
    }

    /** One fit, weighted by the column {@code weightCol} (null: none). */
    private static Fit fit(String name, int maxIter, double tol, Dataset<Row> train, String weightCol) {
        Jobs jobs = new Jobs();
        SparkContext sc = train.sparkSession().sparkContext();
        sc.addSparkListener(jobs);
        long s = System.nanoTime();
        ProbabilisticClassificationModel<Vector, ?> model;
        try {
            model = model(name, maxIter, tol, train, weightCol);
        } finally {
            try {
                sc.listenerBus().waitUntilEmpty(60_000); // the fit's last job events delivered
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("Spark's listener bus did not drain in a minute", e);
            }
            sc.removeSparkListener(jobs);
        }
        double seconds = (System.nanoTime() - s) / 1e9;
        String[] described = new String[1];
        double loopSeconds = jobs.loop(described);
        return new Fit(model, seconds, history(model).length - 1, loopSeconds, described[0]);
    }

    /** The jobs of one fit: each one's call site, start and end (the listener bus's thread writes). */
    private static final class Jobs extends SparkListener {
        private final Map<Integer, String> site = new ConcurrentHashMap<>();
        private final Map<Integer, Long> start = new ConcurrentHashMap<>();
        private final Map<Integer, Long> end = new ConcurrentHashMap<>();

        @Override
        public void onJobStart(SparkListenerJobStart job) {
            // The result stage's name: its call site ("treeAggregate at RDDLossFunction.scala:61").
            String name = "?";
            int id = -1;
            for (org.apache.spark.scheduler.StageInfo stage : scala.jdk.javaapi.CollectionConverters.asJava(job.stageInfos())) {
                if (stage.stageId() > id) {
                    id = stage.stageId();
                    name = stage.name();
                }
            }
            site.put(job.jobId(), name);
            start.put(job.jobId(), job.time());
        }

        @Override
        public void onJobEnd(SparkListenerJobEnd job) {
            end.put(job.jobId(), job.time());
        }

        /** Per executor: {tasks, busy milliseconds}, over the jobs of the loop (by their stages' names). */
        private final Map<Integer, String> stageSite = new ConcurrentHashMap<>();

        @Override
        public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted stage) {
            stageSite.put(stage.stageInfo().stageId(), stage.stageInfo().name());
        }

        /** Per task: {stage's site | executor, finish time, duration}. */
        private final java.util.Queue<Object[]> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd task) {
            org.apache.spark.executor.TaskMetrics m = task.taskMetrics();
            tasks.add(new Object[] {stageSite.getOrDefault(task.stageId(), "?") + "|" + task.taskInfo().executorId(),
                task.taskInfo().finishTime(), task.taskInfo().duration(), m == null ? 0L : m.executorRunTime(),
                m == null ? 0L : m.executorDeserializeTime(), m == null ? 0L : m.jvmGCTime()});
        }

        /**
         * From the end of the first job to the end of the last at the most frequent call site, the
         * optimiser's: its first evaluation, at the start, also packs and caches the fit's blocks.
         */
        double loop(String[] described) {
            Map<String, Integer> counts = new HashMap<>();
            site.values().forEach(v -> counts.merge(v, 1, Integer::sum));
            String loop = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (Map.Entry<Integer, String> e : site.entrySet()) {
                if (e.getValue().equals(loop)) {
                    long ended = end.getOrDefault(e.getKey(), start.get(e.getKey()));
                    first = Math.min(first, ended);
                    last = Math.max(last, ended);
                }
            }
            // Busy: the tasks of the loop's jobs that finished within the span (not the first job's,
            // which pack the blocks), summed per executor, over the span; of it, Spark's task
            // metrics: running the task's function (the JVM's GC within it) and deserialising the task.
            Map<String, long[]> busy = new java.util.TreeMap<>();
            for (Object[] t : tasks) {
                if ((Long) t[1] > first) {
                    long[] b = busy.computeIfAbsent((String) t[0], k -> new long[5]);
                    b[0]++;
                    for (int i = 1; i < 5; i++) {
                        b[i] += (Long) t[i + 1];
                    }
                }
            }
            StringBuilder executors = new StringBuilder();
            for (Map.Entry<String, long[]> e : busy.entrySet()) {
                if (e.getKey().startsWith(loop + "|")) {
                    double span = Math.max(1, last - first);
                    long[] b = e.getValue();
                    executors.append(String.format(Locale.ROOT, "; executor %s: %d tasks, busy %.0f%% (running %.0f%%, "
                                    + "of it GC %.0f%%; deserialising %.0f%%)", e.getKey().substring(loop.length() + 1), b[0],
                            100.0 * b[1] / span, 100.0 * b[2] / span, 100.0 * b[4] / span, 100.0 * b[3] / span));
                }
            }
            described[0] = loop + " x" + counts.get(loop) + " of " + site.size() + " jobs" + executors;
            return (last - first) / 1e3;
        }
    }

    private static ProbabilisticClassificationModel<Vector, ?> model(String name, int maxIter, double tol,
                                                                      Dataset<Row> train, String weightCol) {
        switch (name) {
            case "MLlib":
                LogisticRegression ml = new LogisticRegression().setRegParam(1e-3).setElasticNetParam(0)
                        .setMaxIter(maxIter).setTol(tol);
                return (weightCol == null ? ml : ml.setWeightCol(weightCol)).fit(train);
            case "softxent exact":
            case "softxent float":
                SoftxentLogisticRegression sx = new SoftxentLogisticRegression().setRegParam(1e-3).setMaxIter(maxIter)
                        .setTol(tol).setDevice("cpu").setPrecision(name.endsWith("float") ? "float" : "exact");
                return (weightCol == null ? sx : sx.setWeightCol(weightCol)).fit(train);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static double[] history(ProbabilisticClassificationModel<Vector, ?> model) {
        return model instanceof LogisticRegressionModel m ? m.summary().objectiveHistory()
                : ((SoftxentLogisticRegressionModel) model).summary().objectiveHistory();
    }

    private static String convergence(ProbabilisticClassificationModel<Vector, ?> model) {
        return model instanceof SoftxentLogisticRegressionModel m ? "(" + m.summary().convergence() + ")" : "";
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * n rows (label, weight 1, features) of the model {@code seed} in {@code partitions} partitions,
     * made on the executors; {@code set} tells sets of one model apart.
     */
    static Dataset<Row> generate(SparkSession spark, long seed, int set, int n, int d, int k, int partitions) {
        JavaRDD<Row> rows = new JavaSparkContext(spark.sparkContext())
                .parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                .flatMap(p -> part(seed, set * 65_537 + p, n / partitions + (p < n % partitions ? 1 : 0), d, k));
        return spark.createDataFrame(rows, SparkTestData.SCHEMA);
    }

    /** The rows of one partition, made as they are read (a partition's rows never all at once). */
    private static java.util.Iterator<Row> part(long seed, int part, int count, int d, int k) {
        SplittableRandom model = new SplittableRandom(seed); // the same model in every partition
        double[][] w = new double[k][d];
        double[] scale = new double[d];
        double[] shift = new double[d];
        for (int j = 0; j < d; j++) {
            scale[j] = 0.2 + 3 * model.nextDouble();
            shift[j] = 4 * model.nextDouble() - 2;
            for (int c = 0; c < k; c++) {
                w[c][j] = SparkTestData.gaussian(model) / Math.sqrt(d) * 3;
            }
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + part);
        double[] z = new double[k];
        double[] u = new double[d];
        return new java.util.Iterator<Row>() {
            private int made;

            @Override
            public boolean hasNext() {
                return made < count;
            }

            @Override
            public Row next() {
                made++;
                double[] x = new double[d];
                for (int j = 0; j < d; j++) {
                    u[j] = SparkTestData.gaussian(r);
                    x[j] = shift[j] + scale[j] * u[j];
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += w[c][j] * u[j];
                    }
                    z[c] = s;
                    max = Math.max(max, s);
                }
                return SparkTestData.row(SparkTestData.draw(z, max, r), 1.0, x);
            }
        };
    }
}
