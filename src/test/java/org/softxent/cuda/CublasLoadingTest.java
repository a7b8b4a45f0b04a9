package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.ChildJvm;

/**
 * Where cuBLAS comes from, in child JVMs (JCublas2 initialises once per JVM): softmax and
 * cross-entropy need none, and the classifier says why it cannot run without it; libcublas.so.13
 * is found under $CUDA_HOME/lib64 where the dynamic linker would not find it.
 */
class CublasLoadingTest {
    @TempDir
    Path tmp;

    @Test
    void withoutCublasSoftmaxAndCrossEntropyRunAndTheClassifierSaysWhy() throws Exception {
        Path simulated = Path.of(System.getProperty("softxent.simulatedDevice", "target/simulated-device"));
        Assumptions.assumeTrue(Files.isRegularFile(simulated.resolve("libcuda.so.1")), "the simulated device is built");
        Assumptions.assumeTrue(CudaBackends.whyNoDevice() == null && CudaBackends.simulated(),
                "this machine's own driver would take precedence over the simulated device");
        Path noCublas = Files.createDirectories(tmp.resolve("device-without-cublas"));
        Files.copy(simulated.resolve("libcuda.so.1"), noCublas.resolve("libcuda.so.1"));
        Map<String, String> got = ChildJvm.run(NoCublasChild.class,
                Map.of(DriverLoader.PROPERTY, noCublas.toString()), Map.of(), tmp.resolve("hs_err.log"));
        String out = got.get("(output)");
        assertTrue(got.get("description").contains("simulated"), out);
        String[] p = got.get("softmax").split(",");
        assertEquals(0.25, Double.parseDouble(p[0]), 1e-6, out);
        assertEquals(0.75, Double.parseDouble(p[1]), 1e-6, out);
        assertTrue(Math.abs(Double.parseDouble(got.get("loss")) - Math.log(2)) < 1e-6, out);
        assertTrue(got.get("classifier").startsWith("the classifier needs cuBLAS, which is not usable here: the "
                + "simulated device has no cuBLAS"), out);
        assertEquals("0.5", got.get("after"), "the engine still works: " + out);
    }

    @Test
    void cublas13IsFoundUnderCudaHome() throws Exception {
        Path bridge = Path.of("target", "classes").resolve(Natives.DIR.substring(1)).resolve(Natives.BRIDGE);
        Assumptions.assumeTrue(Files.isRegularFile(bridge), "the bridge is built on linux-x86_64 with gcc");
        Path lib64 = Files.createDirectories(tmp.resolve("cuda-home").resolve("lib64"));
        Path source = tmp.resolve("fake_cublas13.c");
        try (InputStream in = CublasLoadingTest.class.getResourceAsStream("/bridge/fake_cublas13.c")) {
            Files.copy(in, source);
        }
        ChildJvm.exec(List.of("gcc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libcublas.so.13", "-o",
                lib64.resolve("libcublas.so.13").toString(), source.toString()), Map.of());
        // No LD_LIBRARY_PATH: only CUDA_HOME says where it is.
        Map<String, String> got = ChildJvm.run(BridgeChild.class, Map.of(),
                Map.of("CUDA_HOME", lib64.getParent().toString()), tmp.resolve("hs_err.log"));
        String out = got.get("(output)");
        Assumptions.assumeFalse("false".equals(got.get("bridged")) && "null".equals(got.get("why")),
                "this machine has a real libcublas.so.12 where the linker looks, which takes precedence: " + out);
        assertEquals("true", got.get("bridged"), out);
        assertEquals("0", got.get("sgemm"), out);
        assertEquals("130100", got.get("version"), out);
    }
}
