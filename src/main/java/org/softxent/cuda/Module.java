package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.softxent.DeviceUnavailableException;

/**
 * The kernels of cuda/softxent.cu in the engine's context: the committed PTX loaded once, a handle
 * and a thread limit for every kernel the PTX declares, and the one way to launch them, with a
 * launcher record packed as the kernel's struct argument ({@link KernelArgs}). A record whose
 * struct size differs from the kernel's parameter in the PTX is refused before the launch.
 */
final class Module implements AutoCloseable {
    /** The committed PTX, generated from cuda/softxent.cu (see cuda/build-ptx.sh). */
    static final String PTX_RESOURCE = "/org/softxent/cuda/softxent.ptx";

    /** A kernel: its handle, the most threads a block of it can have, and its struct's size. */
    private record Kernel(CUfunction function, int maxThreads, int structBytes) {
    }

    private final CudaContext cuda;
    private final CUmodule module = new CUmodule();
    private final Map<String, Kernel> kernels = new LinkedHashMap<>();
    private final int multiprocessors;
    private final ByteBuffer args = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    private final Pointer argsPointer = Pointer.to(args);
    private final Pointer params = Pointer.to(argsPointer);

    Module(CudaContext cuda) {
        this.cuda = cuda;
        String ptx = ptx();
        int result = cuModuleLoadData(module, ptx);
        if (result != CUresult.CUDA_SUCCESS) {
            throw new DeviceUnavailableException("the driver did not load softxent's PTX ("
                    + CUresult.stringFor(result) + "; it needs a CUDA 12.0 or newer driver, found "
                    + cuda.driverCuda() + ")");
        }
        for (Map.Entry<String, Integer> e : structSizes(ptx).entrySet()) {
            CUfunction f = new CUfunction();
            cuda.check(cuModuleGetFunction(f, module, e.getKey()), "cuModuleGetFunction(" + e.getKey() + ")");
            int[] threads = new int[1];
            cuda.check(cuFuncGetAttribute(threads, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
                    "cuFuncGetAttribute");
            kernels.put(e.getKey(), new Kernel(f, threads[0], e.getValue()));
        }
        multiprocessors = cuda.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    }

    static String ptx() {
        try (InputStream in = Module.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new DeviceUnavailableException("softxent's PTX (" + PTX_RESOURCE + ") is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\((.*?)\\)", Pattern.DOTALL);
    private static final Pattern STRUCT_PARAM = Pattern.compile("\\.param\\s+\\.align\\s+\\d+\\s+\\.b8\\s+\\w+\\[(\\d+)\\]");

    /**
     * Each kernel of the PTX with the size of its one parameter, the struct of its arguments.
     *
     * @throws IllegalStateException for a kernel that does not take exactly one struct
     */
    static Map<String, Integer> structSizes(String ptx) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher entry = ENTRY.matcher(ptx);
        while (entry.find()) {
            Matcher param = STRUCT_PARAM.matcher(entry.group(2));
            boolean one = param.find() && !entry.group(2).contains(",");
            if (!one) {
                throw new IllegalStateException(entry.group(1) + " does not take one struct argument, as every kernel"
                        + " of softxent.cu must");
            }
            out.put(entry.group(1), Integer.parseInt(param.group(1)));
        }
        return out;
    }

    /** The kernels the PTX declares. */
    Iterable<String> names() {
        return kernels.keySet();
    }

    int maxThreads(String kernel) {
        return kernel(kernel).maxThreads();
    }

    int multiprocessors() {
        return multiprocessors;
    }

    /**
     * Queues {@code kernel} over {@code grid} blocks of {@code block} threads on {@code stream},
     * its argument the struct {@code args} packs into.
     */
    synchronized void launch(String kernel, long grid, int block, CUstream stream, Record args) {
        Kernel k = kernel(kernel);
        int bytes = KernelArgs.layout(args.getClass()).size();
        if (bytes != k.structBytes()) {
            throw new IllegalStateException(kernel + " takes a struct of " + k.structBytes() + " bytes, but "
                    + args.getClass().getSimpleName() + " packs into " + bytes);
        }
        if (grid < 1 || grid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a grid of " + grid + " blocks for " + kernel);
        }
        KernelArgs.pack(args, this.args);
        cuda.check(cuLaunchKernel(k.function(), (int) grid, 1, 1, block, 1, 1, 0, stream, params, null),
                "cuLaunchKernel(" + kernel + ")");
    }

    private Kernel kernel(String name) {
        Kernel k = kernels.get(name);
        if (k == null) {
            throw new IllegalStateException("softxent's PTX has no kernel " + name);
        }
        return k;
    }

    static int ceilDiv(long a, long b) {
        return (int) ((a + b - 1) / b);
    }

    @Override
    public void close() {
        cuModuleUnload(module);
    }
}
