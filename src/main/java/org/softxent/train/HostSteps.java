package org.softxent.train;

import java.util.function.LongToDoubleFunction;
import org.softxent.Softxent;

/**
 * Training through the array API, on the CPU engine. The SGD update runs here, in float, as
 * sx_sgd_update does on the device. Each pass asks the classifier for its predictions, so the
 * metrics come from the logits the pass makes anyway.
 */
final class HostSteps implements Steps {
    private final Softxent sx;
    private final Problem p;
    private final int batch;
    private final SgdWeights sgd;
    private final float[] gw;
    private final float[] gb;
    private final float[] xb;
    private final int[] yb;
    private final float[] tb;
    private final int[] predicted;
    private final int[] validationPredicted;
    private float[] tail;
    private int[] tailY;
    private float[] tailT;

    HostSteps(Softxent sx, Problem p, int batch, double momentum) {
        this.sx = sx;
        this.p = p;
        this.batch = Math.min(batch, p.rows());
        int size = p.features() * p.outputs();
        this.sgd = new SgdWeights(size, p.outputs(), momentum);
        gw = new float[size];
        gb = new float[p.outputs()];
        xb = new float[this.batch * p.features()];
        yb = p.logistic() ? null : new int[this.batch];
        tb = p.logistic() ? new float[this.batch] : null;
        predicted = new int[p.rows()];
        validationPredicted = new int[p.validationRows()];
    }

    @Override
    public Pass objective(float[] w, float[] b, float[] gw, float[] gb) {
        double loss = step(p.x(), p.labels(), p.targets(), p.rows(), w, b, gw, gb, predicted);
        return new Pass(loss, Problem.correct(predicted, p.labels(), 0, p.rows()));
    }

    /** The classifier's pass over rows of x, the gradients into gw and gb, the predictions [rows] into predictedOut. */
    private double step(float[] x, int[] y, float[] t, int rows, float[] w, float[] b, float[] gw, float[] gb,
                        int[] predictedOut) {
        if (p.logistic()) {
            return sx.binaryClassifier(x, w, b, t, rows, p.features(), 1, p.binaryOptions(), gw, gb, null,
                    predictedOut).loss();
        }
        return sx.classifier(x, w, b, y, rows, p.features(), p.outputs(), p.options(), gw, gb, null, predictedOut)
                .loss();
    }

    @Override
    public void start(float[] w0, float[] b0) {
        sgd.start(w0, b0);
    }

    @Override
    public Pass epoch(int[] order, long first, LongToDoubleFunction rate) {
        int d = p.features();
        double sum = 0;
        long right = 0;
        long step = first;
        int[] batchPredicted = new int[batch];
        int[] tailPredicted = null;
        int[] truth = new int[batch];
        for (int r0 = 0; r0 < order.length; r0 += batch, step++) {
            int m = Math.min(batch, order.length - r0);
            if (m != batch && (tail == null || tail.length != m * d)) {
                // The epoch's last, shorter batch: its own arrays, made once.
                tail = new float[m * d];
                tailY = yb == null ? null : new int[m];
                tailT = tb == null ? null : new float[m];
            }
            if (m != batch && (tailPredicted == null || tailPredicted.length != m)) {
                tailPredicted = new int[m];
            }
            float[] x = m == batch ? xb : tail;
            int[] y = m == batch ? yb : tailY;
            float[] t = m == batch ? tb : tailT;
            int[] out = m == batch ? batchPredicted : tailPredicted;
            for (int i = 0; i < m; i++) {
                int r = order[r0 + i];
                System.arraycopy(p.x(), r * d, x, i * d, d);
                truth[i] = p.labels()[r];
                if (y != null) {
                    y[i] = p.labels()[r];
                } else {
                    t[i] = p.targets()[r];
                }
            }
            sum += m * step(x, y, t, m, sgd.w, sgd.b, gw, gb, out);
            right += Problem.correct(out, truth, 0, m);
            float lr = (float) rate.applyAsDouble(step);
            sgd.step(gw, gb, lr);
        }
        return new Pass(sum / order.length, right);
    }

    @Override
    public void weights(float[] w, float[] b) {
        sgd.copyTo(w, b);
    }

    @Override
    public Pass validate(float[] w, float[] b) {
        int n = p.validationRows();
        if (n == 0) {
            return null;
        }
        int[] out = validationPredicted;
        double loss = p.logistic()
                ? sx.binaryClassifier(p.xv(), w, b, p.validationTargets(), n, p.features(), 1,
                        p.binarySumOptions(), null, null, null, out).loss()
                : sx.classifier(p.xv(), w, b, p.yv(), n, p.features(), p.outputs(), p.sumOptions(), null, null,
                        null, out).loss();
        return new Pass(loss / p.validationDivisor(), Problem.correct(out, p.yv(), 0, n));
    }

    @Override
    public String description() {
        return sx.description();
    }

    @Override
    public void close() {
    }
}
