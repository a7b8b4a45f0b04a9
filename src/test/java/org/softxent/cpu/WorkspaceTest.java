package org.softxent.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.softxent.ClassifierOptions;
import org.softxent.Device;
import org.softxent.Softxent;
import org.softxent.testing.Rng;

/**
 * The buffers a classifier call holds across its parallel phases: a thread's second call while the
 * first holds them gets its own, calls made at once from the fork/join pool's threads (which run
 * each other's tasks while they wait) give the bits of the same calls made one at a time, and what
 * is kept between calls is bounded whatever the number of calling threads.
 */
class WorkspaceTest {
    @Test
    void aHeldWorkspaceIsNotHandedOutAgain() {
        Scratch.Workspace outer = Scratch.workspace();
        Scratch.Workspace inner = Scratch.workspace();
        assertFalse(outer.sharesBuffersWith(inner), "a nested call on the same thread gets buffers of its own");
        inner.close();
        outer.close();
        try (Scratch.Workspace again = Scratch.workspace()) {
            assertTrue(outer.sharesBuffersWith(again), "the last workspace closed serves the next call");
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
    void thePoolKeepsOneWorkspacePerCoreWhateverTheThreads() throws Exception {
        Scratch.release();
        int threads = Scratch.POOLED + 6;
        Scratch.Workspace[] held = new Scratch.Workspace[threads];
        java.util.concurrent.CountDownLatch allHold = new java.util.concurrent.CountDownLatch(threads);
        java.util.concurrent.CountDownLatch letGo = new java.util.concurrent.CountDownLatch(1);
        Thread[] t = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int k = i;
            t[i] = new Thread(() -> {
                held[k] = Scratch.workspace();
                held[k].zeroSums(1000);
                allHold.countDown();
                try {
                    letGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                held[k].close();
            });
            t[i].start();
        }
        allHold.await();
        for (int i = 0; i < threads; i++) {
            for (int j = i + 1; j < threads; j++) {
                assertFalse(held[i].sharesBuffersWith(held[j]), "each call at once holds its own buffers");
            }
        }
        letGo.countDown();
        for (Thread thread : t) {
            thread.join();
        }
        assertEquals(Scratch.POOLED, Scratch.pooled(), "one kept per core, the others left to the collector");
        try (Softxent sx = Softxent.open(Device.CPU)) {
            assertEquals(Scratch.POOLED, Scratch.pooled());
        }
        assertEquals(0, Scratch.pooled(), "an engine closed empties the pool");
    }

    @Test
    void aThreadKeepsRowBuffersUpToABoundAndLargerOnesSoftly() {
        int small = Scratch.KEPT_BYTES / Double.BYTES;
        assertSame(Scratch.doubles(Scratch.ROWS, small), Scratch.doubles(Scratch.ROWS, small), "kept");
        double[] large = Scratch.doubles(Scratch.ROWS, small + 1);
        assertTrue(large.length >= small + 1);
        assertSame(large, Scratch.doubles(Scratch.ROWS, small + 1), "held softly: the same while it lives");
        assertTrue(Scratch.doubles(Scratch.ROWS, 1).length <= small, "the slot's kept buffer stays bounded");
        int smallFloats = Scratch.KEPT_BYTES / Float.BYTES;
        assertSame(Scratch.floats(Scratch.FLOAT_DS, smallFloats), Scratch.floats(Scratch.FLOAT_DS, smallFloats));
        float[] largeFloats = Scratch.floats(Scratch.FLOAT_DS, smallFloats + 1);
        assertSame(largeFloats, Scratch.floats(Scratch.FLOAT_DS, smallFloats + 1));
        assertTrue(Scratch.floats(Scratch.FLOAT_DS, 1).length <= smallFloats);
    }

    @Test
    void aWorkspaceClosedTwiceIsPooledOnce() {
        Scratch.release();
        Scratch.Workspace w = Scratch.workspace();
        w.close();
        w.close();
        assertEquals(1, Scratch.pooled(), "a second close is a no-op");
        Scratch.Workspace b = Scratch.workspace();
        assertTrue(w.sharesBuffersWith(b), "the buffers serve the next call");
        w.close(); // late, while b holds the buffers
        assertEquals(0, Scratch.pooled(), "a stale close does not pool buffers another call holds");
        Scratch.Workspace c = Scratch.workspace();
        assertFalse(b.sharesBuffersWith(c), "never lent to two calls at once");
        b.close();
        c.close();
        Scratch.Workspace own = new Scratch.Workspace();
        own.close();
        assertEquals(2, Scratch.pooled(), "a workspace of its own is not pooled");
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
