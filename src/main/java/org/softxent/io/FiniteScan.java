package org.softxent.io;

import org.softxent.cpu.Finite;
import org.softxent.util.PerThreadArray;

/** {@link RowSource#firstNonFinite}: a scan by blocks of rows on the fork/join pool. */
final class FiniteScan {
    /** Each thread's buffer: as long as its longest block (about 1 MiB), kept from scan to scan. */
    private static final PerThreadArray<float[]> BUFFER = PerThreadArray.floats();

    private FiniteScan() {
    }

    /** The flat index of the first NaN or infinity of x, or −1 (at once for a source known finite). */
    static long first(RowSource x) {
        return x.knownFinite() ? -1 : scan(x);
    }

    /** As {@link #first}, reading every value whatever the source says of itself. */
    static long scan(RowSource x) {
        int features = x.features();
        long rows = x.rows();
        int block = Math.max(1, (1 << 18) / features);
        long blocks = (rows + block - 1) / block;
        long bad = java.util.stream.LongStream.range(0, blocks).parallel().map(k -> {
            long from = k * block;
            int m = (int) Math.min(block, rows - from);
            float[] values = BUFFER.atLeast(block * features);
            x.read(from, m, values, 0);
            long at = Finite.first(values, 0, m * features, false);
            return at >= 0 ? from * features + at : Long.MAX_VALUE;
        }).min().orElse(Long.MAX_VALUE);
        return bad == Long.MAX_VALUE ? -1 : bad;
    }
}
