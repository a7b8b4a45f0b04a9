package org.softxent.spark;

import breeze.linalg.DenseVector;
import breeze.optimize.FirstOrderMinimizer;
import breeze.optimize.LBFGS;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.shared.HasWeightCol;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Multinomial (and binomial) logistic regression for Spark ML, with softxent computing each
 * partition block's loss and gradients, on the executor's GPU when Spark gives the task one, and
 * Breeze's L-BFGS stepping on the driver.
 *
 * <p>The objective is MLlib's {@code LogisticRegression} with {@code elasticNetParam = 0}:
 * (1/Σwᵢ)·Σ wᵢ·CEᵢ + ½·regParam·‖β‖², trained on features scaled by 1/std (centred through the
 * intercept when it is fitted), the penalty on the standardised coefficients when
 * {@code standardization} is true and on the original-space ones when false, intercepts never
 * penalised; coefficients are returned in the original space and, for the multinomial family, the
 * intercepts centred. A feature of standard deviation 0 gets the coefficient 0.
 *
 * <p>Extras from softxent: {@code classWeights} (everywhere, the feature statistics and the start
 * included, the row weight becomes wᵢ·cw_{yᵢ} and the mean divides by Σ wᵢ·cw_{yᵢ}: without label
 * smoothing the fit is the one of weightCol = wᵢ·cw_{yᵢ}; with label smoothing, the multinomial family
 * applies them as PyTorch's weighted, smoothed cross-entropy does, through softxent) and {@code labelSmoothing} (PyTorch's; for the binomial family the target becomes
 * y·(1 − ε) + ε/2, the same thing for two classes). {@code device}: auto, cpu or gpu.
 * {@code precision}, for CPU executors: float (the default: softxent's CPU engine, float products;
 * at MLlib's default tolerance it converges in as many iterations as MLlib, to an objective within
 * 7e-10 of MLlib's on a 1e6 × 256 × 20 set, 1.8-3× faster to convergence there) or exact (softxent's double reference, MLlib's own
 * numerics to about 1e-9 at any tolerance, and slower than MLlib). The README gives the figures.
 */
