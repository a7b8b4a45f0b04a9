package org.softxent.train;

import java.util.Arrays;

/**
 * SGD's weights W [features, outputs] and b [outputs] on the host with their momentum velocities,
 * and its step: what the host's Steps ({@link HostSteps}, {@link SourceSteps}) share.
 */
final class SgdWeights {
    final float[] w;
    final float[] b;
    private final float[] vw;
    private final float[] vb;
    private final float momentum;

    SgdWeights(int size, int outputs, double momentum) {
        this.w = new float[size];
        this.b = new float[outputs];
        this.vw = new float[size];
        this.vb = new float[outputs];
        this.momentum = (float) momentum;
    }

    /** Sets the weights and zeroes the velocities. */
    void start(float[] w0, float[] b0) {
        System.arraycopy(w0, 0, w, 0, w.length);
        System.arraycopy(b0, 0, b, 0, b.length);
        Arrays.fill(vw, 0f);
        Arrays.fill(vb, 0f);
    }

    /** One step with the gradients gw and gb: v = momentum·v + g, then param −= lr·v (each fused). */
    void step(float[] gw, float[] gb, float lr) {
        step(w, gw, vw, lr);
        step(b, gb, vb, lr);
    }

    private void step(float[] param, float[] grad, float[] velocity, float lr) {
        for (int i = 0; i < param.length; i++) {
            float v = Math.fma(momentum, velocity[i], grad[i]);
            velocity[i] = v;
            param[i] = Math.fma(-lr, v, param[i]);
        }
    }

    /** The weights into w and b. */
    void copyTo(float[] w, float[] b) {
        System.arraycopy(this.w, 0, w, 0, w.length);
        System.arraycopy(this.b, 0, b, 0, b.length);
    }
}
