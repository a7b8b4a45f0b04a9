package org.softxent.cpu;

/**
 * PyTorch's sigmoid binary cross-entropy of one element, shared by the plain loss and the binary
 * classifier: loss = pw·t·softplus(−x) + (1 − t)·softplus(x), gradient (1 − t)·σ(x) − pw·t·σ(−x).
 * These are PyTorch's (1 − t)·x + L·softplus(−x) and L·σ(x) − pw·t (L = 1 + (pw − 1)·t) without
 * their cancellations, so a confident logit's tiny loss and gradient survive.
 */
final class SigmoidLoss {
    private SigmoidLoss() {
    }

    /**
     * The loss of logit x against target t with positive weight pw; writes gradScale times its
     * gradient into grad[at] when grad is not null.
     */
    static double element(double x, double t, double pw, double gradScale, float[] grad, int at) {
        double e = Math.exp(-Math.abs(x));
        double log1pE = Math.log1p(e);
        double loss = pw * t * (Math.max(-x, 0.0) + log1pE) + (1.0 - t) * (Math.max(x, 0.0) + log1pE);
        if (grad != null) {
            double big = 1.0 / (1.0 + e);
            double small = e / (1.0 + e);
            double sigmoid = x >= 0 ? big : small;
            double sigmoidNeg = x >= 0 ? small : big;
            grad[at] = (float) (gradScale * ((1.0 - t) * sigmoid - pw * t * sigmoidNeg));
        }
        return loss;
    }

    /** σ(x), without overflow for any x. */
    static double sigmoid(double x) {
        double e = Math.exp(-Math.abs(x));
        return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }
}