public class SoftxentLogisticRegression
        extends ProbabilisticClassifier<Vector, SoftxentLogisticRegression, SoftxentLogisticRegressionModel>
        implements MLWritable, HasWeightCol {
    private static final long serialVersionUID = 1L;
    /** The most bytes of features one packed block holds. */
    private static final long BLOCK_BYTES = 64L << 20;

    private final String uid;
    private final DoubleParam regParam;
    private final IntParam maxIter;
    private final DoubleParam tol;
    private final BooleanParam fitIntercept;
    private final BooleanParam standardization;
    private final Param<String> family;
    private final Param<String> weightCol;
    private final DoubleArrayParam classWeights;
    private final DoubleParam labelSmoothing;
    private final Param<String> device;
    private final Param<String> precision;
    private final IntParam blockSize;
    private final IntParam aggregationDepth;

    public SoftxentLogisticRegression() {
        this(Identifiable$.MODULE$.randomUID("softxentLogreg"));
    }

    public SoftxentLogisticRegression(String uid) {
        this(Uids.enter(uid), true);
    }

    private SoftxentLogisticRegression(String uid, boolean entered) {
        super();
        this.uid = uid;
        Uids.leave();
        regParam = new DoubleParam(this, "regParam", "L2 regularisation parameter (>= 0)",
                ParamValidators.gtEq(0.0));
        maxIter = new IntParam(this, "maxIter", "maximum number of L-BFGS iterations (>= 0)",
                ParamValidators.gtEq(0.0));
        tol = new DoubleParam(this, "tol", "convergence tolerance of L-BFGS (>= 0)", ParamValidators.gtEq(0.0));
        fitIntercept = new BooleanParam(this, "fitIntercept", "whether to fit an intercept term");
        standardization = new BooleanParam(this, "standardization",
                "whether to standardise the features before penalising the coefficients (as MLlib)");
        family = new Param<>(this, "family", "auto, binomial or multinomial (as MLlib)",
                oneOf("auto", "binomial", "multinomial"));
        weightCol = new Param<>(this, "weightCol", "instance weight column (non-negative); unset: all 1");
        classWeights = new DoubleArrayParam(this, "classWeights",
                "softxent extra: a positive weight per class, multiplying each row's weight");
        labelSmoothing = new DoubleParam(this, "labelSmoothing", "softxent extra: label smoothing in [0, 1)",
                ParamValidators.inRange(0.0, 1.0, true, false));
        device = new Param<>(this, "device",
                "auto (the GPU Spark assigns the task, else the CPU), cpu, or gpu (the task's GPU, else any "
                        + "GPU softxent finds; fails without one)",
                oneOf("auto", "cpu", "gpu"));
        precision = new Param<>(this, "precision",
                "on CPU executors: float (the default: softxent's CPU engine, float products as on a GPU, the "
                        + "softmax and loss in double) or exact (softxent's double reference, MLlib's own numerics, "
                        + "slower); a GPU always computes in float",
                oneOf("exact", "float"));
        blockSize = new IntParam(this, "blockSize", "rows per packed block (> 0)", ParamValidators.gt(0.0));
        aggregationDepth = new IntParam(this, "aggregationDepth", "depth of treeAggregate (>= 2)",
                ParamValidators.gtEq(2.0));
        setDefault(regParam, 0.0);
        setDefault(maxIter, 100);
        setDefault(tol, 1e-6);
        setDefault(fitIntercept, true);
        setDefault(standardization, true);
        setDefault(family, "auto");
        setDefault(labelSmoothing, 0.0);
        setDefault(device, "auto");
        setDefault(precision, "float");
        setDefault(blockSize, 4096);
        setDefault(aggregationDepth, 2);
    }

    @Override
    public String uid() {
        return uid != null ? uid : Uids.constructing();
    }

    // ---------------------------------------------------------------------------------------------
    // Params

    public DoubleParam regParam() { return regParam; }
    public IntParam maxIter() { return maxIter; }
    public DoubleParam tol() { return tol; }
    public BooleanParam fitIntercept() { return fitIntercept; }
    public BooleanParam standardization() { return standardization; }
    public Param<String> family() { return family; }
    public Param<String> weightCol() { return weightCol; }

    /**
     * HasWeightCol (Spark's shared param, which OneVsRest, Predictor.fit and the tuning tools look
     * for before they hand an estimator a weight column: without it OneVsRest fitted unweighted,
     * with only a warning in its log) creates its param through this setter; the estimator keeps
     * the one it made, of the same name, so this is never called.
     */
    @Override
    public void org$apache$spark$ml$param$shared$HasWeightCol$_setter_$weightCol_$eq(Param<String> param) {
        // the param is weightCol, created in the constructor
    }
    public DoubleArrayParam classWeights() { return classWeights; }
    public DoubleParam labelSmoothing() { return labelSmoothing; }
    public Param<String> device() { return device; }
    public Param<String> precision() { return precision; }
    public IntParam blockSize() { return blockSize; }
    public IntParam aggregationDepth() { return aggregationDepth; }

    public double getRegParam() { return (Double) getOrDefault(regParam); }
    public int getMaxIter() { return (Integer) getOrDefault(maxIter); }
    public double getTol() { return (Double) getOrDefault(tol); }
    public boolean getFitIntercept() { return (Boolean) getOrDefault(fitIntercept); }
    public boolean getStandardization() { return (Boolean) getOrDefault(standardization); }
    /**
     * A validator accepting {@code values} in any case, as MLlib's family param does (a value set
     * through a ParamMap or a grid does not pass through the lower-casing setters).
     */
    private static scala.Function1<String, Object> oneOf(String... values) {
        java.util.Set<String> accepted = java.util.Set.of(values);
        return (scala.Function1<String, Object> & java.io.Serializable)
                v -> v != null && accepted.contains(v.toLowerCase(Locale.ROOT));
    }

    public String getFamily() { return getOrDefault(family).toLowerCase(Locale.ROOT); }
    public String getWeightCol() { return getOrDefault(weightCol); }
    public double[] getClassWeights() { return getOrDefault(classWeights); }
    public double getLabelSmoothing() { return (Double) getOrDefault(labelSmoothing); }
    public String getDevice() { return getOrDefault(device).toLowerCase(Locale.ROOT); }
    public String getPrecision() { return getOrDefault(precision).toLowerCase(Locale.ROOT); }
    public int getBlockSize() { return (Integer) getOrDefault(blockSize); }
    public int getAggregationDepth() { return (Integer) getOrDefault(aggregationDepth); }

    public SoftxentLogisticRegression setRegParam(double value) { set(regParam, value); return this; }
    public SoftxentLogisticRegression setMaxIter(int value) { set(maxIter, value); return this; }
    public SoftxentLogisticRegression setTol(double value) { set(tol, value); return this; }
    public SoftxentLogisticRegression setFitIntercept(boolean value) { set(fitIntercept, value); return this; }
    public SoftxentLogisticRegression setStandardization(boolean value) { set(standardization, value); return this; }
    public SoftxentLogisticRegression setFamily(String value) { set(family, value.toLowerCase(Locale.ROOT)); return this; }
    public SoftxentLogisticRegression setWeightCol(String value) { set(weightCol, value); return this; }

    /**
     * MLlib's binomial threshold t, for code written against its LogisticRegression: a row is
     * predicted positive when p(1) > t. Sets thresholds to [1 − t, t], which predict the same.
     */
    public SoftxentLogisticRegression setThreshold(double value) {
        return setThresholds(Thresholds.of(value));
    }

    /** The binomial threshold as MLlib gives it: 1 / (1 + t₀ / t₁) from thresholds [t₀, t₁], 0.5 when unset. */
    public double getThreshold() {
        return Thresholds.threshold(isDefined(thresholds()) ? getThresholds() : null);
    }
    public SoftxentLogisticRegression setClassWeights(double[] value) { set(classWeights, value); return this; }
    public SoftxentLogisticRegression setLabelSmoothing(double value) { set(labelSmoothing, value); return this; }
    public SoftxentLogisticRegression setDevice(String value) { set(device, value.toLowerCase(Locale.ROOT)); return this; }
    public SoftxentLogisticRegression setPrecision(String value) { set(precision, value.toLowerCase(Locale.ROOT)); return this; }
    public SoftxentLogisticRegression setBlockSize(int value) { set(blockSize, value); return this; }
    public SoftxentLogisticRegression setAggregationDepth(int value) { set(aggregationDepth, value); return this; }

    @Override
    public SoftxentLogisticRegression copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new ModelIo.Writer(this, null);
    }

    public static SoftxentLogisticRegression load(String path) {
        return read().load(path);
    }

    /** The reader (Spark's Pipeline persistence finds a stage's reader by this static method). */
    public static org.apache.spark.ml.util.MLReader<SoftxentLogisticRegression> read() {
        return new ModelIo.EstimatorReader();
    }

    // ---------------------------------------------------------------------------------------------
    // Training

    @Override
    public SoftxentLogisticRegressionModel train(Dataset<?> dataset) {
        if (getDevice().equals("gpu") && isSet(precision) && getPrecision().equals("exact")) {
            throw new IllegalArgumentException("precision = exact applies to CPU executors, and device = gpu computes "
                    + "in float on GPUs only: set device to cpu or auto, or leave precision unset");
        }
        String labelName = getLabelCol();
        String featuresName = getFeaturesCol();
        if (isDefined(weightCol) && !getWeightCol().isEmpty()) {
            // As MLlib's estimators check theirs: a column of words or booleans cast to numbers
            // would weigh rows by whatever the cast makes of them. (Through fit, Spark's
            // Predictor checks it first, the estimator being a HasWeightCol; this serves a direct
            // call of train, which is public.)
            org.apache.spark.sql.types.DataType type = dataset.schema().apply(getWeightCol()).dataType();
            if (!(type instanceof org.apache.spark.sql.types.NumericType)) {
                throw new IllegalArgumentException("weightCol '" + getWeightCol() + "' must be of a numeric type, "
                        + "but it is of type " + type.simpleString());
            }
        }
        Column weight = isDefined(weightCol) && !getWeightCol().isEmpty()
                ? dataset.col(getWeightCol()).cast(DataTypes.DoubleType)
                : org.apache.spark.sql.functions.lit(1.0);
        Dataset<Row> selected = dataset.select(dataset.col(labelName).cast(DataTypes.DoubleType), weight,
                dataset.col(featuresName));
        // The rows are read twice (the statistics, then the packing); an input Spark would compute
        // afresh (a sample, a random split, a UDF) could differ between the two reads.
        boolean cacheInput = dataset.storageLevel().equals(StorageLevel.NONE());
        if (cacheInput) {
            selected = selected.persist(StorageLevel.MEMORY_AND_DISK());
        }
        try {
            return train(dataset, selected, labelName, featuresName);
        } catch (Exception e) { // SparkException too: checked in Scala's eyes, unchecked in Java's
            // A GPU an executor could not use fails its tasks; Spark reports that as a stage failure
            // several wrappers deep. Say it on the driver, with what to do.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.softxent.DeviceException || t instanceof org.softxent.DeviceUnavailableException) {
                    throw new IllegalStateException("softxent could not compute on an executor's GPU (device = "
                            + getDevice() + "): " + t.getMessage() + ". Set device to cpu, or check that Spark's GPU"
                            + " discovery script names CUDA ordinals as the executor sees them", e);
                }
            }
            throw e;
        } finally {
            if (cacheInput) {
                selected.unpersist();
            }
        }
    }

    private SoftxentLogisticRegressionModel train(Dataset<?> dataset, Dataset<Row> selected, String labelName,
                                                  String featuresName) {
        JavaRDD<Row> rows = selected.toJavaRDD();
        int depth = getAggregationDepth();

        double[] givenClassWeights = isDefined(classWeights) ? getClassWeights() : null;
        Stats stats = rows.treeAggregate(new Stats(givenClassWeights), (s, r) -> s.add(
                r.isNullAt(0) ? null : r.getDouble(0), r.isNullAt(1) ? null : r.getDouble(1),
                r.isNullAt(2) ? null : ((Vector) r.get(2)).toArray()), Stats::merge, depth);
        String weightName = isDefined(weightCol) && !getWeightCol().isEmpty() ? getWeightCol() : null;
        validate(stats, labelName, featuresName, weightName);
        if (stats.beyondClassWeights > 0) {
            throw new IllegalArgumentException("classWeights has " + givenClassWeights.length + " entries but labelCol '"
                    + labelName + "' has labels up to " + (long) stats.largestLabel);
        }

        int declared = metadataClasses(dataset, labelName);
        if (declared > 0 && declared < stats.histogram.length) {
            throw new IllegalArgumentException("labelCol '" + labelName + "' metadata declares " + declared
                    + " classes, but the data has labels up to " + (stats.histogram.length - 1));
        }
        int numClasses = Math.max(stats.histogram.length, declared);
        boolean multinomial = multinomial(numClasses);
        int features = stats.features;
        int outputs = multinomial ? numClasses : 1;
        if (isDefined(thresholds()) && getThresholds().length != (multinomial ? numClasses : 2)) {
            // As MLlib, before the fit: the model's transform would refuse them only after it.
            throw new IllegalArgumentException("thresholds has length " + getThresholds().length
                    + (getThresholds().length == 2 ? " (as setThreshold makes them, for two classes)" : "")
                    + ", but the model has " + (multinomial ? numClasses : 2) + " classes (labelCol '" + labelName
                    + "'" + (multinomial ? "" : ", binomial") + "): give one threshold per class (setThresholds), "
                    + "or none");
        }
        if (!multinomial && isDefined(classWeights) && getLabelSmoothing() > 0) {
            // Folded into the row weights, class weights would weight a smoothed binomial target as
            // a whole, not its two parts as PyTorch's weighted, smoothed cross-entropy does.
            throw new IllegalArgumentException("classWeights with labelSmoothing > 0 is not supported for the binomial"
                    + " family: set family to multinomial, or drop one of them");
        }
        double[] histogram = java.util.Arrays.copyOf(stats.histogram, numClasses);
        float[] cw = classWeights(numClasses);
        boolean fit = getFitIntercept();

        long constant = java.util.Arrays.stream(histogram).filter(h -> h != 0).count();
        if (!Double.isFinite(stats.weightSum) || !Double.isFinite(stats.weightSquareSum)) {
            // Σw² is in the unbiased variance's divisor: infinite, it would make every std 0 and
            // every feature vanish from the fit.
            boolean sum = !Double.isFinite(stats.weightSum);
            String who = weightName == null ? "classWeights" : "weightCol '" + weightName + "'"
                    + (givenClassWeights != null ? " (times classWeights)" : "");
            throw new IllegalArgumentException(who + ": the weights' " + (sum ? "sum" : "squares")
                    + " overflow a double (" + (sum ? "weights summing past about 1.8e308" : "weights of about 1e154 "
                    + "and more") + "): divide them by a common factor (the fit does not change)");
        }
        if (fit && constant == 1 && getLabelSmoothing() == 0) {
            return constantModel(numClasses, multinomial, features, histogram);
        }

        double[] mean = stats.mean;
        double[] std = stats.std();
        for (int j = 0; j < features; j++) {
            if (!Double.isFinite(std[j]) || !Double.isFinite(mean[j])) {
                // Its variance overflowed a double (values near 1e155 and beyond): standardised, the
                // feature would be 0 in every row, and the model would silently ignore it.
                throw new IllegalArgumentException("featuresCol '" + featuresName + "': feature " + j + "'s "
                        + (Double.isFinite(mean[j]) ? "variance" : "mean") + " overflows a double (its values, "
                        + "weighted, reach beyond about 1e154): scale the feature" + (weightName != null
                        ? " or the weights" : "") + " down");
            }
        }
        double[] inverseStd = new double[features];
        for (int j = 0; j < features; j++) {
            inverseStd[j] = std[j] != 0 ? 1.0 / std[j] : 0.0;
        }
        // The weighted mean of the loss divides by Σ wᵢ, or Σ wᵢ·cw_{yᵢ} with class weights (the
        // histogram and the feature statistics already include them).
        double weightTotal = 0;
        for (int k = 0; k < numClasses; k++) {
            weightTotal += histogram[k];
        }
        final double normaliser = weightTotal;
        if (!(normaliser > 0)) {
            throw new IllegalArgumentException("the weights (weightCol and classWeights) sum to " + normaliser
                    + " over the training rows; nothing to train on");
        }

        int size;
        try {
            size = Math.addExact(Math.multiplyExact(features, outputs), fit ? outputs : 0);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("featuresCol '" + featuresName + "' has " + features + " features and "
                    + outputs + " outputs: more coefficients than one Java array holds");
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        // Rows per block: blockSize, or fewer so that a block's features stay within 64 MiB (as
        // MLlib's maxBlockSizeInMB bounds its blocks); sparse vectors are made dense here.
        int blockRows = (int) Math.max(1, Math.min(getBlockSize(), BLOCK_BYTES / (4L * Math.max(1, features))));
        // Rows' weights over their mean (MLlib's fit is the same for any common factor of them).
        double weightScale = stats.weightSum / stats.count;
        if (!(weightScale > 0 && Double.isFinite(weightScale))) {
            weightScale = 1;
        }
        final double perRow = weightScale;
        Setup setup = new Setup(features, outputs, multinomial, fit, mean, inverseStd, cw,
                getLabelSmoothing(), getDevice(), getPrecision(), blockRows, weightScale);
        double[] scaledMean = setup.scaledMean;
        Broadcast<Setup> setupCast = jsc.broadcast(setup);
        JavaRDD<Block> blocks = rows.mapPartitions(it -> Block.pack(it, setupCast.value()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        blocks.setName(uid() + ": softxent training blocks");

        double[] initial = new double[size];
        if (fit && multinomial) {
            // MLlib's start: intercepts log(1 + count_k), centred (the coefficients are 0, so the
            // centring of the features changes nothing).
            double sum = 0;
            for (int k = 0; k < numClasses; k++) {
                initial[features * outputs + k] = Math.log1p(histogram[k]);
                sum += initial[features * outputs + k];
            }
            for (int k = 0; k < numClasses; k++) {
                initial[features * outputs + k] -= sum / numClasses;
            }
        } else if (fit && histogram.length > 1 && histogram[0] > 0 && histogram[1] > 0) {
            initial[features] = Math.log(histogram[1] / histogram[0]);
        }  // one class only (with label smoothing, which makes the optimum finite): start at 0

        double reg = getRegParam();
        boolean standardize = getStandardization();
        TreeSet<String> engines = new TreeSet<>();
        int[] evaluations = {0};
        double[][] cache = {null, null};
        double[][] offset = {null}; // without an intercept: the offsets c·θ of the evaluation, in double
        breeze.optimize.DiffFunction<DenseVector<Object>> objective = BreezeFunctions.of(v -> {
            double[] theta = BreezeFunctions.values(v);
            if (cache[0] != null && java.util.Arrays.equals(cache[0], theta)) {
                return new Tuple2<>(cache[1][size], new DenseVector<Object>(java.util.Arrays.copyOf(cache[1], size)));
            }
            float[] w = new float[features * outputs];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            float[] b = null;
            if (fit) {
                b = new float[outputs];
                for (int k = 0; k < outputs; k++) {
                    b[k] = (float) theta[features * outputs + k];
                }
            } else {
                // The offsets c·θ that undo the rows' centring, from θ in double (c·w̃ would carry
                // w's float rounding times a mean perhaps far from 0), less their mean over the
                // classes for softmax, which it does not change (so that floats hold them closely).
                double[] offsets = new double[outputs];
                for (int j = 0; j < features; j++) {
                    for (int k = 0; k < outputs; k++) {
                        offsets[k] += scaledMean[j] * theta[j * outputs + k];
                    }
                }
                double common = 0;
                if (multinomial) {
                    for (double o : offsets) {
                        common += o / outputs;
                    }
                }
                b = new float[outputs];
                for (int k = 0; k < outputs; k++) {
                    offsets[k] -= common;
                    b[k] = (float) offsets[k];
                }
                offset[0] = offsets;
            }
            Broadcast<float[][]> coefficients = jsc.broadcast(new float[][] {w, b});
            GradientSum sum;
            try {
                sum = blocks.treeAggregate(new GradientSum(size),
                        (g, block) -> g.add(block, setupCast.value(), coefficients.value()[0], coefficients.value()[1]),
                        GradientSum::merge, depth);
            } finally {
                coefficients.destroy();
            }
            evaluations[0]++;
            engines.addAll(sum.engines);
            double total = normaliser / perRow; // the rows' weights, over their mean as packed
            double loss = sum.loss / total;
            double[] grad = new double[size + 1];
            for (int i = 0; i < size && sum.gradient != null; i++) {
                grad[i] = sum.gradient[i] / total;
            }
            // softxent computed at θ rounded to float (θ̃). Report f(θ̃) + ∇f(θ̃)·(θ − θ̃), wrong only
            // in the second order of the rounding, so that the objective L-BFGS sees does not move in
            // steps of float resolution (which would end its line search early). Without an
            // intercept the rows were centred and w̃ met only x̂: the term is x̂ᵀ·dS's, not dW's.
            for (int i = 0; i < w.length; i++) {
                double g = grad[i];
                if (scaledMean != null && sum.columns != null) {
                    g -= scaledMean[i / outputs] * sum.columns[i % outputs] / total;
                }
                loss += g * (theta[i] - (double) w[i]);
            }
            if (fit) {
                for (int k = 0; k < outputs; k++) {
                    loss += grad[features * outputs + k] * (theta[features * outputs + k] - (double) b[k]);
                }
            } else if (sum.columns != null) { // the offsets' rounding likewise: ∂loss/∂offset_k = Σᵢ dSᵢₖ
                for (int k = 0; k < outputs; k++) {
                    loss += sum.columns[k] / total * (offset[0][k] - (double) b[k]);
                }
            }
            // MLlib's L2 term, on the coefficients only: ½·λ·Σβ'² on the standardised ones, or
            // ½·λ·Σ(β'/std)² (the original-space coefficients) without standardisation.
            double penalty = 0;
            if (reg != 0) {
                for (int j = 0; j < features; j++) {
                    double scale = standardize ? 1.0 : (std[j] != 0 ? 1.0 / (std[j] * std[j]) : 0.0);
                    for (int k = 0; k < outputs; k++) {
                        double beta = theta[j * outputs + k];
                        penalty += beta * beta * scale;
                        grad[j * outputs + k] += reg * beta * scale;
                    }
                }
            }
            loss += 0.5 * reg * penalty;
            grad[size] = loss;
            cache[0] = theta.clone();
            cache[1] = grad;
            return new Tuple2<>(loss, new DenseVector<Object>(java.util.Arrays.copyOf(grad, size)));
        });

        LBFGS<DenseVector<Object>> lbfgs = new LBFGS<>(getMaxIter(), 10, getTol(),
                breeze.linalg.DenseVector$.MODULE$.space_Double());
        List<Double> history = new ArrayList<>();
        FirstOrderMinimizer.State<?, ?, ?> state = null;
        long start = System.nanoTime();
        try {
            scala.collection.Iterator<?> states = lbfgs.iterations(objective, new DenseVector<Object>(initial));
            while (states.hasNext()) {
                state = (FirstOrderMinimizer.State<?, ?, ?>) states.next();
                history.add(state.adjustedValue());
            }
        } finally {
            blocks.unpersist(false);
            setupCast.destroy();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (state == null) {
            throw new IllegalStateException("L-BFGS returned no state");
        }
        @SuppressWarnings("unchecked")
        double[] solution = BreezeFunctions.values((DenseVector<Object>) state.x()).clone();
        String reason = state.convergenceReason().isDefined() ? state.convergenceReason().get().reason() : "none";
        boolean floatProducts = engines.stream().anyMatch(e -> !e.startsWith("CPU reference"));
        reason = atFloatResolution(reason, floatProducts, history, getTol());

        // Back to the original space: β = β'/std (0 for a constant feature); with the intercept the
        // features were centred, so b = b' − Σ_j β'_j·mean_j/std_j.
        int sets = outputs;
        double[] coefficients = new double[sets * features]; // [sets, features] row-major
        double[] intercepts = new double[sets];
        for (int k = 0; k < sets; k++) {
            double shift = 0;
            for (int j = 0; j < features; j++) {
                double scaled = solution[j * outputs + k];
                coefficients[k * features + j] = scaled * inverseStd[j];
                shift += scaled * inverseStd[j] * mean[j];
            }
            intercepts[k] = fit ? solution[features * outputs + k] - shift : 0.0;
        }
        if (multinomial && reg == 0) {
            // Without a penalty the multinomial coefficients are defined up to a constant per
            // feature: centre them across the classes, as MLlib does.
            for (int j = 0; j < features; j++) {
                double c = 0;
                for (int k = 0; k < sets; k++) {
                    c += coefficients[k * features + j];
                }
                c /= sets;
                for (int k = 0; k < sets; k++) {
                    coefficients[k * features + j] -= c;
                }
            }
        }
        if (multinomial && fit) {
            double c = java.util.Arrays.stream(intercepts).sum() / sets;
            for (int k = 0; k < sets; k++) {
                intercepts[k] -= c;
            }
        }
        double[] objectiveHistory = history.stream().mapToDouble(Double::doubleValue).toArray();
        SoftxentLogisticRegressionModel model = new SoftxentLogisticRegressionModel(uid(),
                new DenseMatrix(sets, features, coefficients, true), Vectors.dense(intercepts),
                multinomial ? numClasses : 2, multinomial);
        model.setSummary(new SoftxentTrainingSummary(objectiveHistory, reason, new ArrayList<>(engines),
                evaluations[0], seconds));
        return model;
    }

    /**
     * Breeze's reason, unless its line search failed only because float products cannot resolve a
     * smaller step. With W rounded to float for the products, the objective is a step function of
     * the coefficients at about 1e-9 relative (the logits' rounding, averaged over the rows); once
     * L-BFGS is that close to the optimum its line search sees no decrease and gives up, though the
     * fit is as converged as its tolerance asks. Such a stop is reported as convergence when the
     * objective's last change was within {@code tol} (relative), as a failure otherwise.
     */
    static String atFloatResolution(String reason, boolean floatProducts, List<Double> history, double tol) {
        if (!floatProducts || !reason.contains("line search") || history.size() < 2) {
            return reason;
        }
        double last = history.get(history.size() - 1);
        int i = history.size() - 2;
        while (i > 0 && history.get(i) == last) {
            i--; // The failed searches return the point they started from: find the last change.
        }
        if (history.get(i) == last) {
            return reason; // the objective never moved: not a fit that converged
        }
        double change = Math.abs(history.get(i) - last) / Math.max(Math.abs(last), 1e-300);
        return change <= tol
                ? "converged: the objective's last change (" + String.format(Locale.ROOT, "%.1e", change)
                        + " relative) within tol, where float products resolve no smaller step"
                : reason;
    }

    private boolean multinomial(int numClasses) {
        switch (getFamily()) {
            case "binomial":
                if (numClasses > 2) {
                    throw new IllegalArgumentException("family binomial needs labels 0 and 1, but labelCol '"
                            + getLabelCol() + "' has " + numClasses + " classes; use family multinomial or auto");
                }
                return false;
            case "multinomial":
                return true;
            default:
                return numClasses > 2;
        }
    }

    private float[] classWeights(int numClasses) {
        if (!isDefined(classWeights)) {
            return null;
        }
        double[] given = getClassWeights();
        if (given.length != numClasses) {
            throw new IllegalArgumentException("classWeights has " + given.length + " entries but labelCol '"
                    + getLabelCol() + "' has " + numClasses + " classes");
        }
        float[] cw = new float[numClasses];
        for (int k = 0; k < numClasses; k++) {
            if (!(given[k] > 0) || Double.isInfinite(given[k])) {
                throw new IllegalArgumentException("classWeights[" + k + "] = " + given[k]
                        + "; class weights must be finite and positive");
            }
            cw[k] = (float) given[k];
        }
        return cw;
    }

    private static void validate(Stats s, String label, String features, String weight) {
        if (s.badFeatures > 0) {
            throw new IllegalArgumentException("featuresCol '" + features + "': " + s.badFeatures
                    + " row(s) with a NaN, infinite or null feature vector, e.g. " + s.firstBadFeatures);
        }
        if (s.badSizes > 0) {
            throw new IllegalArgumentException("featuresCol '" + features + "': feature vectors of different sizes ("
                    + s.firstBadSize + ")");
        }
        if (s.badLabels > 0) {
            throw new IllegalArgumentException("labelCol '" + label + "': " + s.badLabels
                    + " row(s) whose label is not a non-negative integer class index (0, 1, 2, ... up to "
                    + (Classes.MAX_CLASSES - 1) + "), e.g. " + s.firstBadLabel);
        }
        if (s.badWeights > 0) {
            throw new IllegalArgumentException("weightCol '" + weight + "': " + s.badWeights
                    + " row(s) with a negative, NaN, infinite or null weight, e.g. " + s.firstBadWeight);
        }
        if (s.count == 0) {
            throw new IllegalArgumentException("empty data set: no training rows"
                    + (weight != null ? " with a positive weight (weightCol '" + weight + "')" : "")
                    + " in featuresCol '" + features + "' / labelCol '" + label + "'");
        }
    }

    /** The number of classes the label column's ML attribute declares, or 0. */
    private static int metadataClasses(Dataset<?> dataset, String label) {
        try {
            Attribute a = Attribute.fromStructField(dataset.schema().apply(label));
            if (a instanceof BinaryAttribute) {
                return 2;
            }
            if (a instanceof NominalAttribute && ((NominalAttribute) a).numValues().isDefined()) {
                return (Integer) ((NominalAttribute) a).numValues().get();
            }
        } catch (RuntimeException e) {
            // no usable attribute: the labels decide
        }
        return 0;
    }

    /** All rows in one class and an intercept: as MLlib, no training; that class gets +∞. */
    private SoftxentLogisticRegressionModel constantModel(int numClasses, boolean multinomial, int features,
                                                           double[] histogram) {
        int sets = multinomial ? numClasses : 1;
        double[] intercepts = new double[sets];
        int only = 0;
        for (int k = 0; k < histogram.length; k++) {
            if (histogram[k] != 0) {
                only = k;
            }
        }
        if (multinomial) {
            intercepts[only] = Double.POSITIVE_INFINITY;
        } else {
            intercepts[0] = only == 1 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        SoftxentLogisticRegressionModel model = new SoftxentLogisticRegressionModel(uid(),
                new DenseMatrix(sets, features, new double[sets * features], true), Vectors.dense(intercepts),
                Math.max(numClasses, multinomial ? numClasses : 2), multinomial);
        model.setSummary(new SoftxentTrainingSummary(new double[] {0.0}, "constant label", List.of(), 0, 0));
        return model;
    }
}
