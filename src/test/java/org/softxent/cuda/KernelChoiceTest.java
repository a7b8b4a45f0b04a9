package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** The host's half of the row kernels' launch contract (see the entry points of cuda/softxent.cu). */
class KernelChoiceTest {
    /** Register-heavy kernels cannot take 1024 threads: as ptxas reports for sm_90 (96 registers: 640). */
    private static final ToIntFunction<String> LIMITS = k -> k.endsWith("_v32") ? 640 : 1024;

    private static int capacity(RowKernel.Shape k) {
        String name = k.kernel();
        if (name.contains("stream")) {
            return Integer.MAX_VALUE;
        }
        int vpt = Integer.parseInt(name.substring(name.lastIndexOf("_v") + 2));
        return (name.contains("warp") ? 32 : k.block()) * vpt;
    }

    @Test
    void everyWidthGetsAKernelThatHoldsItsRowsWithinTheLaunchLimits() {
        int[] widths = {1, 2, 3, 4, 5, 31, 32, 33, 64, 100, 127, 128, 129, 1000, 1023, 1024, 1025, 4096, 5000, 8192,
            10000, 16384, 20000, 32000, 50257, 131072, 262144, 1_000_000};
        for (int cols : widths) {
            for (boolean vector : new boolean[] {false, true}) {
                if (vector && cols % 4 != 0) {
                    continue;
                }
                RowKernel.Shape k = RowKernel.shape(7, cols, vector, LIMITS, 132);
                String what = cols + " columns, vector " + vector + ": " + k;
                assertTrue(capacity(k) >= cols, "the kernel holds the row: " + what);
                assertTrue(k.block() % 32 == 0 && k.block() <= LIMITS.applyAsInt(k.kernel()), "launchable: " + what);
                assertEquals(vector, k.kernel().contains("_p4"), "128-bit access only when allowed: " + what);
                if (k.kernel().contains("warp")) {
                    assertEquals(2, k.grid(), "7 rows at 4 rows per block: " + what);
                } else {
                    assertEquals(7, k.grid(), "a block per row: " + what);
                }
            }
        }
    }

    @Test
    void shortRowsTakeAWarpAndTheSmallestRegisterFootprint() {
        assertEquals("sx_rows_warp_p1_v1", RowKernel.shape(1, 32, false, LIMITS, 132).kernel());
        assertEquals("sx_rows_warp_p1_v2", RowKernel.shape(1, 33, false, LIMITS, 132).kernel());
        assertEquals("sx_rows_warp_p4_v4", RowKernel.shape(1, 100, true, LIMITS, 132).kernel());
        assertEquals("sx_rows_warp_p4_v32", RowKernel.shape(1, 1024, true, LIMITS, 132).kernel());
        assertEquals("sx_rows_block_p4_v8", RowKernel.shape(1, 1028, true, LIMITS, 132).kernel());
        RowKernel.Shape cached = RowKernel.shape(1, 20000, true, LIMITS, 132);
        assertEquals("sx_rows_block_p4_v32", cached.kernel());
        assertEquals(640, cached.block());
        // 32,000 columns would need 1,000 threads of the 32-value kernel, beyond its register limit.
        assertEquals("sx_rows_stream_p4", RowKernel.shape(1, 32000, true, LIMITS, 132).kernel());
        assertEquals(1024, RowKernel.shape(1, 131072, true, LIMITS, 132).block(), "the streamed kernel");
    }

    @Test
    void theGridIsCappedAtWhatTheDeviceHoldsAndTheRowsComeInTurn() {
        RowKernel.Shape tall = RowKernel.shape(65_536, 10, false, LIMITS, 132);
        assertEquals(132 * RowKernel.BLOCKS_PER_SM, tall.grid(), "16 blocks of 4 rows per multiprocessor");
        assertEquals(2, RowKernel.shape(7, 10, false, LIMITS, 132).grid(), "fewer rows, fewer blocks");
        assertEquals(132 * RowKernel.BLOCKS_PER_SM, RowKernel.shape(100_000, 5000, true, LIMITS, 132).grid());
    }
}
