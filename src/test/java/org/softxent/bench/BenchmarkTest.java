package org.softxent.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.softxent.Device;
import org.softxent.Softxent;

class BenchmarkTest {
    @Test
    void statsAreNearestRankPercentiles() {
        double[] samples = new double[20];
        for (int i = 0; i < 20; i++) {
            samples[i] = 20 - i; // 20, 19, ..., 1: the order must not matter
        }
        Stats s = Stats.of(samples);
        assertEquals(20, s.runs());
        assertEquals(10.0, s.medianMs());
        assertEquals(2.0, s.p10Ms());
        assertEquals(18.0, s.p90Ms());
        assertEquals(7.0, Stats.of(new double[] {7}).medianMs());
        assertThrows(IllegalArgumentException.class, () -> Stats.of(new double[0]));
    }

    @Test
    void theQuickCpuRunTimesEachWorkloadAndReportsItsJson() {
        StringWriter text = new StringWriter();
        Benchmark.Report report;
        try (Softxent cpu = Softxent.open(Device.CPU)) {
            report = Benchmark.run(cpu, new Benchmark.Options(true, 3, null), new PrintWriter(text));
        }
        List<Result> results = report.results();
        assertEquals(List.of("cross-entropy", "softmax backward", "classifier"),
                results.stream().map(Result::workload).toList());
        for (Result r : results) {
            assertEquals("cpu", r.device());
            assertEquals(3, r.stats().runs());
            assertTrue(r.stats().p10Ms() <= r.stats().medianMs() && r.stats().medianMs() <= r.stats().p90Ms(), r.toString());
            assertTrue(r.rate() > 0 && Double.isFinite(r.rate()), r.toString());
        }
        assertTrue(text.toString().contains("65536 x 10"), text.toString());
        JsonObject written = JsonParser.parseString(report.json()).getAsJsonObject();
        assertEquals(3, written.getAsJsonArray("results").size());
        JsonObject first = written.getAsJsonArray("results").get(0).getAsJsonObject();
        for (String field : new String[] {"workload", "shape", "device", "runs", "median_ms", "p10_ms", "p90_ms", "rate"}) {
            assertTrue(first.has(field), field);
        }
        assertTrue(written.getAsJsonObject("environment").has("jvm"));
    }

    /** The sweep's picture: a PNG of the stated size whose series are drawn where their figures say. */
    @Test
    void theSweepPictureIsAPngWithEverySeriesDrawn() throws Exception {
        List<SweepPicture.Point> ours = List.of(new SweepPicture.Point(10, 100), new SweepPicture.Point(1000, 2000),
                new SweepPicture.Point(262_144, 3500));
        List<SweepPicture.Point> theirs = List.of(new SweepPicture.Point(10, 50), new SweepPicture.Point(262_144, 900));
        java.util.Map<String, List<SweepPicture.Point>> series = new java.util.LinkedHashMap<>();
        series.put("softxent", ours);
        series.put("PyTorch eager", theirs);
        byte[] png = SweepPicture.png("title", "device", series, 4000);
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertEquals(900, image.getWidth());
        assertEquals(560, image.getHeight());
        long colored = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb == 0x1f77b4 || rgb == 0xff7f0e) {
                    colored++;
                }
            }
        }
        assertTrue(colored > 500, "both series are drawn: " + colored + " pixels of their colours");
        assertEquals(5000.0, SweepPicture.niceCeiling(4200));
        assertEquals(2.0, SweepPicture.niceCeiling(1.5));
    }
}
