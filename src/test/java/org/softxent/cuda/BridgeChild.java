package org.softxent.cuda;

import java.lang.reflect.Field;
import java.util.Arrays;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;
import sun.misc.Unsafe;

/**
 * Run in a child JVM by {@link CublasBridgeTest}: prepares cuBLAS the way the engine does
 * ({@link CublasLoader}), then calls through JCublas2 the entry points the engine uses and prints
 * what came back, one "key=value" per line.
 */
public final class BridgeChild {
    private BridgeChild() {
    }

    public static void main(String[] args) {
        System.out.println("why=" + CublasLoader.whyUnavailable());
        System.out.println("bridged=" + CublasLoader.bridged());
        cublasHandle handle = new cublasHandle();
        System.out.println("create=" + JCublas2.cublasCreate(handle));
        int[] version = new int[1];
        System.out.println("getVersion=" + JCublas2.cublasGetVersion(handle, version));
        System.out.println("version=" + version[0]);
        System.out.println("setStream=" + JCublas2.cublasSetStream(handle, new cudaStream_t()));
        System.out.println("setMathMode=" + JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_TF32_TENSOR_OP_MATH));
        // JCublas2 hands matrices over as raw addresses (device memory on a GPU), so the stand-in
        // gets plain native memory here.
        Unsafe unsafe = unsafe();
        long a = unsafe.allocateMemory(4);
        long b = unsafe.allocateMemory(4);
        long c = unsafe.allocateMemory(12 * 4);
        unsafe.putFloat(a, 2.5f);
        unsafe.putFloat(b, -1.5f);
        int sgemm = JCublas2.cublasSgemm(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, 3, 4, 5,
                Pointer.to(new float[] {0.75f}), new Address(a), 6, new Address(b), 7, Pointer.to(new float[] {0.25f}),
                new Address(c), 8);
        System.out.println("sgemm=" + sgemm);
        float[] received = new float[12];
        for (int i = 0; i < received.length; i++) {
            received[i] = unsafe.getFloat(c + 4L * i);
        }
        System.out.println("sgemmArgs=" + Arrays.toString(received));
        System.out.println("destroy=" + JCublas2.cublasDestroy(handle));
    }

    /** A pointer to a raw address, through JCuda's protected constructor. */
    private static final class Address extends Pointer {
        Address(long address) {
            super(address);
        }
    }

    private static Unsafe unsafe() {
        try {
            Field f = Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
