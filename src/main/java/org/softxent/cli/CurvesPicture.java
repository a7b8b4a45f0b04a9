package org.softxent.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.softxent.train.Epoch;

/**
 * The training curves as a PNG: the loss (left) and the accuracy (right) per epoch, training in
 * blue and validation in orange, on round ticks, the epochs numbered, and the epoch whose weights
 * the model kept marked; drawn with Java2D (no display needed).
 */
final class CurvesPicture {
    private static final int PANEL_W = 460;
    private static final int PANEL_H = 320;
    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color VALIDATION = new Color(255, 127, 14);

    private CurvesPicture() {
    }

    /**
     * Starts drawing a small picture on a daemon thread, for nothing but its side effect: Java2D's
     * first picture in a JVM costs about 0.2 s of start-up (its classes, fonts and PNG writer, on
     * this project's machine), which then overlaps the reading and training instead of following
     * them. A failure here is left for the real picture to report.
     */
    static void warmUpInBackground() {
        Thread warm = new Thread(() -> {
            try {
                png(List.of(new Epoch(1, 1, 1, 0.5, 1, 0.5, 0, 0), new Epoch(2, 0.5, 0.5, 0.75, 0.5, 0.75, 0, 0)),
                        "warm-up", 2, "mean log loss");
            } catch (Throwable e) { // Java2D without fonts throws Errors of several kinds
                // nothing printed here: the real picture says what is wrong
            }
        }, "softxent-picture-warm-up");
        warm.setDaemon(true);
        warm.start();
    }

    /**
     * The picture of {@code history}: {@code lossName} names the loss panel (the loss trained, drawn
     * for the training and the validation rows alike); {@code bestEpoch} is marked (0: none).
     */
    static byte[] png(List<Epoch> history, String title, int bestEpoch, String lossName) throws IOException {
        BufferedImage image = new BufferedImage(2 * PANEL_W, PANEL_H + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 20, 24);
        boolean validated = history.stream().anyMatch(e -> Double.isFinite(e.validationLoss()));
        panel(g, 0, history, lossName, Epoch::trainLoss, Epoch::validationLoss, bestEpoch, validated);
        panel(g, PANEL_W, history, "accuracy", Epoch::trainAccuracy, Epoch::validationAccuracy, bestEpoch, validated);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.setUseCache(false); // in memory: no cache file in java.io.tmpdir, which may be full or capped
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    /** A round step for about {@code count} ticks over {@code range}: 1, 2, 2.5 or 5 times a power of ten. */
    static double niceStep(double range, int count) {
        double raw = range / count;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * power >= raw) {
                return m * power;
            }
        }
        return 10 * power;
    }

    /** A whole step for about 6 epoch ticks over n epochs: 1, 2 or 5 times a power of ten. */
    static int epochStep(int n) {
        double raw = Math.max(1, (n - 1) / 6.0);
        long power = 1;
        while (power * 10 <= raw) {
            power *= 10;
        }
        for (long m : new long[] {1, 2, 5, 10}) {
            if (m * power >= raw) {
                return (int) Math.min(Integer.MAX_VALUE, m * power);
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, 10 * power);
    }

    /** The decimals a tick label of this step needs (0.25 → 2, 0.1 → 1, 5 → 0). */
    static int decimals(double step) {
        int d = 0;
        while (d < 8 && Math.abs(step * Math.pow(10, d) - Math.rint(step * Math.pow(10, d))) > 1e-9) {
            d++;
        }
        return d;
    }

    private static void panel(Graphics2D g, int x0, List<Epoch> h, String name, ToDoubleFunction<Epoch> train,
                              ToDoubleFunction<Epoch> validation, int bestEpoch, boolean validated) {
        int left = x0 + 64;
        int right = x0 + PANEL_W - 20;
        int top = 60;
        int bottom = PANEL_H - 30;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Epoch e : h) {
            for (double v : new double[] {train.applyAsDouble(e), validation.applyAsDouble(e)}) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) { // no finite value at all
            lo = 0;
            hi = 1;
        }
        if (!(hi > lo)) {
            double half = Math.max(Math.abs(lo) * 0.05, 1e-3);
            lo -= half;
            hi += half;
        }
        // Round ticks: the axis runs from a tick to a tick.
        double step = niceStep(hi - lo, 5);
        lo = Math.floor(lo / step) * step;
        hi = Math.ceil(hi / step) * step;
        String format = "%." + decimals(step) + "f";
        Font plain = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        g.setFont(plain);
        Color grid = new Color(230, 230, 230);
        int n = h.size();
        for (long k = Math.round(lo / step); k <= Math.round(hi / step); k++) {
            double v = k * step;
            int y = (int) Math.round(bottom - (v - lo) / (hi - lo) * (bottom - top));
            g.setColor(grid);
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(java.util.Locale.ROOT, format, v);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        // Epochs: 1 and round steps to the last.
        int epochStep = epochStep(n);
        for (int e = epochStep; e <= n; e += epochStep) {
            tick(g, e, n, left, right, bottom, grid);
        }
        tick(g, 1, n, left, right, bottom, grid);
        g.setColor(Color.DARK_GRAY);
        String axis = "epoch";
        g.drawString(axis, (left + right - g.getFontMetrics().stringWidth(axis)) / 2, bottom + 26);
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        if (bestEpoch >= 1 && bestEpoch <= n) {
            int x = epochX(bestEpoch, n, left, right);
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
            g.drawLine(x, top, x, bottom);
            g.setStroke(new BasicStroke(1f));
            String kept = "kept: epoch " + bestEpoch;
            int w = g.getFontMetrics().stringWidth(kept);
            g.drawString(kept, x + 4 + w < right ? x + 4 : x - 4 - w, top + 14);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(name, left, top - 18);
        g.setFont(plain);
        line(g, h, train, TRAIN, left, right, top, bottom, lo, hi);
        line(g, h, validation, VALIDATION, left, right, top, bottom, lo, hi);
        g.setColor(TRAIN);
        g.drawString("training", right - (validated ? 120 : 50), top - 4);
        if (validated) {
            g.setColor(VALIDATION);
            g.drawString("validation", right - 60, top - 4);
        }
    }

    private static int epochX(int epoch, int n, int left, int right) {
        return n == 1 ? (left + right) / 2 : left + (int) Math.round((epoch - 1) * (double) (right - left) / (n - 1));
    }

    private static void tick(Graphics2D g, int epoch, int n, int left, int right, int bottom, Color grid) {
        int x = epochX(epoch, n, left, right);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(x, bottom, x, bottom + 4);
        String label = Integer.toString(epoch);
        g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, bottom + 15);
    }

    private static void line(Graphics2D g, List<Epoch> h, ToDoubleFunction<Epoch> f, Color color, int left, int right,
                             int top, int bottom, double lo, double hi) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (int i = 0; i < h.size(); i++) {
            double v = f.applyAsDouble(h.get(i));
            if (!Double.isFinite(v)) {
                px = -1;
                continue;
            }
            int x = epochX(i + 1, h.size(), left, right);
            int y = (int) Math.round(bottom - (v - lo) / (hi - lo) * (bottom - top));
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            } else {
                g.fillOval(x - 2, y - 2, 4, 4);
            }
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
