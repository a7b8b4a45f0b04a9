package org.softxent.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A second JVM for what one JVM can do only once (JCuda's and JCublas2's classes initialise once,
 * OpenBLAS loads once): a main class of the tests run with the classes it needs and JCuda's and
 * JavaCPP's natives, its "key=value" lines read back.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Runs {@code main} with system properties and environment variables added; returns its
     * "key=value" lines. Fails unless it exits 0.
     */
    public static Map<String, String> run(Class<?> main, Map<String, String> properties, Map<String, String> env,
                                          Path errorFile) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:ErrorFile=" + errorFile);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        String out = exec(command, env);
        Map<String, String> got = new LinkedHashMap<>();
        out.lines().filter(l -> l.contains("=")).forEach(l -> got.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        got.put("(output)", out);
        return got;
    }

    /** Runs a command; returns what it printed. Fails unless it exits 0; aborts the test if it is not here. */
    public static String exec(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Assumptions.abort(command.get(0) + " is not here: " + e.getMessage());
            return "";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }

    /**
     * The code sources of softxent, its tests, JCuda's and JavaCPP's classes, and the jars holding
     * their natives (java.class.path alone is not it under the JUnit console launcher, as on the GPU
     * machine).
     */
    static String classPath() throws Exception {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : new Class<?>[] {ChildJvm.class, org.softxent.Softxent.class, jcuda.jcublas.JCublas2.class,
            jcuda.Pointer.class, org.junit.jupiter.api.Test.class, org.bytedeco.javacpp.Loader.class,
            org.bytedeco.openblas.global.openblas_nolapack.class}) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        for (String lib : new String[] {"/lib/libJCublas2-12.6.0-linux-x86_64.so", "/lib/libJCudaDriver-12.6.0-linux-x86_64.so",
            "/org/bytedeco/javacpp/linux-x86_64/libjnijavacpp.so",
            "/org/bytedeco/openblas/linux-x86_64/libjniopenblas_nolapack.so"}) {
            URL url = ChildJvm.class.getResource(lib);
            if (url != null && url.getProtocol().equals("jar")) {
                String jar = url.getPath().substring(0, url.getPath().indexOf("!/"));
                entries.add(Path.of(new java.net.URI(jar)).toString());
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
