package org.softxent.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import org.softxent.DeviceUnavailableException;

/**
 * The kernels of cuda/softxent.cu: the PTX loaded into the context, a handle per kernel, the
 * choice of row kernel for a shape, and launches on the engine's stream.
 */
final class Kernels implements AutoCloseable {
    /** The committed PTX, generated from cuda/softxent.cu (see cuda/build-ptx.sh). */
    static final String PTX_RESOURCE = "/org/softxent/cuda/softxent.ptx";

    /** A null device pointer, for optional kernel arguments. */
    static final CUdeviceptr NULL = new CUdeviceptr();

    /** Rows per block of the warp-per-row kernels (128 threads). */
    static final int WARP_ROWS_PER_BLOCK = 4;

    static final int[] WARP_VPT_SCALAR = {1, 2, 4, 8, 16, 32};
    static final int[] WARP_VPT_VECTOR = {4, 8, 16, 32};
    static final int[] BLOCK_VPT = {8, 16, 32};

    /** Every kernel the engine launches; a test checks each is in the PTX. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (int v : WARP_VPT_SCALAR) {
            names.add("sx_rows_warp_p1_v" + v);
        }
        for (int v : WARP_VPT_VECTOR) {
            names.add("sx_rows_warp_p4_v" + v);
        }
        for (int v : BLOCK_VPT) {
            names.add("sx_rows_block_p1_v" + v);
            names.add("sx_rows_block_p4_v" + v);
        }
        names.addAll(List.of("sx_rows_stream_p1", "sx_rows_stream_p4", "sx_backward_warp_p1", "sx_backward_warp_p4",
                "sx_backward_block_p1", "sx_backward_block_p4", "sx_ce_divisor", "sx_reduce_rows",
                "sx_reduce_partials", "sx_status_reset", "sx_jacobian", "sx_bce", "sx_column_sums", "sx_scale_copy",
                "sx_sum_squares"));
        return names;
    }

    /** Which kernel computes a row operation, and its launch shape. */
    record RowLaunch(String kernel, int grid, int block) {
    }

    /**
     * The row kernel for rows of {@code cols} (the host's half of the launch contract in
     * cuda/softxent.cu): a warp per row with the row in registers up to 1024 columns, then a block
     * per row with the row in registers while a block can hold it, then the streamed kernel.
     *
     * @param vector     whether 128-bit accesses are allowed (cols % 4 == 0, pointers aligned)
     * @param maxThreads the most threads per block each kernel can be launched with
     */
    static RowLaunch chooseRowKernel(int rows, int cols, boolean vector, ToIntFunction<String> maxThreads) {
        int pack = vector ? 4 : 1;
        if (cols <= 32 * 32) {
            for (int vpt : vector ? WARP_VPT_VECTOR : WARP_VPT_SCALAR) {
                if (32 * vpt >= cols) {
                    return new RowLaunch("sx_rows_warp_p" + pack + "_v" + vpt, ceilDiv(rows, WARP_ROWS_PER_BLOCK),
                            32 * WARP_ROWS_PER_BLOCK);
                }
            }
        }
        for (int vpt : BLOCK_VPT) {
            String kernel = "sx_rows_block_p" + pack + "_v" + vpt;
            int threads = roundUp(ceilDiv(cols, vpt), 32);
            if (threads <= maxThreads.applyAsInt(kernel)) {
                return new RowLaunch(kernel, rows, threads);
            }
        }
        String kernel = "sx_rows_stream_p" + pack;
        return new RowLaunch(kernel, rows, Math.min(1024, roundDown(maxThreads.applyAsInt(kernel), 32)));
    }

    /** The softmax-backward kernel: a warp per row up to 1024 columns, else a block per row. */
    static RowLaunch chooseBackwardKernel(int rows, int cols, boolean vector, ToIntFunction<String> maxThreads) {
        int pack = vector ? 4 : 1;
        if (cols <= 1024) {
            return new RowLaunch("sx_backward_warp_p" + pack, ceilDiv(rows, WARP_ROWS_PER_BLOCK),
                    32 * WARP_ROWS_PER_BLOCK);
        }
        String kernel = "sx_backward_block_p" + pack;
        int threads = Math.min(roundUp(ceilDiv(cols, pack), 32), roundDown(maxThreads.applyAsInt(kernel), 32));
        return new RowLaunch(kernel, rows, Math.min(threads, 1024));
    }

