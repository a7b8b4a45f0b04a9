package org.softxent.cpu;

import java.util.stream.IntStream;

/**
 * Splits a loop over [0, count) into fixed ranges and runs them on the fork/join pool of the
 * calling thread (the common pool, unless the caller runs inside another pool).
 *
 * <p>The split depends only on {@code count} and {@code grain}, never on the number of threads,
 * and partial results are combined in range order: the CPU reference returns the same bits
 * whatever the parallelism. That is what makes it usable as a reference.
 */
final class Parallel {
    /** Work below this many elements is not worth handing to other threads. */
    private static final long PARALLEL_FROM = 1L << 15;

    /** Rows per range, so that a range holds about this many elements. */
    private static final int ELEMENTS_PER_RANGE = 1 << 14;

    private Parallel() {
    }

    interface RangeTask {
        void run(int from, int to);
    }

    interface RangeSum {
        double run(int from, int to);
    }

    interface RangeSearch {
        /** The first index in [from, to) that matches, or −1. */
        long run(int from, int to);
    }

    /** How many rows of {@code cols} elements make one range. */
    static int rowsPerRange(long cols) {
        return (int) Math.max(1, ELEMENTS_PER_RANGE / Math.max(1, cols));
    }

    /** Runs {@code task} over the ranges of [0, count); {@code work} is the total element count. */
    static void forEach(int count, int grain, long work, RangeTask task) {
        int ranges = ranges(count, grain);
        stream(ranges, work).forEach(r -> task.run(r * grain, end(r, grain, count)));
    }

    /** The sum over the ranges of [0, count) of {@code task}'s results, added in range order. */
    static double sum(int count, int grain, long work, RangeSum task) {
        int ranges = ranges(count, grain);
        double[] partial = new double[ranges];
        stream(ranges, work).forEach(r -> partial[r] = task.run(r * grain, end(r, grain, count)));
        double total = 0.0;
        for (double p : partial) {
            total += p;
        }
        return total;
    }

    /** The smallest index any range reports, or −1 when none does. */
    static long first(int count, int grain, long work, RangeSearch task) {
        int ranges = ranges(count, grain);
        return stream(ranges, work)
                .mapToLong(r -> task.run(r * grain, end(r, grain, count)))
                .filter(i -> i >= 0)
                .min()
                .orElse(-1);
    }

    /**
     * Runs {@code body(0)} .. {@code body(count - 1)} on the calling thread and the common pool's
     * threads, each taking the next index as it finishes one, and returns only when every started
     * call has finished, even when some failed: a caller may then free what they used. After a
     * failure no new index is started; the first failure is rethrown, the others suppressed.
     */
    static void each(int count, java.util.function.IntConsumer body) {
        if (count == 1) {
            body.accept(0);
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count && failure.get() == null; i = next.getAndIncrement()) {
                try {
                    body.accept(i);
                } catch (RuntimeException | Error e) {
                    if (!failure.compareAndSet(null, e)) {
                        failure.get().addSuppressed(e);
                    }
                }
            }
        };
        // The threads that can take part: the caller and the other workers of its pool (a Spark
        // task's pool of its CPUs, say), or, outside a pool, the caller and the common pool's.
        int threads = java.util.concurrent.ForkJoinTask.inForkJoinPool()
                ? java.util.concurrent.ForkJoinTask.getPool().getParallelism()
                : java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1;
        int helpers = Math.min(count, threads) - 1;
        java.util.List<java.util.concurrent.ForkJoinTask<?>> forked = new java.util.ArrayList<>();
        for (int h = 0; h < helpers; h++) {
            forked.add(java.util.concurrent.ForkJoinTask.adapt(worker).fork());
        }
        worker.run();
        for (java.util.concurrent.ForkJoinTask<?> t : forked) {
            t.join();
        }
        Throwable first = failure.get();
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    private static int ranges(int count, int grain) {
        return (int) ((count + (long) grain - 1) / grain);
    }

    private static int end(int range, int grain, int count) {
        return (int) Math.min((long) (range + 1) * grain, count);
    }

    private static IntStream stream(int ranges, long work) {
        IntStream stream = IntStream.range(0, ranges);
        return ranges > 1 && work >= PARALLEL_FROM ? stream.parallel() : stream;
    }
}
