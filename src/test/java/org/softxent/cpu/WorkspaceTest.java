package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.softxent.ClassifierOptions;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.Rng;

/**
 * The per-thread buffers a classifier call holds across its parallel phases: a thread's second
 * call while the first holds them gets its own, and calls made at once from the fork/join pool's
 * threads (which run each other's tasks while they wait) give the bits of the same calls made one
 * at a time.
 */
class WorkspaceTest {
    @Test
    void aHeldWorkspaceIsNotHandedOutAgain() {
        Scratch.Workspace outer = Scratch.workspace();
        Scratch.Workspace inner = Scratch.workspace();
        assertNotSame(outer, inner, "a nested call on the same thread gets buffers of its own");
        inner.close();
        outer.close();
        try (Scratch.Workspace again = Scratch.workspace()) {
            assertSame(outer, again, "the thread's workspace serves its next call");
        }
        // A workspace of its own: the thread's may hold larger buffers from other tests' calls.
        Scratch.Workspace fresh = new Scratch.Workspace();
        float[][] rows = fresh.partials(3, 10);
        assertTrue(rows.length >= 3 && rows[2].length >= 10, "at least the rows asked");
        float[][] more = fresh.partials(2, 25);
        assertTrue(more.length >= 2 && more[1].length >= 25, "grown to the longer rows");
        assertTrue(more.length * (long) more[0].length <= 3L * 25, "to this call's size, not each dimension's largest");
        double[] sums = fresh.zeroSums(40);
        sums[39] = 7;
        assertEquals(0.0, fresh.zeroSums(40)[39], "zeroed for each call");
    }

    @Test
    void callsAtOnceFromThePoolGiveTheBitsOfCallsOneAtATime() {
        Rng rng = Rng.fresh();
        // Two shapes per path (the CPU kernels for few classes, OpenBLAS for the others), so that
        // calls sharing a thread's buffers would clobber each other's dW with sums of another size.
        int[][] shapes = {{3001, 100, 10}, {2048, 300, 12}, {1500, 64, 40}, {2100, 257, 33}};
        int problems = 16;
        float[][] xs = new float[problems][];
        float[][] ws = new float[problems][];
        int[][] ys = new int[problems][];
        float[][] expectedW = new float[problems][];
        double[] expectedLoss = new double[problems];
        ClassifierOptions o = ClassifierOptions.defaults().withReg(0.01);
        try (Softxent sx = Softxent.open(Device.CPU)) {
            for (int p = 0; p < problems; p++) {
                int[] s = shapes[p % shapes.length];
                xs[p] = rng.normal(s[0] * s[1], 1);
                ws[p] = rng.normal(s[1] * s[2], 0.05);
                ys[p] = rng.labels(s[0], s[2]);
                expectedW[p] = new float[s[1] * s[2]];
                expectedLoss[p] = sx.classifier(xs[p], ws[p], null, ys[p], s[0], s[1], s[2], o, expectedW[p], null,
                        null).loss();
            }
            for (int round = 0; round < 3; round++) {
                float[][] gotW = new float[problems][];
                double[] gotLoss = new double[problems];
                IntStream.range(0, problems).parallel().forEach(p -> {
                    int[] s = shapes[p % shapes.length];
                    gotW[p] = new float[s[1] * s[2]];
                    gotLoss[p] = sx.classifier(xs[p], ws[p], null, ys[p], s[0], s[1], s[2], o, gotW[p], null, null)
                            .loss();
                });
                for (int p = 0; p < problems; p++) {
                    assertEquals(expectedLoss[p], gotLoss[p], "loss of problem " + p + ", round " + round + ", " + rng);
                    assertArrayEquals(expectedW[p], gotW[p], "dW of problem " + p + ", round " + round + ", " + rng);
                }
            }
        }
    }
}
