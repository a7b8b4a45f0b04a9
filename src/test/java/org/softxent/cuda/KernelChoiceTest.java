package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** The host's half of the row kernels' launch contract (see the comments in cuda/softxent.cu). */
class KernelChoiceTest {
    /** Register-heavy kernels cannot take 1024 threads: as ptxas reports for sm_90 (96 registers: 640). */
    private static final ToIntFunction<String> LIMITS = k -> k.endsWith("_v32") ? 640 : 1024;

    private static int capacity(Kernels.RowLaunch k) {
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
                Kernels.RowLaunch k = Kernels.chooseRowKernel(7, cols, vector, LIMITS);
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
        assertEquals("sx_rows_warp_p1_v1", Kernels.chooseRowKernel(1, 32, false, LIMITS).kernel());
        assertEquals("sx_rows_warp_p1_v2", Kernels.chooseRowKernel(1, 33, false, LIMITS).kernel());
        assertEquals("sx_rows_warp_p4_v4", Kernels.chooseRowKernel(1, 100, true, LIMITS).kernel());
        assertEquals("sx_rows_warp_p4_v32", Kernels.chooseRowKernel(1, 1024, true, LIMITS).kernel());
        assertEquals("sx_rows_block_p4_v8", Kernels.chooseRowKernel(1, 1028, true, LIMITS).kernel());
        Kernels.RowLaunch cached = Kernels.chooseRowKernel(1, 20000, true, LIMITS);
        assertEquals("sx_rows_block_p4_v32", cached.kernel());
        assertEquals(640, cached.block());
        // 32,000 columns would need 1,000 threads of the 32-value kernel, beyond its register limit.
        assertEquals("sx_rows_stream_p4", Kernels.chooseRowKernel(1, 32000, true, LIMITS).kernel());
        assertEquals(1024, Kernels.chooseRowKernel(1, 131072, true, LIMITS).block(), "the streamed kernel");
    }

    @Test
    void backwardKernels() {
        assertEquals("sx_backward_warp_p4", Kernels.chooseBackwardKernel(3, 1000, true, LIMITS).kernel());
        Kernels.RowLaunch b = Kernels.chooseBackwardKernel(3, 32000, false, LIMITS);
        assertEquals("sx_backward_block_p1", b.kernel());
        assertEquals(1024, b.block());
        assertEquals(3, b.grid());
    }
}
