package org.softxent.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The picture of the cross-entropy sweep: achieved GB/s (8 bytes per logit) against the row width
 * C on a log axis, one line per implementation, and the copy ceiling measured in the same run as a
 * dashed line. Drawn with Java2D (headless) into a PNG; no plotting library needed.
 */
final class SweepPicture {
    /** One point: a row width and the bandwidth reached there. */
    record Point(int cols, double gbps) {
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 80;
    private static final int RIGHT = 190;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728)};

    private SweepPicture() {
    }

    /**
     * The PNG of {@code series} (by name, in legend order) with the copy ceiling, titled.
     *
     * @param ceilingGBps the device copy bandwidth (bytes read + written), or NaN for none
     */
    static byte[] png(String title, String subtitle, Map<String, List<Point>> series, double ceilingGBps) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int minCols = Integer.MAX_VALUE;
        int maxCols = 1;
        double maxRate = Double.isNaN(ceilingGBps) ? 0 : ceilingGBps;
        for (List<Point> points : series.values()) {
            for (Point p : points) {
                minCols = Math.min(minCols, p.cols());
                maxCols = Math.max(maxCols, p.cols());
                maxRate = Math.max(maxRate, p.gbps());
            }
        }
        if (minCols >= maxCols) {
            minCols = Math.max(1, maxCols / 10);
        }
        double top = niceCeiling(maxRate * 1.05);
        Axes axes = new Axes(Math.log10(minCols), Math.log10(maxCols), top);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = axes.y(top * i / 5);
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            g.drawString(String.format(Locale.ROOT, "%.0f", v), LEFT - 45, axes.y(v) + 4);
        }
        for (int e = (int) Math.ceil(axes.x0); e <= (int) Math.floor(axes.x1); e++) {
            int x = axes.x(Math.pow(10, e));
            g.drawLine(x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 5);
            g.drawString(String.format(Locale.ROOT, "%,d", (long) Math.pow(10, e)), x - 15, HEIGHT - BOTTOM + 20);
        }
        g.drawString("row width C (classes), at a fixed N × C", LEFT + 150, HEIGHT - 15);
        g.rotate(-Math.PI / 2);
        g.drawString("GB/s (8 bytes per logit)", -(TOP + 260), 25);
        g.rotate(Math.PI / 2);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(subtitle, LEFT, 40);

        int legend = TOP + 10;
        if (!Double.isNaN(ceilingGBps)) {
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(LEFT, axes.y(ceilingGBps), WIDTH - RIGHT, axes.y(ceilingGBps));
            g.drawLine(WIDTH - RIGHT + 10, legend, WIDTH - RIGHT + 35, legend);
            g.drawString(String.format(Locale.ROOT, "copy %.0f GB/s", ceilingGBps), WIDTH - RIGHT + 40, legend + 4);
            legend += 20;
        }
        int k = 0;
        for (Map.Entry<String, List<Point>> e : series.entrySet()) {
            Color color = COLORS[k++ % COLORS.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2f));
            List<Point> points = e.getValue();
            for (int i = 0; i < points.size(); i++) {
                int x = axes.x(points.get(i).cols());
                int y = axes.y(points.get(i).gbps());
                g.fillOval(x - 3, y - 3, 7, 7);
                if (i > 0) {
                    g.drawLine(axes.x(points.get(i - 1).cols()), axes.y(points.get(i - 1).gbps()), x, y);
                }
            }
            g.drawLine(WIDTH - RIGHT + 10, legend, WIDTH - RIGHT + 35, legend);
            g.drawString(e.getKey(), WIDTH - RIGHT + 40, legend + 4);
            legend += 20;
        }
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.setUseCache(false); // in memory: no cache file in java.io.tmpdir, which may be full or capped
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** 1, 2 or 5 times a power of ten, at or above v. */
    static double niceCeiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private record Axes(double x0, double x1, double top) {
        int x(double cols) {
            double f = x1 == x0 ? 0.5 : (Math.log10(cols) - x0) / (x1 - x0);
            return LEFT + (int) Math.round(f * (WIDTH - LEFT - RIGHT));
        }

        int y(double rate) {
            return HEIGHT - BOTTOM - (int) Math.round(rate / top * (HEIGHT - TOP - BOTTOM));
        }
    }

    /** Series from the sweep's results and a baseline's times for the same shapes. */
    static Map<String, List<Point>> series(List<Result> sweep, Map<String, Map<String, Double>> baseline) {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        out.put("softxent", sweep.stream().map(r -> new Point(cols(r), r.rate())).toList());
        if (baseline != null) {
            for (String impl : new String[] {"eager", "compile"}) {
                List<Point> points = sweep.stream().filter(r -> times(baseline, r).containsKey(impl))
                        .map(r -> new Point(cols(r), bytes(r) / (times(baseline, r).get(impl) * 1e6))).toList();
                if (!points.isEmpty()) {
                    out.put(impl.equals("eager") ? "PyTorch eager" : "torch.compile", points);
                }
            }
        }
        return out;
    }

    private static Map<String, Double> times(Map<String, Map<String, Double>> baseline, Result r) {
        return baseline.getOrDefault(Benchmark.key(r.workload(), r.shape(), r.variant()), Map.of());
    }

    private static int cols(Result r) {
        return Integer.parseInt(r.shape().substring(r.shape().indexOf('x') + 1).strip());
    }

    private static double bytes(Result r) {
        String[] dims = r.shape().split("x");
        return 8.0 * Long.parseLong(dims[0].strip()) * Long.parseLong(dims[1].strip());
    }
}
