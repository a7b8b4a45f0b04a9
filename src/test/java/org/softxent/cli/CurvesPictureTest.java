package org.softxent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.softxent.train.Epoch;

/** The curves picture's round ticks, and a picture that decodes with the kept epoch marked. */
class CurvesPictureTest {
    @Test
    void ticks_are_round() {
        assertEquals(0.2, CurvesPicture.niceStep(1, 5), 1e-12);
        assertEquals(20, CurvesPicture.niceStep(99, 6), 1e-12);
        assertEquals(0.025, CurvesPicture.niceStep(0.11, 5), 1e-12);
        assertEquals(5, CurvesPicture.niceStep(20, 5), 1e-12);
        assertEquals(2, CurvesPicture.decimals(0.25));
        assertEquals(1, CurvesPicture.decimals(0.1));
        assertEquals(0, CurvesPicture.decimals(20));
        assertEquals(3, CurvesPicture.decimals(0.025));
        // Epochs are whole: 1, 2 or 5 x 10^k, never 2.5.
        assertEquals(1, CurvesPicture.epochStep(1));
        assertEquals(1, CurvesPicture.epochStep(7));
        assertEquals(5, CurvesPicture.epochStep(15));
        assertEquals(5, CurvesPicture.epochStep(16));
        assertEquals(20, CurvesPicture.epochStep(100));
        for (int n = 1; n < 5000; n++) {
            int step = CurvesPicture.epochStep(n);
            String digits = Integer.toString(step).replaceAll("0+$", "");
            assertTrue(digits.equals("1") || digits.equals("2") || digits.equals("5"), n + " epochs: step " + step);
            assertTrue((n - 1) / step <= 10, n + " epochs: " + ((n - 1) / step) + " ticks");
        }
    }

    @Test
    void the_picture_decodes_and_marks_the_kept_epoch() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom r = new SplittableRandom(seed);
        int n = 5 + r.nextInt(60);
        List<Epoch> h = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            double loss = 0.1 + r.nextDouble() / i;
            h.add(new Epoch(i, loss, loss, 1 - loss / 2, loss + 0.01, 1 - loss / 2 - 0.01, 0.1, i * 0.01));
        }
        int best = 1 + r.nextInt(n);
        BufferedImage with = ImageIO.read(new ByteArrayInputStream(CurvesPicture.png(h, "t", best, "mean log loss")));
        BufferedImage without = ImageIO.read(new ByteArrayInputStream(CurvesPicture.png(h, "t", 0, "mean log loss")));
        assertEquals(920, with.getWidth(), "seed " + seed);
        int differing = 0;
        for (int y = 0; y < with.getHeight(); y++) {
            for (int x = 0; x < with.getWidth(); x++) {
                differing += with.getRGB(x, y) != without.getRGB(x, y) ? 1 : 0;
            }
        }
        assertNotEquals(0, differing, "the kept epoch's marker is drawn, seed " + seed);
    }
}
