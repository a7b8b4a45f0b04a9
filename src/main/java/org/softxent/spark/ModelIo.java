package org.softxent.spark;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.softxent.Softxent;

/**
 * ML persistence, softxent's own format (version {@value #FORMAT_VERSION}): {@code path/metadata} one
 * line of JSON (the format, its version, the class, uid, the softxent and Spark versions and the set
 * params, each as Spark's Param.jsonEncode writes it); {@code path/data} (models only) one Parquet row:
 * numClasses, multinomial, interceptVector, coefficientMatrix. Loading checks the format and its
 * version first, so a model from another version is refused with a message saying which.
 */
final class ModelIo {
    static final String FORMAT = "softxent-spark";
    static final int FORMAT_VERSION = 1;

    private ModelIo() {
    }

    static String softxentVersion() {
        String v = Softxent.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    static final class Writer extends MLWriter {
        private final Params instance;
        private final SoftxentLogisticRegressionModel model;

        Writer(Params instance, SoftxentLogisticRegressionModel model) {
            this.instance = instance;
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            SparkSession spark = sparkSession();
            JsonObject meta = new JsonObject();
            meta.addProperty("format", FORMAT);
            meta.addProperty("formatVersion", FORMAT_VERSION);
            meta.addProperty("class", instance.getClass().getName());
            meta.addProperty("uid", instance.uid());
            meta.addProperty("softxentVersion", softxentVersion());
            meta.addProperty("sparkVersion", spark.version());
            meta.addProperty("timestamp", System.currentTimeMillis());
            JsonObject params = new JsonObject();
            for (Param<?> p : instance.params()) {
                if (instance.isSet(p)) {
                    params.add(p.name(), JsonParser.parseString(encode(p, instance.getOrDefault(p))));
                }
            }
            meta.add("paramMap", params);
            JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(meta.toString()), 1)
                    .saveAsTextFile(path + "/metadata");
            if (model != null) {
                StructType schema = new StructType(new StructField[] {
                    DataTypes.createStructField("numClasses", DataTypes.IntegerType, false),
                    DataTypes.createStructField("multinomial", DataTypes.BooleanType, false),
                    DataTypes.createStructField("interceptVector", SQLDataTypes.VectorType(), false),
                    DataTypes.createStructField("coefficientMatrix", SQLDataTypes.MatrixType(), false)});
                Row row = RowFactory.create(model.numClasses(), model.isMultinomial(), model.interceptVector(),
                        model.coefficientMatrix());
                spark.createDataFrame(List.of(row), schema).repartition(1).write().parquet(path + "/data");
            }
        }

        @SuppressWarnings("unchecked")
        private static String encode(Param<?> p, Object value) {
            return ((Param<Object>) p).jsonEncode(value);
        }
    }

    static final class ModelReader extends MLReader<SoftxentLogisticRegressionModel> {
        @Override
        public SoftxentLogisticRegressionModel load(String path) {
            SparkSession spark = sparkSession();
            JsonObject meta = metadata(spark, path, SoftxentLogisticRegressionModel.class);
            Row row = spark.read().parquet(path + "/data").first();
            SoftxentLogisticRegressionModel model = new SoftxentLogisticRegressionModel(meta.get("uid").getAsString(),
                    (Matrix) row.getAs("coefficientMatrix"), (Vector) row.getAs("interceptVector"),
                    row.<Integer>getAs("numClasses"), row.<Boolean>getAs("multinomial"));
            setParams(model, meta, path);
            return model;
        }
    }

    static final class EstimatorReader extends MLReader<SoftxentLogisticRegression> {
        @Override
        public SoftxentLogisticRegression load(String path) {
            JsonObject meta = metadata(sparkSession(), path, SoftxentLogisticRegression.class);
            SoftxentLogisticRegression estimator = new SoftxentLogisticRegression(meta.get("uid").getAsString());
            setParams(estimator, meta, path);
            return estimator;
        }
    }

    /** Reads and checks the metadata: softxent's format, a version this code reads, the expected class. */
    static JsonObject metadata(SparkSession spark, String path, Class<?> expected) {
        String line = spark.read().text(path + "/metadata").first().getString(0);
        JsonObject meta;
        try {
            meta = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load " + path + ": its metadata is not JSON: " + e.getMessage(), e);
        }
        if (!meta.has("format") || !FORMAT.equals(meta.get("format").getAsString())) {
            throw new IllegalArgumentException("cannot load " + path + ": it was not saved by softxent (class "
                    + (meta.has("class") ? meta.get("class").getAsString() : "unknown") + ", no '" + FORMAT
                    + "' format in its metadata)");
        }
        int version = meta.has("formatVersion") ? meta.get("formatVersion").getAsInt() : -1;
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("cannot load " + path + ": it was saved in " + FORMAT + " format version "
                    + version + " (by softxent " + (meta.has("softxentVersion") ? meta.get("softxentVersion").getAsString()
                    : "unknown") + "); this softxent (" + softxentVersion() + ") reads format version " + FORMAT_VERSION
                    + " only");
        }
        String cls = meta.get("class").getAsString();
        if (!expected.getName().equals(cls)) {
            throw new IllegalArgumentException("cannot load " + path + " as " + expected.getSimpleName() + ": it holds a "
                    + cls);
        }
        return meta;
    }

    @SuppressWarnings("unchecked")
    private static void setParams(Params instance, JsonObject meta, String path) {
        for (Map.Entry<String, JsonElement> e : meta.getAsJsonObject("paramMap").entrySet()) {
            if (!instance.hasParam(e.getKey())) {
                throw new IllegalArgumentException("cannot load " + path + ": it sets the param '" + e.getKey()
                        + "', which " + instance.getClass().getSimpleName() + " does not have");
            }
            Param<Object> p = (Param<Object>) instance.getParam(e.getKey());
            instance.set(p, p.jsonDecode(e.getValue().toString()));
        }
    }
}
