package org.softxent.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.softxent.testing.Rng;

/** The stratified split against the plain statement of its rule (per class: shuffle, hold the first). */
class SplitTest {
    /** Each class's rows in ascending order, shuffled by the seed's draws in class order, the first round(f·n) held. */
    private static Split byTheRule(int[] labels, int classes, double fraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> kept = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> rows = new ArrayList<>();
            for (int r = 0; r < labels.length; r++) {
                if (labels[r] == c) {
                    rows.add(r);
                }
            }
            int[] order = rows.stream().mapToInt(Integer::intValue).toArray();
            Split.shuffle(order, random);
            int out = fraction == 0 ? 0 : (int) Math.round(fraction * order.length);
            if (fraction > 0 && order.length >= 2) {
                out = Math.max(1, Math.min(order.length - 1, out));
            }
            for (int i = 0; i < order.length; i++) {
                (i < out ? held : kept).add(order[i]);
            }
        }
        return new Split(kept.stream().mapToInt(Integer::intValue).sorted().toArray(),
                held.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    @Test
    void theSplitFollowsItsRuleDrawForDraw() {
        Rng rng = Rng.fresh();
        for (int trial = 0; trial < 40; trial++) {
            int classes = rng.nextInt(1, 7);
            int n = rng.nextInt(1, 500);
            int[] labels = new int[n];
            for (int r = 0; r < n; r++) {
                labels[r] = rng.nextInt(0, classes); // some classes may have no row, or one
            }
            double fraction = trial % 5 == 0 ? 0 : rng.nextDouble() * 0.9;
            long seed = rng.nextInt(0, 1 << 30);
            Split got = Split.stratified(labels, classes, fraction, seed);
            Split want = byTheRule(labels, classes, fraction, seed);
            String what = n + " rows, " + classes + " classes, fraction " + fraction + ", " + rng;
            assertArrayEquals(want.kept(), got.kept(), what);
            assertArrayEquals(want.heldOut(), got.heldOut(), what);
            assertEquals(n, got.kept().length + got.heldOut().length, what);
        }
    }
}
