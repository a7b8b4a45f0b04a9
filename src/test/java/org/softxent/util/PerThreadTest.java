package org.softxent.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PerThreadTest {
    /**
     * A common-pool worker keeps its value from one task to the next (JDK 17 erases the
     * thread-locals of these workers between tasks taken from outside), and each thread has its
     * own.
     */
    @Test
    void aCommonPoolWorkerKeepsItsValueFromTaskToTask() throws InterruptedException {
        AtomicInteger made = new AtomicInteger();
        PerThread<int[]> values = PerThread.withInitial(() -> new int[] {made.incrementAndGet()});
        Map<Thread, int[]> seen = new HashMap<>();
        int repeats = 0;
        for (int task = 0; task < 40; task++) {
            idle();
            Object[] got = ForkJoinPool.commonPool().submit(() -> new Object[] {Thread.currentThread(), values.get()})
                    .join();
            int[] previous = seen.putIfAbsent((Thread) got[0], (int[]) got[1]);
            if (previous != null) {
                repeats++;
                assertSame(previous, got[1], "task " + task + " on " + got[0] + " got another value than before");
            }
        }
        assertTrue(repeats > 0, "no worker ran two of the 40 tasks");
        assertEquals(seen.size(), made.get(), "one value per thread: " + seen.keySet());
        int[] mine = values.get();
        assertSame(mine, values.get(), "the calling thread's value changed between two gets");
    }

    /** A value set replaces the thread's own, also after the pool's erasure. */
    @Test
    void aValueSetOnAWorkerIsTheOneItGetsLater() throws InterruptedException {
        PerThread<String> values = PerThread.withInitial(() -> "initial");
        Map<Thread, String> set = new HashMap<>();
        for (int task = 0; task < 40; task++) {
            idle();
            int t = task;
            Object[] got = ForkJoinPool.commonPool().submit(() -> {
                String before = values.get();
                values.set("set by task " + t);
                return new Object[] {Thread.currentThread(), before};
            }).join();
            String expected = set.getOrDefault((Thread) got[0], "initial");
            assertEquals(expected, got[1], "task " + task + " on " + got[0]);
            set.put((Thread) got[0], "set by task " + task);
        }
    }

    /** Long enough for the pool's workers to go idle: the erasure comes as a worker takes up work again. */
    private static void idle() throws InterruptedException {
        Thread.sleep(3);
    }
}
