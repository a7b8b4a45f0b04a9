package org.softxent.cpu;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Native float buffers for the products, kept between calls. A buffer of megabytes allocated per
 * call is a fresh mapping per call (malloc hands large blocks to mmap), and touching its pages costs
 * more than copying into them: a training loop's classifier calls spent a third of their native
 * time there. Buffers come back here when a call is done and serve the next call that fits; at
 * most {@link #KEPT_BYTES} are kept, the largest first out.
 */
final class NativeBuffers {
    /** The most bytes kept between calls. */
    static final long KEPT_BYTES = 512L << 20;

    private static final List<FloatPointer> FREE = new ArrayList<>();
    private static long keptBytes;

    private NativeBuffers() {
    }

    /** A buffer of at least {@code floats} floats, contents unspecified; give it back when done. */
    static FloatPointer take(long floats) {
        synchronized (FREE) {
            FloatPointer best = null;
            for (FloatPointer p : FREE) {
                if (p.capacity() >= floats && (best == null || p.capacity() < best.capacity())) {
                    best = p;
                }
            }
            if (best != null) {
                FREE.remove(best);
                keptBytes -= best.capacity() * Float.BYTES;
                return best.position(0).limit(best.capacity());
            }
        }
        return new FloatPointer(Math.max(1, floats));
    }

    /** Gives back a buffer from {@link #take} (null is ignored); it is kept for a later call, or freed. */
    static void give(FloatPointer p) {
        if (p == null) {
            return;
        }
        long bytes = p.capacity() * Float.BYTES;
        synchronized (FREE) {
            if (bytes <= KEPT_BYTES) {
                FREE.add(p);
                keptBytes += bytes;
                while (keptBytes > KEPT_BYTES) { // too much kept: free the largest
                    FloatPointer largest = FREE.get(0);
                    for (FloatPointer q : FREE) {
                        largest = q.capacity() > largest.capacity() ? q : largest;
                    }
                    FREE.remove(largest);
                    keptBytes -= largest.capacity() * Float.BYTES;
                    largest.close();
                }
                return;
            }
        }
        p.close();
    }
}
