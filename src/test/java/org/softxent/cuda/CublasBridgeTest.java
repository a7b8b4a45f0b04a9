package org.softxent.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softxent.testing.ChildJvm;

/**
 * The cuBLAS 12 -> 13 bridge (cuda/native/cublas_bridge.c), without a GPU: calling an entry point
 * the bridge does not forward would abort the JVM, so every JCublas2 method softxent's code calls
 * must land on a forwarded symbol; and a call must reach libcublas.so.13 with its arguments intact,
 * which a child JVM shows against a stand-in libcublas.so.13. Needs gcc and binutils' nm.
 */
class CublasBridgeTest {
    private static final Path BRIDGE = Path.of("target", "classes", "org", "softxent", "cuda", "native",
            "linux-x86_64", Natives.BRIDGE);

    @TempDir
    Path tmp;

    @Test
    void everyJcublas2EntryPointSoftxentCallsIsForwarded() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(BRIDGE), "the bridge is built on linux-x86_64 with gcc");
        Set<String> called = jcublas2MethodsCalledBy(Path.of("target", "classes"));
        assertTrue(called.containsAll(Set.of("cublasCreate", "cublasSgemm", "cublasSetStream")), called.toString());

        Path jcublasNative = tmp.resolve("libJCublas2.so");
        try (InputStream in = CublasBridgeTest.class.getResourceAsStream("/lib/libJCublas2-12.6.0-linux-x86_64.so")) {
            Assumptions.assumeTrue(in != null, "JCublas2's linux-x86_64 native is on the class path");
            Files.copy(in, jcublasNative, StandardCopyOption.REPLACE_EXISTING);
        }
        Set<String> imported = symbols(jcublasNative, "--undefined-only");
        Set<String> exported = symbols(BRIDGE, "--defined-only");
        for (String method : called) {
            // JCublas2's native calls the cuBLAS v2 name (cublasSgemm_v2) where there is one.
            String symbol = imported.contains(method + "_v2@libcublas.so.12") ? method + "_v2" : method;
            assertTrue(imported.contains(symbol + "@libcublas.so.12"),
                    "JCublas2." + method + " reaches libcublas.so.12 as " + symbol);
            assertTrue(exported.contains(symbol + "@@libcublas.so.12"),
                    "the bridge forwards " + symbol + ", which softxent calls through JCublas2." + method);
        }
    }

    @Test
    void aCallReachesLibcublas13WithItsArgumentsIntact() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(BRIDGE), "the bridge is built on linux-x86_64 with gcc");
        Path fakeDir = Files.createDirectories(tmp.resolve("cuda13"));
        Path source = tmp.resolve("fake_cublas13.c");
        try (InputStream in = CublasBridgeTest.class.getResourceAsStream("/bridge/fake_cublas13.c")) {
            Files.copy(in, source);
        }
        ChildJvm.exec(List.of("gcc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libcublas.so.13", "-o",
                fakeDir.resolve("libcublas.so.13").toString(), source.toString()), Map.of());

        Map<String, String> got = ChildJvm.run(BridgeChild.class, Map.of(),
                Map.of("LD_LIBRARY_PATH", fakeDir.toString()), tmp.resolve("hs_err.log"));
        String out = got.get("(output)");
        Assumptions.assumeFalse(got.get("why") != null && got.get("why").contains("neither"),
                "this machine has a real libcublas.so.12, so the bridge is not used: " + out);
        assertEquals("null", got.get("why"), out);
        assertEquals("true", got.get("bridged"), "libcublas.so.12 is absent here, so the bridge stood in: " + out);
        for (String call : new String[] {"create", "getVersion", "setStream", "setMathMode", "sgemm", "destroy"}) {
            assertEquals("0", got.get(call), call + " returned success through the bridge: " + out);
        }
        assertEquals("130100", got.get("version"), out);
        // transa T = 1, transb N = 0, m, n, k, alpha, A[0], lda, B[0], ldb, beta, ldc
        assertEquals("[1.0, 0.0, 3.0, 4.0, 5.0, 0.75, 2.5, 6.0, -1.5, 7.0, 0.25, 8.0]", got.get("sgemmArgs"), out);
    }

    private Set<String> symbols(Path library, String which) throws Exception {
        String out = ChildJvm.exec(List.of("nm", "-D", which, library.toString()), Map.of());
        return out.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The names of the methods of jcuda.jcublas.JCublas2 that the compiled classes under {@code root} call. */
    static Set<String> jcublas2MethodsCalledBy(Path root) throws IOException {
        Set<String> methods = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                methods.addAll(methodRefs(Files.readAllBytes(f), "jcuda/jcublas/JCublas2"));
            }
        }
        return methods;
    }

    /** Method references to {@code owner} in a class file's constant pool. */
    static List<String> methodRefs(byte[] classFile, String owner) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile));
        in.readInt();
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNames = new int[count];
        int[][] refs = new int[count][];
        int[] nameAndTypeNames = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNames[i] = in.readUnsignedShort();
                case 10, 11 -> refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 12 -> {
                    nameAndTypeNames[i] = in.readUnsignedShort();
                    in.readUnsignedShort();
                }
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // eight-byte constants take two slots
                }
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 9, 17, 18 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant-pool tag " + tag);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            if (refs[i] != null && owner.equals(utf8[classNames[refs[i][0]]])) {
                out.add(utf8[nameAndTypeNames[refs[i][1]]]);
            }
        }
        return out;
    }
}
