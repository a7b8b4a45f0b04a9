package org.softxent.testing;

import org.softxent.Reduction;

/**
 * An independent double-precision transcription of PyTorch's definitions, for tests: the losses
 * are written the way PyTorch composes them (log_softmax, nll_loss, the smoothing term, reduced
 * separately), and the gradients the way autograd would form them (through log_softmax's backward),
 * not with the (Σq)·p − q shortcut the library uses.
 */
public final class Oracle {
    private Oracle() {
    }

    /** A loss (NaN for reduction none), the per-sample losses, the gradient and the probabilities. */
    public record Loss(double loss, double[] losses, double[] grad, double[] probs) {
    }

    /** The gradients of the classifier. */
    public record Classifier(double loss, double[] gradW, double[] gradB, double[] gradX) {
    }

    public static double[] logSoftmax(double[] z, int n, int c) {
        double[] out = new double[n * c];
        for (int r = 0; r < n; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                m = Math.max(m, z[r * c + j]);
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp(z[r * c + j] - m);
            }
            // (z − m) − log s, as PyTorch's log_softmax: z − (m + log s) would round log s away at large m.
            double logS = Math.log(s);
            for (int j = 0; j < c; j++) {
                out[r * c + j] = (z[r * c + j] - m) - logS;
            }
        }
        return out;
    }

    public static double[] softmax(float[] z, int n, int c) {
        double[] lp = logSoftmax(Close.toDoubles(z), n, c);
        for (int i = 0; i < lp.length; i++) {
            lp[i] = Math.exp(lp[i]);
        }
        return lp;
    }

    /** F.cross_entropy(z, y, weight=w, ignore_index=ignore, label_smoothing=eps, reduction=red). */
    public static Loss crossEntropy(float[] z, int n, int c, int[] y, float[] w, int ignore, double eps, Reduction red) {
        return crossEntropy(Close.toDoubles(z), n, c, y, w, ignore, eps, red);
    }

    static Loss crossEntropy(double[] z, int n, int c, int[] y, float[] w, int ignore, double eps, Reduction red) {
        double[] logp = logSoftmax(z, n, c);
        double[] nll = new double[n];
        double[] smooth = new double[n];
        double weightOfTargets = 0;
        for (int r = 0; r < n; r++) {
            if (y[r] == ignore) {
                continue;
            }
            double wy = w == null ? 1 : w[y[r]];
            nll[r] = -wy * logp[r * c + y[r]];
            weightOfTargets += wy;
            if (eps > 0) {
                for (int j = 0; j < c; j++) {
                    smooth[r] += -(w == null ? 1 : w[j]) * logp[r * c + j];
                }
            }
        }
        double scale = red == Reduction.MEAN ? 1.0 / weightOfTargets : 1.0;
        double[] losses = new double[n];
        for (int r = 0; r < n; r++) {
            losses[r] = eps > 0 ? (1 - eps) * nll[r] + eps / c * smooth[r] : nll[r];
        }
        double loss = Double.NaN;
        if (red != Reduction.NONE) {
            double nllSum = 0;
            double smoothSum = 0;
            for (int r = 0; r < n; r++) {
                nllSum += nll[r];
                smoothSum += smooth[r];
            }
            loss = eps > 0 ? (1 - eps) * nllSum * scale + eps / c * smoothSum * scale : nllSum * scale;
        }
        // d loss / d logp, then log_softmax's backward: gz = g − p·Σg.
        double[] grad = new double[n * c];
        double[] gLogp = new double[c];
        for (int r = 0; r < n; r++) {
            if (y[r] == ignore) {
                continue;
            }
            for (int j = 0; j < c; j++) {
                gLogp[j] = -eps / c * (w == null ? 1 : w[j]) * scale;
            }
            gLogp[y[r]] += -(1 - eps) * (w == null ? 1 : w[y[r]]) * scale;
            logSoftmaxBackward(logp, r, c, gLogp, grad);
        }
        return new Loss(loss, losses, grad, exp(logp));
    }

    /** F.cross_entropy(z, t) with probability targets t [n, c]. */
    public static Loss crossEntropyTargets(float[] z, int n, int c, float[] t, float[] w, double eps, Reduction red) {
        double[] logp = logSoftmax(Close.toDoubles(z), n, c);
        double scale = red == Reduction.MEAN ? 1.0 / n : 1.0;
        double[] losses = new double[n];
        double[] grad = new double[n * c];
        double[] gLogp = new double[c];
        double sum = 0;
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                double target = eps > 0 ? t[r * c + j] * (1 - eps) + eps / c : t[r * c + j];
                double weighted = target * (w == null ? 1 : w[j]);
                losses[r] += -(logp[r * c + j] * weighted);
                gLogp[j] = -weighted * scale;
            }
            sum += losses[r];
            logSoftmaxBackward(logp, r, c, gLogp, grad);
        }
        return new Loss(red == Reduction.NONE ? Double.NaN : sum * scale, losses, grad, exp(logp));
    }

    /** F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction=red). */
    public static Loss binaryCrossEntropy(float[] x, float[] t, int n, int k, float[] pw, Reduction red) {
        double[] logits = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            logits[i] = x[i];
        }
        return binaryCrossEntropy(logits, t, n, k, pw, red);
    }

    private static Loss binaryCrossEntropy(double[] x, float[] t, int n, int k, float[] pw, Reduction red) {
        double scale = red == Reduction.MEAN ? 1.0 / ((double) n * k) : 1.0;
        double[] losses = new double[n * k];
        double[] grad = new double[n * k];
        double[] probs = new double[n * k];
        double sum = 0;
        for (int i = 0; i < n * k; i++) {
            double xi = x[i];
            double ti = t[i];
            double weight = pw == null ? 1 : pw[i % k];
            // −[pw·t·log σ(x) + (1 − t)·log σ(−x)] term by term, each log σ as −softplus: PyTorch's
            // (1 − t)·x − L·log σ(x) in double would cancel to nothing for losses of 1e-13.
            losses[i] = weight * ti * softplus(-xi) + (1 - ti) * softplus(xi);
            sum += losses[i];
            // d/dx: −pw·t·σ(−x) + (1 − t)·σ(x)
            grad[i] = ((1 - ti) * sigmoid(xi) - weight * ti * sigmoid(-xi)) * scale;
            probs[i] = sigmoid(xi);
        }
        return new Loss(red == Reduction.NONE ? Double.NaN : sum * scale, losses, grad, probs);
    }

    /** logits = x·w + b in double; loss = CE (mean, PyTorch defaults or the given options) + reg·Σw². */
    public static Classifier classifier(float[] x, float[] w, float[] b, int[] y, int n, int d, int c, double reg,
                                        float[] classWeights, int ignore, double eps, Reduction red) {
        Loss ce = crossEntropy(logits(x, w, b, n, d, c), n, c, y, classWeights, ignore, eps, red);
        return backward(x, w, ce, n, d, c, reg);
    }

    /** logits = x·w + b in double; loss = BCE with logits (pos_weight, reduction over all n·k) + reg·Σw². */
    public static Classifier binaryClassifier(float[] x, float[] w, float[] b, float[] t, int n, int d, int k,
                                              double reg, float[] posWeight, Reduction red) {
        Loss bce = binaryCrossEntropy(logits(x, w, b, n, d, k), t, n, k, posWeight, red);
        return backward(x, w, bce, n, d, k, reg);
    }

    private static double[] logits(float[] x, float[] w, float[] b, int n, int d, int c) {
        double[] logits = new double[n * c];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                double s = b == null ? 0 : b[j];
                for (int q = 0; q < d; q++) {
                    s += (double) x[r * d + q] * w[q * c + j];
                }
                logits[r * c + j] = s;
            }
        }
        return logits;
    }

    /** dW = xᵀ·dS + 2·reg·w, db = Σ dS, dX = dS·wᵀ from the loss's gradient dS; the loss gains reg·Σw². */
    private static Classifier backward(float[] x, float[] w, Loss loss, int n, int d, int c, double reg) {
        double[] ds = loss.grad();
        double[] gradW = new double[d * c];
        double[] gradB = new double[c];
        double[] gradX = new double[n * d];
        double squares = 0;
        for (int q = 0; q < d; q++) {
            for (int j = 0; j < c; j++) {
                double s = 0;
                for (int r = 0; r < n; r++) {
                    s += (double) x[r * d + q] * ds[r * c + j];
                }
                gradW[q * c + j] = s + 2 * reg * w[q * c + j];
                squares += (double) w[q * c + j] * w[q * c + j];
            }
        }
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                gradB[j] += ds[r * c + j];
            }
            for (int q = 0; q < d; q++) {
                double s = 0;
                for (int j = 0; j < c; j++) {
                    s += ds[r * c + j] * w[q * c + j];
                }
                gradX[r * d + q] = s;
            }
        }
        return new Classifier(loss.loss() + reg * squares, gradW, gradB, gradX);
    }

    private static void logSoftmaxBackward(double[] logp, int r, int c, double[] gLogp, double[] grad) {
        double sum = 0;
        for (int j = 0; j < c; j++) {
            sum += gLogp[j];
        }
        for (int j = 0; j < c; j++) {
            grad[r * c + j] = gLogp[j] - Math.exp(logp[r * c + j]) * sum;
        }
    }

    /** log(1 + e^v), without overflow or cancellation. */
    private static double softplus(double v) {
        return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }

    private static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    private static double[] exp(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.exp(a[i]);
        }
        return out;
    }
}
