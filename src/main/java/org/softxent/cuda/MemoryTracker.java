package org.softxent.cuda;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The engine's ledger of {@link Memory}: what is open, how much device memory that is, and what
 * leaked. A leak (an owner still open when the engine closes, or dropped without close) is freed,
 * logged as a warning and kept for {@link CudaBackends#takeLeakReports()}, where tests look for it.
 */
final class MemoryTracker {
    private static final System.Logger LOG = System.getLogger("org.softxent.cuda");
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();

    private final CudaContext cuda;
    private final Set<Memory.State> open = new LinkedHashSet<>();
    private long deviceBytes;
    private boolean closed;

    MemoryTracker(CudaContext cuda) {
        this.cuda = cuda;
    }

    CudaContext cuda() {
        return cuda;
    }

    synchronized Memory opened(Memory m) {
        open.add(m.state());
        if (m.state().device) {
            deviceBytes += m.bytes();
        }
        return m;
    }

    /** An owner closed: free its memory (the engine's context current). */
    synchronized void closed(Memory.State s) {
        if (open.remove(s)) {
            if (s.device) {
                deviceBytes -= s.bytes;
            }
            if (!closed) {
                cuda.makeCurrentForClose();
                s.free();
            }
        }
    }

    /** A leak found by the cleaner: reported, and freed while the engine is open. */
    synchronized void leaked(Memory.State s, String how) {
        if (open.remove(s)) {
            if (s.device) {
                deviceBytes -= s.bytes;
            }
            report(s + " " + how);
            if (!closed) {
                cuda.makeCurrentForClose();
                s.free();
            }
        }
    }

    /** Device memory held by open owners, in bytes. */
    synchronized long deviceBytes() {
        return deviceBytes;
    }

    /** At the engine's close, after its own owners closed: what is still open leaked. */
    synchronized void closeAll() {
        List<Memory.State> left = new ArrayList<>(open);
        open.clear();
        deviceBytes = 0;
        for (Memory.State s : left) {
            report(s + " was still open when the engine closed");
            s.free();
        }
        closed = true;
    }

    private static void report(String leak) {
        reportLeak(leak);
    }

    /** Records a leak (for {@link #takeReports()}) and logs it as a warning; what leaked was freed. */
    static void reportLeak(String leak) {
        REPORTS.add(leak);
        LOG.log(System.Logger.Level.WARNING, "softxent: leaked " + leak + "; freed");
    }

    /** The leaks reported since the last call, oldest first. */
    static List<String> takeReports() {
        List<String> out = new ArrayList<>();
        for (String r; (r = REPORTS.poll()) != null; ) {
            out.add(r);
        }
        return out;
    }
}
