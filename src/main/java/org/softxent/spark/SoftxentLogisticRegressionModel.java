package org.softxent.spark;

import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * A trained {@link SoftxentLogisticRegression}: coefficients in the original feature space
 * ({@code coefficientMatrix} [classes, features] for the multinomial family, [1, features] for the
 * binomial), and intercepts; predictions as MLlib's LogisticRegressionModel (raw predictions are the
 * margins, or (−m, m) for binomial; probabilities their softmax or sigmoid). Saved with
 * {@code write().save(path)}, read with {@link #load(String)}.
 */
public class SoftxentLogisticRegressionModel
        extends ProbabilisticClassificationModel<Vector, SoftxentLogisticRegressionModel>
        implements MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Matrix coefficientMatrix;
    private final Vector interceptVector;
    private final int numClasses;
    private final boolean multinomial;
    private transient SoftxentTrainingSummary summary;

    SoftxentLogisticRegressionModel(String uid, Matrix coefficientMatrix, Vector interceptVector, int numClasses,
                                    boolean multinomial) {
        this(Uids.enter(uid), coefficientMatrix, interceptVector, numClasses, multinomial, true);
    }

    private SoftxentLogisticRegressionModel(String uid, Matrix coefficientMatrix, Vector interceptVector,
                                            int numClasses, boolean multinomial, boolean entered) {
        super();
        this.uid = uid;
        Uids.leave();
        if (coefficientMatrix.numRows() != interceptVector.size()) {
            throw new IllegalArgumentException("coefficientMatrix has " + coefficientMatrix.numRows()
                    + " rows but interceptVector " + interceptVector.size() + " entries");
        }
        this.coefficientMatrix = coefficientMatrix;
        this.interceptVector = interceptVector;
        this.numClasses = numClasses;
        this.multinomial = multinomial;
    }

    @Override
    public String uid() {
        return uid != null ? uid : Uids.constructing();
    }

    /** [classes, features] (multinomial) or [1, features] (binomial), in the original space. */
    public Matrix coefficientMatrix() {
        return coefficientMatrix;
    }

    /** [classes] (multinomial) or [1] (binomial). */
    public Vector interceptVector() {
        return interceptVector;
    }

    /** The coefficients of a binomial model (as MLlib's {@code coefficients}). */
    public Vector coefficients() {
        if (multinomial) {
            throw new IllegalStateException("a multinomial model has a coefficient matrix: use coefficientMatrix()");
        }
        return Vectors.dense(coefficientMatrix.rowIter().next().toArray());
    }

    /** The intercept of a binomial model (as MLlib's {@code intercept}). */
    public double intercept() {
        if (multinomial) {
            throw new IllegalStateException("a multinomial model has an intercept vector: use interceptVector()");
        }
        return interceptVector.apply(0);
    }

    /** Whether the model is multinomial (softmax over classes) rather than binomial (one sigmoid). */
    public boolean isMultinomial() {
        return multinomial;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int numFeatures() {
        return coefficientMatrix.numCols();
    }

    /** Whether this model carries the summary of the fit that made it (a loaded model does not). */
    public boolean hasSummary() {
        return summary != null;
    }

    /** The summary of the fit that made this model. */
    public SoftxentTrainingSummary summary() {
        if (summary == null) {
            throw new IllegalStateException("no training summary: this model was loaded, not fitted");
        }
        return summary;
    }

    SoftxentLogisticRegressionModel setSummary(SoftxentTrainingSummary summary) {
        this.summary = summary;
        return this;
    }

    @Override
    public Vector predictRaw(Vector features) {
        if (features.size() != numFeatures()) {
            throw new IllegalArgumentException("featuresCol '" + getFeaturesCol() + "': a vector of " + features.size()
                    + " features, the model has " + numFeatures());
        }
        int sets = coefficientMatrix.numRows();
        double[] m = new double[sets];
        if (features instanceof org.apache.spark.ml.linalg.SparseVector sparse) {
            // Only the stored entries: apply(j) on a sparse vector is a search per element.
            int[] index = sparse.indices();
            double[] value = sparse.values();
            for (int k = 0; k < sets; k++) {
                double s = interceptVector.apply(k);
                for (int p = 0; p < index.length; p++) {
                    s += coefficientMatrix.apply(k, index[p]) * value[p];
                }
                m[k] = s;
            }
        } else {
            double[] x = features.toArray();
            for (int k = 0; k < sets; k++) {
                double s = interceptVector.apply(k);
                for (int j = 0; j < x.length; j++) {
                    s += coefficientMatrix.apply(k, j) * x[j];
                }
                m[k] = s;
            }
        }
        return multinomial ? Vectors.dense(m) : Vectors.dense(-m[0], m[0]);
    }

    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        double[] v = ((DenseVector) rawPrediction).values();
        if (multinomial) {
            double max = Double.NEGATIVE_INFINITY;
            int top = 0;
            for (int k = 0; k < v.length; k++) {
                if (v[k] > max) {
                    max = v[k];
                    top = k;
                }
            }
            if (max == Double.POSITIVE_INFINITY) {
                // A class with an infinite margin (the intercept of a single-class fit): it has all
                // the probability, as MLlib says; exp(∞ − ∞) would make every probability NaN.
                java.util.Arrays.fill(v, 0.0);
                v[top] = 1.0;
                return rawPrediction;
            }
            double sum = 0;
            for (int k = 0; k < v.length; k++) {
                v[k] = Math.exp(v[k] - max);
                sum += v[k];
            }
            for (int k = 0; k < v.length; k++) {
                v[k] /= sum;
            }
        } else {
            double p = 1.0 / (1.0 + Math.exp(-v[1]));
            v[0] = 1.0 - p;
            v[1] = p;
        }
        return rawPrediction;
    }

    /** Spark's summary helper, inherited twice from Scala (javac needs the choice made here). */
    @Override
    @SuppressWarnings("rawtypes")
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    /** As {@link SoftxentLogisticRegression#setThreshold}: p(1) > t predicts the positive class (binomial). */
    public SoftxentLogisticRegressionModel setThreshold(double value) {
        return setThresholds(Thresholds.of(value));
    }

    /** As {@link SoftxentLogisticRegression#getThreshold}. */
    public double getThreshold() {
        return Thresholds.threshold(isDefined(thresholds()) ? getThresholds() : null);
    }

    @Override
    public SoftxentLogisticRegressionModel copy(ParamMap extra) {
        SoftxentLogisticRegressionModel copy = new SoftxentLogisticRegressionModel(uid, coefficientMatrix,
                interceptVector, numClasses, multinomial);
        copy.summary = summary;
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelIo.Writer(this, this);
    }

    public static MLReader<SoftxentLogisticRegressionModel> read() {
        return new ModelIo.ModelReader();
    }

    public static SoftxentLogisticRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "SoftxentLogisticRegressionModel: uid=" + uid + ", numClasses=" + numClasses + ", numFeatures="
                + numFeatures() + ", family=" + (multinomial ? "multinomial" : "binomial");
    }
}
