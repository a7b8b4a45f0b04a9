package org.softxent.spark;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The first pass over the training rows (each row's weight multiplied by its class weight when there
 * are class weights): the weighted mean and standard deviation of every feature
 * (as MLlib's Summarizer computes them: the unbiased weighted variance M2 / (Σw − Σw²/Σw)), the
 * weighted label histogram, and what is wrong with the input, counted here and reported on the
 * driver so that the user gets one clear exception rather than a failed task.
 */
final class Stats implements Serializable {
    private static final long serialVersionUID = 1L;

    long count;
    double weightSum;
    double weightSquareSum;
    int features = -1;
    double[] mean;
    double[] m2;
    double[] histogram = new double[0];

    long badLabels;
    String firstBadLabel;
    long badFeatures;
    String firstBadFeatures;
    long badWeights;
    String firstBadWeight;
    long badSizes;
    String firstBadSize;
    long beyondClassWeights;
    double largestLabel;

    /** Class weights [classes] multiplying each row's weight, or null. */
    private final double[] classWeights;

    Stats(double[] classWeights) {
        this.classWeights = classWeights;
    }

    /** Adds one row; the label, weight and features as they came (any may be null). */
    Stats add(Double label, Double weight, double[] x) {
        if (x == null) {
            badFeatures++;
            firstBadFeatures = firstBadFeatures != null ? firstBadFeatures : "null";
            return this;
        }
        if (features >= 0 && x.length != features) {
            badSizes++;
            firstBadSize = firstBadSize != null ? firstBadSize : x.length + " features where earlier rows have " + features;
            return this;
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                badFeatures++;
                firstBadFeatures = firstBadFeatures != null ? firstBadFeatures : Arrays.toString(Arrays.copyOf(x, Math.min(x.length, 8)))
                        + (x.length > 8 ? "..." : "") + " (" + v + ")";
                return this;
            }
        }
        if (label == null || !Classes.isClassIndex(label)) {
            badLabels++;
            firstBadLabel = firstBadLabel != null ? firstBadLabel : String.valueOf(label);
            return this;
        }
        if (weight == null || !(weight >= 0) || Double.isInfinite(weight)) {
            badWeights++;
            firstBadWeight = firstBadWeight != null ? firstBadWeight : String.valueOf(weight);
            return this;
        }
        int y = (int) (double) label;
        double w = weight;
        if (classWeights != null) {
            if (y >= classWeights.length) {
                beyondClassWeights++;
                largestLabel = Math.max(largestLabel, y);
                return this;
            }
            w *= classWeights[y];
        }
        if (w == 0) {
            return this; // as MLlib: a row of weight 0 is not counted at all
        }
        if (features < 0) {
            features = x.length;
            mean = new double[features];
            m2 = new double[features];
        }
        if (y >= histogram.length) {
            histogram = Arrays.copyOf(histogram, y + 1);
        }
        histogram[y] += w;
        count++;
        weightSum += w;
        weightSquareSum += w * w;
        for (int j = 0; j < features; j++) {
            // West's weighted update of the mean and the sum of squared deviations.
            double delta = x[j] - mean[j];
            mean[j] += delta * (w / weightSum);
            m2[j] += w * delta * (x[j] - mean[j]);
        }
        return this;
    }

    Stats merge(Stats o) {
        badLabels += o.badLabels;
        firstBadLabel = firstBadLabel != null ? firstBadLabel : o.firstBadLabel;
        badFeatures += o.badFeatures;
        firstBadFeatures = firstBadFeatures != null ? firstBadFeatures : o.firstBadFeatures;
        badWeights += o.badWeights;
        firstBadWeight = firstBadWeight != null ? firstBadWeight : o.firstBadWeight;
        badSizes += o.badSizes;
        firstBadSize = firstBadSize != null ? firstBadSize : o.firstBadSize;
        beyondClassWeights += o.beyondClassWeights;
        largestLabel = Math.max(largestLabel, o.largestLabel);
        if (o.histogram.length > histogram.length) {
            histogram = Arrays.copyOf(histogram, o.histogram.length);
        }
        for (int i = 0; i < o.histogram.length; i++) {
            histogram[i] += o.histogram[i];
        }
        if (o.weightSum == 0) {
            return this;
        }
        if (weightSum == 0) {
            count = o.count;
            weightSum = o.weightSum;
            weightSquareSum = o.weightSquareSum;
            features = o.features;
            mean = o.mean.clone();
            m2 = o.m2.clone();
            return this;
        }
        if (o.features != features) {
            badSizes += o.count;
            firstBadSize = firstBadSize != null ? firstBadSize
                    : o.features + " features where other rows have " + features;
            return this;
        }
        double total = weightSum + o.weightSum;
        for (int j = 0; j < features; j++) {
            double delta = o.mean[j] - mean[j];
            mean[j] += delta * (o.weightSum / total);
            m2[j] += o.m2[j] + delta * delta * weightSum * o.weightSum / total;
        }
        count += o.count;
        weightSum = total;
        weightSquareSum += o.weightSquareSum;
        return this;
    }

    /** The unbiased weighted standard deviations, MLlib's convention (0 when Σw − Σw²/Σw ≤ 0). */
    double[] std() {
        double[] std = new double[features];
        double denominator = weightSum - weightSquareSum / weightSum;
        if (denominator > 0) {
            for (int j = 0; j < features; j++) {
                std[j] = Math.sqrt(Math.max(m2[j] / denominator, 0.0));
            }
        }
        return std;
    }
}
