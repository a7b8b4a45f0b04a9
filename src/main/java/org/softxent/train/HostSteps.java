package org.softxent.train;

import java.util.function.LongToDoubleFunction;
import org.softxent.BinaryClassifierOptions;
import org.softxent.ClassifierOptions;
import org.softxent.Softxent;

/**
 * Training through the array API, on the CPU engine. The SGD update runs here, in float, as
 * sx_sgd_update does on the device.
 */
final class HostSteps implements Steps {
    private final Softxent sx;
    private final Problem p;
    private final int batch;
    private final float momentum;
    private final float[] w;
    private final float[] b;
    private final float[] vw;
    private final float[] vb;
    private final float[] gw;
    private final float[] gb;
    private final float[] xb;
    private final int[] yb;
    private final float[] tb;
    private float[] tail;
    private int[] tailY;
    private float[] tailT;

    HostSteps(Softxent sx, Problem p, int batch, double momentum) {
        this.sx = sx;
        this.p = p;
        this.batch = Math.min(batch, p.rows());
        this.momentum = (float) momentum;
        int size = p.features() * p.outputs();
        w = new float[size];
        b = new float[p.outputs()];
        vw = new float[size];
        vb = new float[p.outputs()];
        gw = new float[size];
        gb = new float[p.outputs()];
        xb = new float[this.batch * p.features()];
        yb = p.logistic() ? null : new int[this.batch];
        tb = p.logistic() ? new float[this.batch] : null;
    }

    @Override
    public double objective(float[] w, float[] b, float[] gw, float[] gb) {
        return step(p.x(), p.labels(), p.targets(), p.rows(), w, b, gw, gb);
    }

    private double step(float[] x, int[] y, float[] t, int rows, float[] w, float[] b, float[] gw, float[] gb) {
        if (p.logistic()) {
            BinaryClassifierOptions o = p.binaryOptions();
            return sx.binaryClassifier(x, w, b, t, rows, p.features(), 1, o, gw, gb, null).loss();
        }
        ClassifierOptions o = p.options();
        return sx.classifier(x, w, b, y, rows, p.features(), p.outputs(), o, gw, gb, null).loss();
    }

    @Override
    public void start(float[] w0, float[] b0) {
        System.arraycopy(w0, 0, w, 0, w.length);
        System.arraycopy(b0, 0, b, 0, b.length);
        java.util.Arrays.fill(vw, 0f);
        java.util.Arrays.fill(vb, 0f);
    }

    @Override
    public double epoch(int[] order, long first, LongToDoubleFunction rate) {
        int d = p.features();
        double sum = 0;
        long step = first;
        for (int r0 = 0; r0 < order.length; r0 += batch, step++) {
            int m = Math.min(batch, order.length - r0);
            if (m != batch && (tail == null || tail.length != m * d)) {
                // The epoch's last, shorter batch: its own arrays, made once.
                tail = new float[m * d];
                tailY = yb == null ? null : new int[m];
                tailT = tb == null ? null : new float[m];
            }
            float[] x = m == batch ? xb : tail;
            int[] y = m == batch ? yb : tailY;
            float[] t = m == batch ? tb : tailT;
            for (int i = 0; i < m; i++) {
                int r = order[r0 + i];
                System.arraycopy(p.x(), r * d, x, i * d, d);
                if (y != null) {
                    y[i] = p.labels()[r];
                } else {
                    t[i] = p.targets()[r];
                }
            }
            sum += m * step(x, y, t, m, w, b, gw, gb);
            float lr = (float) rate.applyAsDouble(step);
            update(w, gw, vw, lr);
            update(b, gb, vb, lr);
        }
        return sum / order.length;
    }

    private void update(float[] param, float[] grad, float[] velocity, float lr) {
        for (int i = 0; i < param.length; i++) {
            float v = Math.fma(momentum, velocity[i], grad[i]);
            velocity[i] = v;
            param[i] = Math.fma(-lr, v, param[i]);
        }
    }

    @Override
    public void weights(float[] w, float[] b) {
        System.arraycopy(this.w, 0, w, 0, w.length);
        System.arraycopy(this.b, 0, b, 0, b.length);
    }

    @Override
    public String description() {
        return sx.description();
    }

    @Override
    public void close() {
    }
}
