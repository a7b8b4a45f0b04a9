package org.softxent.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.Rng;

/** The GPU path on the simulated device, persistence, transform, and bad input answered clearly. */
class SparkContractTest {
    private static SparkSession spark;
    private static List<Row> digits;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestData.session();
        digits = SparkTestData.digits();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<Row> sample(Rng rng, int n) {
        List<Row> rows = new ArrayList<>();
        for (Row r : digits) {
            if (rng.nextDouble() < (double) n / digits.size()) {
                rows.add(r);
            }
        }
        return rows;
    }

    /** Digits' pixels are mostly 0: the same rows as sparse vectors get the same margins. */
    @Test
    void sparseFeaturesPredictAsDenseOnes() {
        Rng rng = Rng.fresh();
        List<Row> rows = sample(rng, 300);
        SoftxentLogisticRegressionModel model = new SoftxentLogisticRegression().setRegParam(0.1).setMaxIter(10)
                .fit(SparkTestData.frame(spark, rows, 2));
        List<Row> sparse = new ArrayList<>();
        for (Row r : rows) {
            sparse.add(RowFactory.create(r.get(0), r.get(1), ((Vector) r.get(2)).toSparse()));
        }
        // Straight from the lists (frame() repartitions, which would reorder the rows).
        List<Row> a = model.transform(spark.createDataFrame(rows, SparkTestData.SCHEMA)).select("rawPrediction")
                .collectAsList();
        List<Row> b = model.transform(spark.createDataFrame(sparse, SparkTestData.SCHEMA)).select("rawPrediction")
                .collectAsList();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(((Vector) a.get(i).get(0)).toArray(), ((Vector) b.get(i).get(0)).toArray(), 1e-12,
                    rng + ": row " + i);
        }
    }

    @Test
    void gpuPathOnTheSimulatedDeviceAgreesWithTheCpuPath() {
        Rng rng = Rng.fresh();
        Dataset<Row> train = SparkTestData.frame(spark, sample(rng, 300), 2);
        SoftxentLogisticRegression lr = new SoftxentLogisticRegression().setRegParam(0.05).setMaxIter(8).setBlockSize(64);
        SoftxentLogisticRegressionModel cpu = lr.copy(new org.apache.spark.ml.param.ParamMap()).setDevice("cpu").fit(train);
        SoftxentLogisticRegressionModel gpu = lr.setDevice("gpu").fit(train);
        List<String> engines = gpu.summary().engines();
        assertTrue(!engines.isEmpty() && engines.stream().noneMatch(e -> e.startsWith("CPU")),
                rng + ": device=gpu computed on " + engines);
        assertTrue(cpu.summary().engines().get(0).startsWith("CPU"), rng + ": " + cpu.summary().engines());
        double[] hc = cpu.summary().objectiveHistory();
        double[] hg = gpu.summary().objectiveHistory();
        double first = Math.abs(hc[0] - hg[0]) / hc[0];
        assertTrue(first < 1e-5, rng + ": initial objective GPU " + hg[0] + " vs CPU " + hc[0]);
        double last = Math.abs(hc[hc.length - 1] - hg[hg.length - 1]) / hc[hc.length - 1];
        assertTrue(last < 1e-4, rng + ": final objective GPU " + hg[hg.length - 1] + " vs CPU " + hc[hc.length - 1]);
        double coef = 0;
        double scale = 0;
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 64; j++) {
                coef = Math.max(coef, Math.abs(cpu.coefficientMatrix().apply(k, j) - gpu.coefficientMatrix().apply(k, j)));
                scale = Math.max(scale, Math.abs(cpu.coefficientMatrix().apply(k, j)));
            }
        }
        assertTrue(coef / scale < 1e-2, rng + ": coefficients GPU vs CPU differ by " + coef / scale);
    }

    @Test
    void saveLoadAndTransform(@TempDir Path dir) throws IOException {
        Rng rng = Rng.fresh();
        Dataset<Row> train = SparkTestData.frame(spark, sample(rng, 400), 2);
        SoftxentLogisticRegression lr = new SoftxentLogisticRegression().setRegParam(0.1).setMaxIter(15)
                .setLabelSmoothing(0.05).setProbabilityCol("p");
        SoftxentLogisticRegressionModel model = lr.fit(train);
        Dataset<Row> out = model.transform(train);
        for (String c : new String[] {"prediction", "p", "rawPrediction"}) {
            assertTrue(List.of(out.columns()).contains(c), rng + ": transform adds " + c);
        }
        String path = dir.resolve("model").toString();
        model.write().save(path);
        SoftxentLogisticRegressionModel loaded = SoftxentLogisticRegressionModel.load(path);
        assertEquals(model.uid(), loaded.uid(), rng.toString());
        assertEquals("p", loaded.getProbabilityCol(), rng + ": params saved");
        assertArrayEquals(model.coefficientMatrix().toArray(), loaded.coefficientMatrix().toArray(), 0.0, rng.toString());
        List<Row> a = out.select("prediction", "p").collectAsList();
        List<Row> b = loaded.transform(train).select("prediction", "p").collectAsList();
        assertEquals(a, b, rng + ": a loaded model predicts the same");

        String estimatorPath = dir.resolve("estimator").toString();
        lr.write().save(estimatorPath);
        SoftxentLogisticRegression back = SoftxentLogisticRegression.load(estimatorPath);
        assertEquals(0.05, back.getLabelSmoothing(), 0.0, rng.toString());
        assertEquals(0.1, back.getRegParam(), 0.0, rng.toString());

        // In a Pipeline, saved and loaded through Spark's own Pipeline persistence.
        org.apache.spark.ml.PipelineModel pipeline = new org.apache.spark.ml.Pipeline()
                .setStages(new org.apache.spark.ml.PipelineStage[] {lr}).fit(train);
        String pipelinePath = dir.resolve("pipeline").toString();
        pipeline.write().save(pipelinePath);
        // Against the same pipeline model before it was saved: a second fit need not give the same
        // bits, as treeAggregate adds the partitions' sums in the order their tasks finish.
        List<Row> before = pipeline.transform(train).select("prediction", "p").collectAsList();
        List<Row> c = org.apache.spark.ml.PipelineModel.load(pipelinePath).transform(train).select("prediction", "p")
                .collectAsList();
        assertEquals(before, c, rng + ": a pipeline model saved and loaded predicts the same");

        // The same model with its format version changed: refused, saying why.
        Path meta = Files.list(dir.resolve("model").resolve("metadata")).filter(p -> p.getFileName().toString()
                .startsWith("part-")).findFirst().orElseThrow();
        String json = Files.readString(meta, StandardCharsets.UTF_8);
        Files.writeString(meta, json.replace("\"formatVersion\":1", "\"formatVersion\":99"), StandardCharsets.UTF_8);
        Files.deleteIfExists(meta.resolveSibling("." + meta.getFileName() + ".crc")); // Hadoop's checksum of the old text
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoftxentLogisticRegressionModel.load(path));
        assertTrue(e.getMessage().contains("format version 99") && e.getMessage().contains("reads format version 1"),
                e.getMessage());
        // An MLlib model is not a softxent one.
        String mllibPath = dir.resolve("mllib").toString();
        new org.apache.spark.ml.classification.LogisticRegression().setMaxIter(2).fit(train).write().save(mllibPath);
        e = assertThrows(IllegalArgumentException.class, () -> SoftxentLogisticRegressionModel.load(mllibPath));
        assertTrue(e.getMessage().contains("not saved by softxent"), e.getMessage());
    }

    private static Dataset<Row> rows(double label, double weight, double... x) {
        return spark.createDataFrame(List.of(SparkTestData.row(label, weight, x), SparkTestData.row(0, 1, new double[x.length])),
                SparkTestData.SCHEMA);
    }

    private static String fails(Dataset<Row> data, SoftxentLogisticRegression lr) {
        return assertThrows(IllegalArgumentException.class, () -> lr.fit(data)).getMessage();
    }

    /** A line search stopped by float products' resolution is convergence only within tol. */
    @Test
    void aLineSearchStoppedAtFloatResolution() {
        String failed = "line search failed!";
        List<Double> flat = List.of(0.9, 0.8183, 0.81821136, 0.818211357, 0.818211357, 0.818211357);
        assertTrue(SoftxentLogisticRegression.atFloatResolution(failed, true, flat, 1e-6).startsWith("converged"));
        // Not within tol: the last change was 3.7e-9 relative.
        assertEquals(failed, SoftxentLogisticRegression.atFloatResolution(failed, true, flat, 1e-9));
        // The exact reference's line search failures stay failures, as do other reasons.
        assertEquals(failed, SoftxentLogisticRegression.atFloatResolution(failed, false, flat, 1e-6));
        assertEquals("max iterations", SoftxentLogisticRegression.atFloatResolution("max iterations", true, flat, 1e-6));
        // A fit whose first line search failed never moved: not convergence.
        assertEquals(failed, SoftxentLogisticRegression.atFloatResolution(failed, true, List.of(0.9, 0.9), 1e-6));
        List<Double> falling = List.of(0.9, 0.85, 0.83);
        assertEquals(failed, SoftxentLogisticRegression.atFloatResolution(failed, true, falling, 1e-6));
    }

    @Test
    void badInputIsAnsweredClearly() {
        SoftxentLogisticRegression lr = new SoftxentLogisticRegression().setMaxIter(2);
        String m = fails(rows(2.5, 1, 1, 2), lr);
        assertTrue(m.contains("labelCol 'label'") && m.contains("2.5") && m.contains("non-negative integer"), m);
        m = fails(rows(-1, 1, 1, 2), lr);
        assertTrue(m.contains("labelCol 'label'") && m.contains("-1.0"), m);
        m = fails(rows(1, 1, 1, Double.NaN), lr);
        assertTrue(m.contains("featuresCol 'features'") && m.contains("NaN"), m);
        m = fails(rows(1, -2, 1, 2), lr.copy(new org.apache.spark.ml.param.ParamMap()).setWeightCol("weight"));
        assertTrue(m.contains("weightCol 'weight'") && m.contains("-2.0"), m);
        m = fails(spark.createDataFrame(List.<Row>of(), SparkTestData.SCHEMA), lr);
        assertTrue(m.contains("empty data set"), m);
        m = fails(spark.createDataFrame(List.of(SparkTestData.row(1, 0, new double[] {1, 2}),
                SparkTestData.row(0, 0, new double[] {3, 4})), SparkTestData.SCHEMA),
                lr.copy(new org.apache.spark.ml.param.ParamMap()).setWeightCol("weight"));
        assertTrue(m.contains("empty data set") && m.contains("weightCol 'weight'"), m);

        StructType wrong = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, false),
            DataTypes.createStructField("features", DataTypes.StringType, false)});
        Dataset<Row> strings = spark.createDataFrame(List.of(RowFactory.create(1.0, "1,2")), wrong);
        m = fails(strings, lr);
        assertTrue(m.contains("features") && m.contains("StringType"), m);

        m = fails(rows(1, 1, 1, 2), lr.copy(new org.apache.spark.ml.param.ParamMap()).setClassWeights(new double[] {1, 2, 3}));
        assertTrue(m.contains("classWeights has 3 entries") && m.contains("2 classes"), m);
        m = fails(rows(4, 1, 1, 2), lr.copy(new org.apache.spark.ml.param.ParamMap()).setClassWeights(new double[] {1, 2}));
        assertTrue(m.contains("classWeights has 2 entries") && m.contains("labels up to 4"), m);
        assertThrows(IllegalArgumentException.class, () -> lr.setFamily("poisson"));
        // Through a ParamMap (as a grid sets it) the value keeps its case: accepted in any case.
        @SuppressWarnings("unchecked")
        org.apache.spark.ml.param.Param<Object> familyParam = (org.apache.spark.ml.param.Param<Object>) lr.getParam("family");
        SoftxentLogisticRegression mixed = lr.copy(new org.apache.spark.ml.param.ParamMap().put(familyParam, "MultiNomial"));
        assertEquals("multinomial", mixed.getFamily());
        assertThrows(IllegalArgumentException.class,
                () -> new org.apache.spark.ml.param.ParamMap().put(familyParam, "poisson"));
        m = fails(rows(1, 1, 1, 2), lr.copy(new org.apache.spark.ml.param.ParamMap()).setFamily("binomial")
                .setClassWeights(new double[] {1, 2}).setLabelSmoothing(0.1));
        assertTrue(m.contains("classWeights with labelSmoothing") && m.contains("binomial"), m);
        // precision = exact cannot apply to a GPU: refused before any work, not ignored.
        m = fails(rows(1, 1, 1, 2), lr.copy(new org.apache.spark.ml.param.ParamMap()).setDevice("gpu")
                .setPrecision("exact"));
        assertTrue(m.contains("precision = exact") && m.contains("device = gpu"), m);
        assertThrows(IllegalArgumentException.class, () -> lr.setPrecision("half"));
        // A weight column of words is refused as MLlib refuses it (by Spark's Predictor.fit, in its
        // words, now that the estimator is a HasWeightCol), not cast.
        StructType words = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, false),
            DataTypes.createStructField("weight", DataTypes.StringType, false),
            DataTypes.createStructField("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), false)});
        Dataset<Row> wordWeights = spark.createDataFrame(List.of(
                RowFactory.create(1.0, "3", org.apache.spark.ml.linalg.Vectors.dense(1, 2)),
                RowFactory.create(0.0, "1", org.apache.spark.ml.linalg.Vectors.dense(0, 0))), words);
        m = fails(wordWeights, lr.copy(new org.apache.spark.ml.param.ParamMap()).setWeightCol("weight"));
        assertTrue(m.contains("weight") && m.contains("numeric") && m.contains("string"), m);
        // A label past the class limit is named with the limit.
        m = fails(rows(2_000_000, 1, 1, 2), lr);
        assertTrue(m.contains("2000000") && m.contains(String.valueOf((1 << 20) - 1)), m);
        // A feature whose variance overflows a double would be 0 once standardised: refused.
        m = fails(spark.createDataFrame(List.of(SparkTestData.row(1, 1, new double[] {1e160, 2}),
                SparkTestData.row(0, 1, new double[] {-1e160, 3}), SparkTestData.row(0, 1, new double[] {0, 1})),
                SparkTestData.SCHEMA), lr);
        assertTrue(m.contains("feature 0") && m.contains("overflows"), m);
        // Weights whose squares overflow a double (Σw² is in the unbiased variance): refused, not
        // every std 0 and a fit of intercepts only.
        m = fails(spark.createDataFrame(List.of(SparkTestData.row(1, 1e200, new double[] {1, 2}),
                SparkTestData.row(0, 2e200, new double[] {3, 1}), SparkTestData.row(0, 1e200, new double[] {0, 1})),
                SparkTestData.SCHEMA), lr.copy(new org.apache.spark.ml.param.ParamMap()).setWeightCol("weight"));
        assertTrue(m.contains("weightCol 'weight'") && m.contains("squares overflow"), m);
    }

    /**
     * Every label the same class (2 of 3, multinomial, with an intercept): as MLlib, no training,
     * that class's intercept +∞, and every row predicted as it with probability 1, not NaN.
     */
    @Test
    void aSingleClassIsPredictedWithCertainty() {
        Rng rng = Rng.fresh();
        List<Row> data = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            data.add(SparkTestData.row(2, 1, new double[] {rng.normal(1, 1)[0], rng.normal(1, 1)[0]}));
        }
        SoftxentLogisticRegressionModel model = new SoftxentLogisticRegression().setFamily("multinomial")
                .fit(SparkTestData.frame(spark, data, 2));
        assertEquals(Double.POSITIVE_INFINITY, model.interceptVector().apply(2), 0.0, rng.toString());
        for (Row r : model.transform(SparkTestData.frame(spark, data, 2)).select("prediction", "probability")
                .collectAsList()) {
            assertEquals(2.0, r.getDouble(0), 0.0, rng + ": " + r);
            assertArrayEquals(new double[] {0, 0, 1}, ((org.apache.spark.ml.linalg.Vector) r.get(1)).toArray(), 0.0,
                    rng + ": " + r);
        }

        // With label smoothing the optimum is finite: trained, from a finite start, as the one class.
        List<Row> ones = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ones.add(SparkTestData.row(1, 1, new double[] {rng.normal(1, 1)[0], rng.normal(1, 1)[0]}));
        }
        SoftxentLogisticRegressionModel smoothed = new SoftxentLogisticRegression().setFamily("binomial")
                .setLabelSmoothing(0.1).setMaxIter(20).fit(SparkTestData.frame(spark, ones, 2));
        assertTrue(Double.isFinite(smoothed.intercept()) && smoothed.intercept() > 0, rng + ": " + smoothed.intercept());
        for (Row r : smoothed.transform(SparkTestData.frame(spark, ones, 2)).select("prediction").collectAsList()) {
            assertEquals(1.0, r.getDouble(0), 0.0, rng + ": " + r);
        }
        // Every label 0 (no metadata: one class seen), binomial by default, smoothed: the mirror image,
        // b = log(0.05 / 0.95) (it had thrown ArrayIndexOutOfBoundsException choosing its start).
        List<Row> zeros = new java.util.ArrayList<>();
        for (Row r : ones) {
            zeros.add(SparkTestData.row(0, 1, ((org.apache.spark.ml.linalg.Vector) r.get(2)).toArray()));
        }
        SoftxentLogisticRegressionModel none = new SoftxentLogisticRegression().setDevice("cpu").setLabelSmoothing(0.1)
                .fit(SparkTestData.frame(spark, zeros, 2));
        assertEquals(Math.log(0.05 / 0.95), none.intercept(), 1e-3, rng.toString());
        assertEquals(-smoothed.intercept(), none.intercept(), 1e-3, rng.toString());
    }

    /**
     * The estimator is a HasWeightCol, as MLlib's: OneVsRest hands it the weight column (it had
     * fitted unweighted, saying so only in its log), and its class-0 model is softxent's own
     * weighted fit of class 0 against the rest.
     */
    @Test
    void oneVsRestWeighsItsRows() {
        Rng rng = Rng.fresh();
        List<Row> rows = new ArrayList<>();
        for (Row r : sample(rng, 300)) {
            double label = Math.min(2, r.getDouble(0) % 3);
            rows.add(SparkTestData.row(label, 0.1 + 3 * rng.nextDouble(), ((Vector) r.get(2)).toArray()));
        }
        Dataset<Row> train = SparkTestData.frame(spark, rows, 2);
        SoftxentLogisticRegression base = new SoftxentLogisticRegression().setDevice("cpu").setPrecision("exact")
                .setRegParam(0.1).setMaxIter(30);
        org.apache.spark.ml.classification.OneVsRestModel weighted = new org.apache.spark.ml.classification.OneVsRest()
                .setClassifier(base).setWeightCol("weight").fit(train);
        List<Row> zeroVsRest = new ArrayList<>();
        for (Row r : rows) {
            zeroVsRest.add(SparkTestData.row(r.getDouble(0) == 0 ? 1 : 0, r.getDouble(1),
                    ((Vector) r.get(2)).toArray()));
        }
        SoftxentLogisticRegressionModel own = base.copy(new org.apache.spark.ml.param.ParamMap())
                .setWeightCol("weight").fit(SparkTestData.frame(spark, zeroVsRest, 2));
        org.apache.spark.ml.linalg.Vector got = ((SoftxentLogisticRegressionModel) weighted.models()[0]).coefficients();
        for (int j = 0; j < got.size(); j++) {
            assertEquals(own.coefficients().apply(j), got.apply(j), 1e-6 * (1 + Math.abs(own.coefficients().apply(j))),
                    rng + ": coefficient " + j);
        }
    }

    /**
     * MLlib's binomial threshold, for code written against its LogisticRegression: setThreshold(t)
     * predicts the positive class where p(1) > t, on the estimator and the model alike.
     */
    @Test
    void theBinomialThresholdPredictsAsMllibs() {
        Rng rng = Rng.fresh();
        List<Row> rows = new ArrayList<>();
        for (Row r : sample(rng, 200)) {
            rows.add(SparkTestData.row(r.getDouble(0) % 2, 1, ((Vector) r.get(2)).toArray()));
        }
        Dataset<Row> train = SparkTestData.frame(spark, rows, 2);
        double t = 0.2 + 0.6 * rng.nextDouble();
        SoftxentLogisticRegression lr = new SoftxentLogisticRegression().setDevice("cpu").setMaxIter(20);
        assertEquals(0.5, lr.getThreshold(), 0.0);
        SoftxentLogisticRegressionModel model = lr.setThreshold(t).fit(train);
        assertEquals(t, model.getThreshold(), 0.0, rng.toString()); // exactly the value set
        for (double exact : new double[] {0.95, 0.9, 0.1, 0.3, 1e-3, 0.0, 1.0}) {
            assertEquals(exact, new SoftxentLogisticRegression().setThreshold(exact).getThreshold(), 0.0);
        }
        int positive = 0;
        for (Row r : model.transform(train).select("probability", "prediction").collectAsList()) {
            double p1 = ((Vector) r.get(0)).apply(1);
            assertEquals(p1 > t ? 1.0 : 0.0, r.getDouble(1), 0.0, rng + ": p(1) = " + p1 + ", threshold " + t);
            positive += p1 > t ? 1 : 0;
        }
        assertTrue(positive > 0 && positive < rows.size(), rng + ": " + positive + " of " + rows.size());
        assertEquals(0.9, model.setThreshold(0.9).getThreshold(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> lr.setThreshold(1.5));
    }

    /** Thresholds of the wrong length are refused by fit, as MLlib's, not only by transform after it. */
    @Test
    void thresholdsOfTheWrongLengthAreRefusedByFit() {
        Rng rng = Rng.fresh();
        List<Row> rows = new ArrayList<>();
        for (Row r : sample(rng, 60)) {
            rows.add(SparkTestData.row(r.getDouble(0) % 2, 1, ((Vector) r.get(2)).toArray()));
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new SoftxentLogisticRegression().setDevice("cpu").setThresholds(new double[] {0.2, 0.3, 0.5})
                        .fit(SparkTestData.frame(spark, rows, 2)));
        assertTrue(e.getMessage().contains("thresholds has length 3") && e.getMessage().contains("2 classes"),
                e.getMessage());
    }

    @Test
    void classWeightsActAsInstanceWeights() {
        // Without label smoothing, class weights cw are instance weights cw[y] everywhere (statistics,
        // start, the mean's divisor): the same fit as weightCol = cw[label], to the float rounding of
        // the class weights softxent takes.
        Rng rng = Rng.fresh();
        double[] cw = new double[10];
        for (int k = 0; k < 10; k++) {
            cw[k] = 0.5 + 2 * rng.nextDouble();
        }
        List<Row> rows = new ArrayList<>();
        for (Row r : sample(rng, 500)) {
            rows.add(SparkTestData.row(r.getDouble(0), cw[(int) r.getDouble(0)], ((Vector) r.get(2)).toArray()));
        }
        Dataset<Row> train = SparkTestData.frame(spark, rows, 1);
        SoftxentLogisticRegression lr = new SoftxentLogisticRegression().setRegParam(0.05).setMaxIter(12)
                .setDevice("cpu").setPrecision("exact");
        SoftxentLogisticRegressionModel a = lr.copy(new org.apache.spark.ml.param.ParamMap()).setClassWeights(cw).fit(train);
        SoftxentLogisticRegressionModel b = lr.setWeightCol("weight").fit(train);
        double[] ha = a.summary().objectiveHistory();
        double[] hb = b.summary().objectiveHistory();
        assertEquals(hb.length, ha.length, rng + ": iterations");
        for (int i = 0; i < ha.length; i++) {
            assertEquals(hb[i], ha[i], 1e-6 * hb[i], rng + ": objective at iteration " + i);
        }
        double diff = 0;
        double scale = 0;
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 64; j++) {
                diff = Math.max(diff, Math.abs(a.coefficientMatrix().apply(k, j) - b.coefficientMatrix().apply(k, j)));
                scale = Math.max(scale, Math.abs(b.coefficientMatrix().apply(k, j)));
            }
        }
        assertTrue(diff / scale < 1e-3, rng + ": coefficients differ by " + diff / scale);
    }
}
