package org.softxent.cpu;

import java.lang.ref.SoftReference;
import org.softxent.util.PerThread;

/**
 * Per-thread row buffers, grown on demand, so that row loops allocate nothing per row. Each slot is
 * one buffer; a caller uses distinct slots for buffers it holds at once. A thread keeps a slot's
 * buffer up to {@link #KEPT_BYTES}; a larger one only softly, so that a server's many request
 * threads, each of which once made a call of many classes, do not hold on to those buffers when
 * memory runs short (the collector clears soft references before it gives up).
 */
final class Scratch {
    /** The slot of rows of logits widened to double (one or a block). */
    static final int ROWS = 0;
    /** The slot of a row of probabilities. */
    static final int PROBS = 1;
    /** The slot of a tile of accumulators. */
    static final int TILE = 2;
    /** The slot of a block of logits (the OpenBLAS path). */
    static final int LOGITS = 3;
    /** The slot of a block of rows' softmaxes ({@link RowSoftmax#prepare}). */
    static final int SOFTMAX_ROWS = 4;

    /** The float slot of a block's logits as OpenBLAS wrote them. */
    static final int FLOAT_LOGITS = 0;
    /** The float slot of a block's dS. */
    static final int FLOAT_DS = 1;
    /** The float slot of a block's rows read from a source. */
    static final int FLOAT_X = 2;

    private static final PerThread<double[][]> BUFFERS = PerThread.withInitial(() -> new double[5][0]);
    private static final PerThread<float[][]> FLOATS = PerThread.withInitial(() -> new float[3][0]);

    /**
     * The most a thread keeps in one slot between uses (4 MiB): the classifier's blocks of logits
     * (2^18 values in double, up to 16,384 classes) and rows of up to half a million classes fit;
     * larger ones are held softly.
     */
    static final int KEPT_BYTES = 4 << 20;

    @SuppressWarnings("unchecked")
    private static final PerThread<SoftReference<double[]>[]> LARGE_DOUBLES =
            PerThread.withInitial(() -> (SoftReference<double[]>[]) new SoftReference<?>[5]);
    @SuppressWarnings("unchecked")
    private static final PerThread<SoftReference<float[]>[]> LARGE_FLOATS =
            PerThread.withInitial(() -> (SoftReference<float[]>[]) new SoftReference<?>[3]);

    private Scratch() {
    }

    /** The buffer of {@code slot}, at least {@code length} doubles, with unspecified contents. */
    static double[] doubles(int slot, int length) {
        double[][] buffers = BUFFERS.get();
        if (buffers[slot].length >= length) {
            return buffers[slot];
        }
        if ((long) length * Double.BYTES <= KEPT_BYTES) {
            buffers[slot] = new double[length];
            return buffers[slot];
        }
        SoftReference<double[]>[] large = LARGE_DOUBLES.get();
        double[] b = large[slot] == null ? null : large[slot].get();
        if (b == null || b.length < length) {
            b = new double[length];
            large[slot] = new SoftReference<>(b);
        }
        return b;
    }

    /** The float buffer of {@code slot}, at least {@code length} floats, with unspecified contents. */
    static float[] floats(int slot, int length) {
        float[][] buffers = FLOATS.get();
        if (buffers[slot].length >= length) {
            return buffers[slot];
        }
        if ((long) length * Float.BYTES <= KEPT_BYTES) {
            buffers[slot] = new float[length];
            return buffers[slot];
        }
        SoftReference<float[]>[] large = LARGE_FLOATS.get();
        float[] b = large[slot] == null ? null : large[slot].get();
        if (b == null || b.length < length) {
            b = new float[length];
            large[slot] = new SoftReference<>(b);
        }
        return b;
    }

    /** Workspaces no call holds, the last one closed first; at most {@link #POOLED}. */
    private static final java.util.concurrent.ConcurrentLinkedDeque<Buffers> POOL =
            new java.util.concurrent.ConcurrentLinkedDeque<>();
    private static final java.util.concurrent.atomic.AtomicInteger POOL_SIZE =
            new java.util.concurrent.atomic.AtomicInteger();
    /** As many workspaces kept as calls can run at full speed at once: one per core. */
    static final int POOLED = Math.max(1, Runtime.getRuntime().availableProcessors());