    /**
     * Each kernel's parameter types as the PTX declares them: 'i' (32-bit integer), 'l' (64-bit: a
     * pointer or a long), 'f' (float), 'd' (double). Launches are checked against them, so that an
     * argument list that has drifted from its kernel fails with a message instead of corrupting
     * memory.
     */
    static Map<String, String> signatures(String ptx) {
        Map<String, String> out = new HashMap<>();
        Matcher entry = ENTRY.matcher(ptx);
        while (entry.find()) {
            StringBuilder types = new StringBuilder();
            Matcher param = PARAM.matcher(entry.group(2));
            while (param.find()) {
                String t = param.group(1);
                types.append(t.equals("f32") ? 'f' : t.equals("f64") ? 'd' : t.endsWith("64") ? 'l' : 'i');
            }
            out.put(entry.group(1), types.toString());
        }
        return out;
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry (\\w+)\\((.*?)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param \\.(\\w+)");

    /** The type code of a launch argument, as in {@link #signatures}. */
    static char typeOf(Object a) {
        if (a == null || a instanceof CUdeviceptr || a instanceof Long) {
            return 'l';
        }
        if (a instanceof Integer) {
            return 'i';
        }
        if (a instanceof Float) {
            return 'f';
        }
        if (a instanceof Double) {
            return 'd';
        }
        throw new IllegalArgumentException("unsupported kernel argument " + a.getClass());
    }

    private final CudaContext cuda;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, Integer> maxThreads = new HashMap<>();
    private final Map<String, String> signatures;

    Kernels(CudaContext cuda) {
        this.cuda = cuda;
        String ptx = ptx();
        signatures = signatures(ptx);
        int result = cuModuleLoadData(module, ptx);
        if (result != CUresult.CUDA_SUCCESS) {
            throw new DeviceUnavailableException("the driver did not load softxent's PTX ("
                    + CUresult.stringFor(result) + "; it needs a CUDA 12.0 or newer driver, found "
                    + cuda.driverCuda() + ")");
        }
        for (String name : names()) {
            CUfunction f = new CUfunction();
            cuda.check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
            int[] threads = new int[1];
            cuda.check(cuFuncGetAttribute(threads, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f),
                    "cuFuncGetAttribute");
            functions.put(name, f);
            maxThreads.put(name, threads[0]);
        }
    }

    static String ptx() {
        try (InputStream in = Kernels.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new DeviceUnavailableException("softxent's PTX (" + PTX_RESOURCE + ") is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int maxThreads(String kernel) {
        return maxThreads.get(kernel);
    }

    RowLaunch rowKernel(int rows, int cols, boolean vector) {
        return chooseRowKernel(rows, cols, vector, this::maxThreads);
    }

    RowLaunch backwardKernel(int rows, int cols, boolean vector) {
        return chooseBackwardKernel(rows, cols, vector, this::maxThreads);
    }

    /**
     * Launches {@code kernel} on the engine's stream. Arguments are device pointers (null for an
     * absent one), Integer, Long, Float or Double, in the kernel's parameter order.
     */
    void launch(String kernel, long grid, int block, Object... args) {
        if (grid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a grid of " + grid + " blocks is beyond CUDA's limit");
        }
        StringBuilder types = new StringBuilder();
        for (Object a : args) {
            types.append(typeOf(a));
        }
        if (!types.toString().equals(signatures.get(kernel))) {
            throw new IllegalStateException("launch of " + kernel + " with arguments (" + types
                    + ") but the kernel takes (" + signatures.get(kernel) + ")");
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                params[i] = Pointer.to(NULL);
            } else if (a instanceof CUdeviceptr p) {
                params[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Long v) {
                params[i] = Pointer.to(new long[] {v});
            } else if (a instanceof Float v) {
                params[i] = Pointer.to(new float[] {v});
            } else {
                params[i] = Pointer.to(new double[] {(Double) a});
            }
        }
        cuda.check(cuLaunchKernel(functions.get(kernel), (int) grid, 1, 1, block, 1, 1, 0, cuda.stream,
                Pointer.to(params), null), "cuLaunchKernel(" + kernel + ")");
    }

    static int ceilDiv(long a, long b) {
        return (int) ((a + b - 1) / b);
    }

    private static int roundUp(int a, int multiple) {
        return (a + multiple - 1) / multiple * multiple;
    }

    private static int roundDown(int a, int multiple) {
        return a / multiple * multiple;
    }

    @Override
    public void close() {
        cuModuleUnload(module);
    }
}
