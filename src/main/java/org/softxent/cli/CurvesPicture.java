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
 * blue and validation in orange, drawn with Java2D (no display needed).
 */
final class CurvesPicture {
    private static final int PANEL_W = 460;
    private static final int PANEL_H = 320;
    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color VALIDATION = new Color(255, 127, 14);

    private CurvesPicture() {
    }

    static byte[] png(List<Epoch> history, String title, int bestEpoch) throws IOException {
        BufferedImage image = new BufferedImage(2 * PANEL_W, PANEL_H + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 20, 24);
        panel(g, 0, history, "mean log loss", Epoch::trainLoss, Epoch::validationLoss);
        panel(g, PANEL_W, history, "accuracy", Epoch::trainAccuracy, Epoch::validationAccuracy);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.setUseCache(false); // in memory: no cache file in java.io.tmpdir, which may be full or capped
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    private static void panel(Graphics2D g, int x0, List<Epoch> h, String name, ToDoubleFunction<Epoch> train,
                              ToDoubleFunction<Epoch> validation) {
        int left = x0 + 60;
        int right = x0 + PANEL_W - 20;
        int top = 60;
        int bottom = PANEL_H - 22;
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
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        double pad = 0.05 * (hi - lo);
        lo -= pad;
        hi += pad;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(new Color(230, 230, 230));
        for (int i = 0; i <= 4; i++) {
            int y = bottom - i * (bottom - top) / 4;
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.3f", lo + i * (hi - lo) / 4), x0 + 8, y + 4);
            g.setColor(new Color(230, 230, 230));
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString("1", left - 3, bottom + 15);
        String last = "epoch " + h.size();
        g.drawString(last, right - g.getFontMetrics().stringWidth(last), bottom + 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(name + " per epoch (" + h.size() + ")", left, top - 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        line(g, h, train, TRAIN, left, right, top, bottom, lo, hi);
        line(g, h, validation, VALIDATION, left, right, top, bottom, lo, hi);
        g.setColor(TRAIN);
        g.drawString("training", right - 120, top - 4);
        g.setColor(VALIDATION);
        g.drawString("validation", right - 60, top - 4);
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
            int x = h.size() == 1 ? (left + right) / 2 : left + i * (right - left) / (h.size() - 1);
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
