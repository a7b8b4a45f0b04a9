package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed PTX against its source: current, loadable by CUDA 12 drivers, one struct per kernel. */
class KernelSourcesTest {
    private static final String PTX = Module.ptx();

    @Test
    void theCommittedPtxIsGeneratedFromTheCurrentSource() throws Exception {
        byte[] source = Files.readAllBytes(Path.of("cuda", "softxent.cu"));
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(source));
        String firstLine = PTX.lines().findFirst().orElse("");
        assertEquals("// softxent-source-sha256 " + hash, firstLine,
                "src/main/resources/org/softxent/cuda/softxent.ptx is stale: cuda/softxent.cu changed since it was "
                        + "generated; run cuda/build-ptx.sh (needs nvcc) and commit the PTX");
    }

    @Test
    void thePtxLoadsOnCuda12DriversAndRecordsItsRegisters() {
        assertTrue(PTX.contains("\n.version 8.0\n"), "PTX ISA 8.0: CUDA 12.0 and newer drivers load it");
        assertTrue(PTX.contains("\n.target sm_75\n"), "compiled for compute capability 7.5 and up");
        Map<String, Integer> kernels = Module.structSizes(PTX);
        assertTrue(kernels.size() >= 20, kernels.keySet().toString());
        for (String kernel : kernels.keySet()) {
            assertTrue(PTX.contains("// softxent-registers " + kernel + " "), kernel + "'s sm_90 registers are recorded");
        }
    }

    @Test
    void everyKernelTakesOneStructOfItsLaunchersSize() {
        Map<String, Integer> sizes = Module.structSizes(PTX);
        assertEquals(KernelArgs.layout(RowKernel.class).size(), sizes.get("sx_rows_stream_p4"));
        assertEquals(KernelArgs.layout(RowKernel.class).size(), sizes.get("sx_rows_warp_p1_v1"));
        assertEquals(KernelArgs.layout(DivisorKernel.class).size(), sizes.get("sx_divisor"));
        assertEquals(KernelArgs.layout(BceKernel.class).size(), sizes.get("sx_bce"));
        assertEquals(KernelArgs.layout(BackwardKernel.class).size(), sizes.get("sx_backward_block_p4"));
        assertEquals(KernelArgs.layout(ScaleKernel.class).size(), sizes.get("sx_scale"));
        assertEquals(KernelArgs.layout(GatherKernel.class).size(), sizes.get("sx_gather_rows"));
        assertEquals(KernelArgs.layout(SgdKernel.class).size(), sizes.get("sx_sgd_update"));
    }
}
