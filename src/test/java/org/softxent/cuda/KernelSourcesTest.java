package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The committed PTX against its source, and against the kernels the engine launches. */
class KernelSourcesTest {
    private static final String PTX = Kernels.ptx();

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
    void thePtxLoadsOnCuda12DriversAndHoldsEveryKernelTheEngineLaunches() {
        assertTrue(PTX.contains("\n.version 8.0\n"), "PTX ISA 8.0: CUDA 12.0 and newer drivers load it");
        assertTrue(PTX.contains("\n.target sm_75\n"), "compiled for compute capability 7.5 and up");
        for (String kernel : Kernels.names()) {
            assertTrue(PTX.contains(".entry " + kernel + "("), kernel + " is in the PTX");
        }
    }
}