    /**
     * Buffers for one classifier call, held across the call's parallel phases (dW's sums and
     * partials, Wᵀ), from a pool kept for the next calls: arrays of a weight matrix's size
     * allocated per call cost more than the products of a minibatch on this project's VM, where a
     * fresh page of heap costs microseconds to touch (a 256 × 256 × 10 classifier step spent about
     * 90 µs of its 250 µs allocating 30 KB). The pool keeps at most one workspace per core, the
     * last closed handed out first (a thread calling again gets its own back): threads beyond that
     * (a server's request threads) make their own, which the collector takes after the call.
     * Close it when the call is done.
     */
    static Workspace workspace() {
        Buffers b = POOL.pollFirst();
        if (b == null) {
            b = new Buffers();
        } else {
            POOL_SIZE.decrementAndGet();
        }
        return new Workspace(b);
    }

    /**
     * Empties the pool of workspaces, which every engine of this JVM shares (an engine closed):
     * their buffers go to the collector, and the next calls make new ones.
     */
    static void release() {
        while (POOL.pollFirst() != null) {
            POOL_SIZE.decrementAndGet();
        }
    }

    /** How many workspaces the pool keeps now. */
    static int pooled() {
        return POOL_SIZE.get();
    }

    /** The buffers a workspace lends: each grown on demand, contents unspecified unless said. */
    static final class Buffers {
        private double[] sums = new double[0];
        private double[] sumsT = new double[0];
        private float[] weightsT = new float[0];
        private float[] partial = new float[0];
        private float[][] partials = new float[0][];

        /** At least {@code length} doubles, the first {@code length} zero: a call's dW sums. */
        double[] zeroSums(int length) {
            if (sums.length < length) {
                sums = new double[length];
            } else {
                java.util.Arrays.fill(sums, 0, length, 0.0);
            }
            return sums;
        }

        /** At least {@code length} doubles: the sums transposed. */
        double[] sumsT(int length) {
            if (sumsT.length < length) {
                sumsT = new double[length];
            }
            return sumsT;
        }

        /** At least {@code length} floats: W transposed. */
        float[] weightsT(int length) {
            if (weightsT.length < length) {
                weightsT = new float[length];
            }
            return weightsT;
        }

        /** At least {@code length} floats: one block's partial dW. */
        float[] partial(int length) {
            if (partial.length < length) {
                partial = new float[length];
            }
            return partial;
        }

        /** At least {@code count} arrays of at least {@code length} floats: the tasks' partial dW. */
        float[][] partials(int count, int length) {
            if (partials.length < count || partials[0].length < length) {
                // Exactly what this call asks (a call's own bound), not the largest of each
                // dimension over the calls, which could make many rows of the longest length.
                partials = new float[count][length];
            }
            return partials;
        }
    }

    /**
     * One call's hold on pooled buffers: a lease, so that a close after the buffers went to another
     * call (a second close) cannot pool them twice. Created by {@link #workspace}, or with
     * {@code new} for buffers of its own that are never pooled.
     */
    static final class Workspace implements AutoCloseable {
        private final Buffers buffers;
        private final boolean pooled;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        /** A workspace of buffers of its own, which its close does not pool. */
        Workspace() {
            this.buffers = new Buffers();
            this.pooled = false;
        }

        private Workspace(Buffers buffers) {
            this.buffers = buffers;
            this.pooled = true;
        }

        /** At least {@code length} doubles, the first {@code length} zero: a call's dW sums. */
        double[] zeroSums(int length) {
            return buffers.zeroSums(length);
        }

        /** At least {@code length} doubles: the sums transposed. */
        double[] sumsT(int length) {
            return buffers.sumsT(length);
        }

        /** At least {@code length} floats: W transposed. */
        float[] weightsT(int length) {
            return buffers.weightsT(length);
        }

        /** At least {@code length} floats: one block's partial dW. */
        float[] partial(int length) {
            return buffers.partial(length);
        }

        /** At least {@code count} arrays of at least {@code length} floats: the tasks' partial dW. */
        float[][] partials(int count, int length) {
            return buffers.partials(count, length);
        }

        /** The buffers back to the pool, unless it holds {@link #POOLED} already; later closes do nothing. */
        @Override
        public void close() {
            if (!pooled || !closed.compareAndSet(false, true)) {
                return;
            }
            if (POOL_SIZE.incrementAndGet() <= POOLED) {
                POOL.offerFirst(buffers);
            } else {
                POOL_SIZE.decrementAndGet();
            }
        }

        /** Whether this workspace lends the same buffers as {@code other} (for the tests). */
        boolean sharesBuffersWith(Workspace other) {
            return buffers == other.buffers;
        }
    }

    /** Rows [first, first + count) of a [rows, cols] float matrix, widened into the {@link #ROWS} buffer. */
    static double[] widenRows(float[] values, int first, int count, int cols) {
        int n = Math.multiplyExact(count, cols);
        double[] z = doubles(ROWS, n);
        int off = first * cols;
        for (int i = 0; i < n; i++) {
            z[i] = values[off + i];
        }
        return z;
    }
}
