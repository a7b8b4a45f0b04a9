package org.softxent.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.TaskEndReason;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorSlicer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.cuda.CudaBackends;
import org.softxent.testing.Rng;

/**
 * The estimator on a real multi-process cluster: Spark's {@code local-cluster[2,1,1024]} master, a
 * master and two workers in this JVM and two executor JVMs started by the workers, so that the
 * closures, the broadcast coefficients, the blocks and the executor-side engines all cross a process
 * boundary, as on a cluster (see {@link SparkTestData#cluster}). Every executor is given a GPU by
 * Spark's resource scheduling (a discovery script that reports address 0); where a device is
 * present to this JVM (the simulated device on CI) the executors are told of it through
 * {@code spark.executor.extraJavaOptions}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkClusterIT {
    private static final int EXECUTORS = 2;
    private static SparkSession spark;
    private static Path home;
    private static String simulated;

    @BeforeAll
    static void start() throws IOException {
        home = Files.createTempDirectory("softxent-spark-home");
        Path gpus = home.resolve("gpus.sh");
        Files.writeString(gpus, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(gpus, PosixFilePermissions.fromString("rwxr-xr-x"));
        simulated = System.getProperty("softxent.simulatedDevice");
        spark = SparkTestData.cluster(EXECUTORS, 1024, home).appName("softxent-cluster-tests")
                .config("spark.executor.extraJavaOptions", simulated == null ? "" : "-Dsoftxent.simulatedDevice=" + simulated)
                .config("spark.worker.resource.gpu.amount", "1")
                .config("spark.worker.resource.gpu.discoveryScript", gpus.toString())
                .config("spark.executor.resource.gpu.amount", "1")
                .config("spark.executor.resource.gpu.discoveryScript", gpus.toString())
                .config("spark.task.resource.gpu.amount", "1")
                .getOrCreate();
        awaitExecutors();
    }

    @AfterAll
    static void stop() throws IOException {
        if (spark != null) {
            spark.stop();
        }
        System.clearProperty("spark.testing");
        System.clearProperty("spark.test.home");
        try (var files = Files.walk(home)) {
            files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Waits (up to a minute) until the cluster has all its executors registered. */
    private static void awaitExecutors() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (spark.sparkContext().getExecutorMemoryStatus().size() < EXECUTORS + 1) { // + the driver
            assertTrue(System.nanoTime() < deadline, "the cluster has "
                    + (spark.sparkContext().getExecutorMemoryStatus().size() - 1) + " executors after a minute");
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Dataset<Row> data(long seed, int n) {
        return SparkTestData.frame(spark, SparkTestData.synthetic(seed, n, 12, 4), 4);
    }

    private static SoftxentLogisticRegression softxent() {
        return new SoftxentLogisticRegression().setRegParam(0.01).setMaxIter(200).setTol(1e-12).setDevice("cpu")
                .setPrecision("exact");
    }

    /** The processes that ran tasks: none is this JVM, and there are as many as executors. */
    @Test
    @Order(1)
    void tasksRunInExecutorProcessesOfTheirOwn() {
        List<String> jvms = spark.range(0, 64, 1, 8).javaRDD()
                .map(i -> ManagementFactory.getRuntimeMXBean().getName()).distinct().collect();
        assertEquals(EXECUTORS, jvms.size(), "executor JVMs " + jvms);
        assertTrue(!jvms.contains(ManagementFactory.getRuntimeMXBean().getName()), "a task ran in the driver: " + jvms);
    }

    @Test
    @Order(2)
    void fitTransformPersistenceAndPipelineAcrossProcesses(@TempDir Path dir) throws IOException {
        Rng rng = Rng.fresh();
        Dataset<Row> train = data(rng.seed(), 3000);
        Dataset<Row> test = data(rng.seed() + 1, 500);
        SoftxentLogisticRegressionModel model = softxent().fit(train);
        LogisticRegressionModel mllib = new LogisticRegression().setRegParam(0.01).setElasticNetParam(0)
                .setMaxIter(200).setTol(1e-12).fit(train);
        double[] ha = model.summary().objectiveHistory();
        double[] hb = mllib.summary().objectiveHistory();
        double rel = Math.abs(ha[ha.length - 1] - hb[hb.length - 1]) / hb[hb.length - 1];
        assertTrue(rel <= 1e-8, rng + ": final objective " + ha[ha.length - 1] + " vs MLlib's " + hb[hb.length - 1]
                + " (relative " + rel + ")");
        assertTrue(SparkParityTest.coefficientDifference(model, mllib) <= 1e-3, rng + ": coefficients differ from MLlib's by "
                + SparkParityTest.coefficientDifference(model, mllib));
        assertTrue(model.summary().engines().stream().allMatch(e -> e.startsWith("CPU")), rng + ": "
                + model.summary().engines());

        // Transformed on the executors, as the model predicts on the driver.
        List<Row> out = model.transform(test).select("features", "rawPrediction", "prediction").collectAsList();
        assertEquals(500, out.size());
        for (Row r : out) {
            Vector x = (Vector) r.get(0);
            assertArrayEquals(model.predictRaw(x).toArray(), ((Vector) r.get(1)).toArray(), 1e-12, rng.toString());
            assertEquals(model.predict(x), r.getDouble(2), rng.toString());
        }

        // Saved by the driver, loaded, and transformed again on the executors: the same predictions.
        String path = dir.resolve("model").toString();
        model.write().save(path);
        SoftxentLogisticRegressionModel loaded = SoftxentLogisticRegressionModel.load(path);
        List<Row> again = loaded.transform(test).select("rawPrediction", "prediction").collectAsList();
        for (int i = 0; i < out.size(); i++) {
            assertArrayEquals(((Vector) out.get(i).get(1)).toArray(), ((Vector) again.get(i).get(0)).toArray(), 0.0,
                    rng + ": row " + i + " after save and load");
        }

        // In a Pipeline (a feature stage before it), itself saved and loaded.
        VectorSlicer slicer = new VectorSlicer().setInputCol("features").setOutputCol("some")
                .setIndices(new int[] {0, 1, 2, 4, 5, 6, 7});
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {slicer,
            softxent().setFeaturesCol("some")});
        PipelineModel fitted = pipeline.fit(train);
        String pipelinePath = dir.resolve("pipeline").toString();
        fitted.write().save(pipelinePath);
        List<Row> a = fitted.transform(test).select("prediction").collectAsList();
        List<Row> b = PipelineModel.load(pipelinePath).transform(test).select("prediction").collectAsList();
        assertEquals(a, b, rng + ": the pipeline's predictions after save and load");
        // The pipeline's stage is the fit of the estimator on the sliced features.
        SoftxentLogisticRegressionModel inPipeline = (SoftxentLogisticRegressionModel) fitted.stages()[1];
        SoftxentLogisticRegressionModel direct = softxent().setFeaturesCol("some").fit(slicer.transform(train));
        double[] hp = inPipeline.summary().objectiveHistory();
        double[] hd = direct.summary().objectiveHistory();
        double apart = Math.abs(hp[hp.length - 1] - hd[hd.length - 1]) / hd[hd.length - 1];
        assertTrue(apart <= 1e-10, rng + ": the pipeline's fit ends at " + hp[hp.length - 1] + ", the direct one at "
                + hd[hd.length - 1]);
    }

    @Test
    @Order(3)
    void floatByDefaultLandsBesideExact() {
        Rng rng = Rng.fresh();
        Dataset<Row> train = data(rng.seed(), 3000);
        // MLlib's default tolerance (1e-6): what users run.
        SoftxentLogisticRegressionModel exact = softxent().setTol(1e-6).fit(train);
        // precision float, the default
        SoftxentLogisticRegressionModel fast = new SoftxentLogisticRegression().setRegParam(0.01).setMaxIter(200)
                .setTol(1e-6).setDevice("cpu").fit(train);
        double[] he = exact.summary().objectiveHistory();
        double[] hf = fast.summary().objectiveHistory();
        double rel = Math.abs(he[he.length - 1] - hf[hf.length - 1]) / he[he.length - 1];
        assertTrue(rel <= 1e-5, rng + ": float's objective " + hf[hf.length - 1] + " vs exact's " + he[he.length - 1]);
        assertTrue(fast.summary().engines().stream().allMatch(e -> e.contains("float accumulation")),
                rng + ": precision float computed on " + fast.summary().engines());
        assertTrue(fast.summary().convergence().contains("converged"), rng + ": " + fast.summary().convergence());
        int itE = exact.summary().totalIterations();
        int itF = fast.summary().totalIterations();
        assertTrue(itF <= 1.5 * itE + 5, rng + ": float took " + itF + " iterations, exact " + itE);
    }

    /** device = auto on executors Spark gave a GPU: the blocks computed on it (the simulated device on CI). */
    @Test
    @Order(4)
    void executorsGivenGpusBySparkComputeOnThem() {
        String why = CudaBackends.whyNoDevice();
        assumeTrue(why == null, "no GPU: " + why);
        Rng rng = Rng.fresh();
        Dataset<Row> train = data(rng.seed(), 1000);
        SoftxentLogisticRegression lr = softxent().setMaxIter(10);
        SoftxentLogisticRegressionModel cpu = lr.fit(train);
        SoftxentLogisticRegressionModel gpu = softxent().setMaxIter(10).setDevice("auto").fit(train);
        List<String> engines = gpu.summary().engines();
        assertTrue(!engines.isEmpty() && engines.stream().noneMatch(e -> e.startsWith("CPU")),
                rng + ": device=auto on GPU executors computed on " + engines);
        double[] hc = cpu.summary().objectiveHistory();
        double[] hg = gpu.summary().objectiveHistory();
        // At most one state apart: a line search the float products cannot resolve adds one.
        assertTrue(Math.abs(hc.length - hg.length) <= 1, rng + ": " + hg.length + " states on the GPU, " + hc.length
                + " on the CPU");
        double rel = Math.abs(hc[hc.length - 1] - hg[hg.length - 1]) / hc[hc.length - 1];
        assertTrue(rel < 1e-4, rng + ": final objective GPU " + hg[hg.length - 1] + " vs CPU " + hc[hc.length - 1]);
    }

    /**
     * An executor killed (SIGKILL) in the middle of a fit: its tasks fail, Spark starts another
     * executor and runs them again (the cached blocks it held rebuilt from their lineage), and the fit
     * ends with the model the same fit gives undisturbed.
     */
    @Test
    @Order(5)
    void anExecutorKilledDuringAFitChangesNothing() throws Exception {
        Rng rng = Rng.fresh();
        Dataset<Row> train = data(rng.seed(), 3000);
        // Converged well above the noise of the sums' order (tasks re-run finish in another order,
        // so the partial sums are added in another order: both fits take the same path to ~1e-15).
        SoftxentLogisticRegression lr = softxent().setMaxIter(100).setTol(1e-7);
        SoftxentLogisticRegressionModel undisturbed = lr.fit(train);

        AtomicInteger jobs = new AtomicInteger();
        AtomicReference<String> killed = new AtomicReference<>();
        AtomicReference<Thread> killer = new AtomicReference<>();
        AtomicInteger removed = new AtomicInteger();
        AtomicInteger failedTasks = new AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                if (jobs.incrementAndGet() == 8) {
                    Thread t = new Thread(() -> killed.set(killOneExecutor()), "kill-an-executor");
                    killer.set(t);
                    t.start();
                }
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved executor) {
                removed.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd task) {
                TaskEndReason reason = task.reason();
                if (!(reason instanceof org.apache.spark.Success$)) {
                    failedTasks.incrementAndGet();
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        SoftxentLogisticRegressionModel disturbed;
        try {
            disturbed = lr.fit(train);
        } finally {
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000); // every event of the fit seen
            spark.sparkContext().removeSparkListener(listener);
        }
        if (killer.get() != null) {
            killer.get().join(60_000);
        }
        assertTrue(killed.get() != null && !killed.get().isEmpty(), "no executor was killed during the fit ("
                + jobs.get() + " jobs)");
        assertTrue(removed.get() >= 1, "Spark saw no executor removed after killing " + killed.get());
        double[] hu = undisturbed.summary().objectiveHistory();
        double[] hd = disturbed.summary().objectiveHistory();
        assertTrue(Math.abs(hu.length - hd.length) <= 1, rng + ": " + hd.length + " iterations after the kill, "
                + hu.length + " undisturbed");
        double rel = Math.abs(hu[hu.length - 1] - hd[hd.length - 1]) / hu[hu.length - 1];
        assertTrue(rel <= 1e-10, rng + ": objective " + hd[hd.length - 1] + " after the kill, " + hu[hu.length - 1]
                + " undisturbed");
        double coefficients = 0;
        double scale = 0;
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 12; j++) {
                coefficients = Math.max(coefficients, Math.abs(undisturbed.coefficientMatrix().apply(k, j)
                        - disturbed.coefficientMatrix().apply(k, j)));
                scale = Math.max(scale, Math.abs(undisturbed.coefficientMatrix().apply(k, j)));
            }
        }
        assertTrue(coefficients <= 1e-6 * scale, rng + ": coefficients moved by " + coefficients / scale);
        awaitExecutors();
        // The replacement runs tasks like the others (each task long enough that one executor
        // cannot take all eight before the other is offered one).
        assertEquals(EXECUTORS, spark.range(0, 64, 1, 8).javaRDD()
                .map(i -> {
                    Thread.sleep(200);
                    return ManagementFactory.getRuntimeMXBean().getName();
                }).distinct().count());
        System.out.printf("%s: executor %s killed at job 8 of the fit; %d tasks failed, %d executors removed; "
                        + "iterations %d / %d, objective %.15g / %.15g, coefficients within %.1e%n", rng, killed.get(),
                failedTasks.get(), removed.get(), hd.length, hu.length, hd[hd.length - 1], hu[hu.length - 1],
                coefficients / scale);
    }

    /** SIGKILL to one executor JVM (a child of this one, started by a worker); returns its pid. */
    private static String killOneExecutor() {
        List<ProcessHandle> executors = new ArrayList<>();
        // The only Java processes this JVM starts are the workers' executors (their command lines,
        // a 20 KB class path first, are cut at 4 KB by the kernel: the class name is past the cut).
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("/java"))
                .forEach(executors::add);
        if (executors.isEmpty()) {
            return "";
        }
        ProcessHandle victim = executors.get(0);
        victim.destroyForcibly();
        return String.valueOf(victim.pid());
    }
}
