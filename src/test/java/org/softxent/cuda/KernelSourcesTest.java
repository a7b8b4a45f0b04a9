package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
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

    @Test
    void launchesAreCheckedAgainstTheKernelsSignatures() {
        Map<String, String> signatures = Kernels.signatures(PTX);
        assertEquals("iiillllliffflllll", signatures.get("sx_rows_stream_p4"));
        assertEquals("iilliilll", signatures.get("sx_ce_divisor"));
        assertEquals("lilllflllll", signatures.get("sx_bce"));
        assertEquals("ildlll", signatures.get("sx_reduce_partials"));
        for (String kernel : Kernels.names()) {
            assertTrue(signatures.containsKey(kernel), kernel);
        }
        assertEquals('l', Kernels.typeOf(null));
        assertEquals('l', Kernels.typeOf(3L));
        assertEquals('i', Kernels.typeOf(3));
        assertEquals('f', Kernels.typeOf(3f));
        assertEquals('d', Kernels.typeOf(3d));
    }
}
