package org.softxent.cuda;

import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasGetVersion;
import static jcuda.jcublas.JCublas2.cublasSetMathMode;
import static jcuda.jcublas.JCublas2.cublasSetStream;
import static jcuda.jcublas.JCublas2.cublasSgemm;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;
import org.softxent.DeviceException;
import org.softxent.DeviceUnavailableException;

/**
 * cuBLAS through JCublas2: one handle, on the stream of the call, and the classifier's three
 * products on row-major data. cuBLAS is column-major; a row-major [r, c] matrix is a column-major
 * [c, r] one, so each product is computed transposed, with no copies:
 * <ul>
 * <li>logits = X·W (X [n, d], W [d, c]) is logitsᵀ = Wᵀ·Xᵀ: gemm(N, N, c, n, d, W, X);</li>
 * <li>dW = Xᵀ·dS (dS [n, c]) is dWᵀ = dSᵀ·X: gemm(N, T, c, d, n, dS, X);</li>
 * <li>dX = dS·Wᵀ is dXᵀ = W·dSᵀ: gemm(T, N, d, n, c, W, dS).</li>
 * </ul>
 */
final class Cublas implements AutoCloseable {
    private final cublasHandle handle = new cublasHandle();
    final int version;

    Cublas() {
        String why = CublasLoader.whyUnavailable();
        if (why != null) {
            throw new DeviceUnavailableException(why);
        }
        try {
            check(cublasCreate(handle), "cublasCreate");
        } catch (LinkageError e) {
            throw new DeviceUnavailableException("cuBLAS cannot be loaded: " + firstLine(e.getMessage()));
        }
        int[] v = new int[1];
        check(cublasGetVersion(handle, v), "cublasGetVersion");
        version = v[0];
    }

    private CUstream stream;

    /** The stream the products that follow are queued on. */
    void on(CUstream s) {
        if (stream == null || !CudaContext.sameStream(stream, s)) {
            check(cublasSetStream(handle, new cudaStream_t(s)), "cublasSetStream");
            stream = s;
        }
    }

    /** TF32 tensor cores for the products that follow, or the default (full FP32) math. */
    void tf32(boolean on) {
        check(cublasSetMathMode(handle, on ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode");
    }

    /** logits [n, c] = X [n, d] · W [d, c]. */
    void logits(CUdeviceptr x, CUdeviceptr w, CUdeviceptr logits, int n, int d, int c) {
        gemm(cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N, c, n, d, w, c, x, d, 0f, logits, c);
    }

    /** dW [d, c] = Xᵀ · dS [n, c] + beta · dW. */
    void gradW(CUdeviceptr ds, CUdeviceptr x, CUdeviceptr dw, int n, int d, int c, float beta) {
        gemm(cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_T, c, d, n, ds, c, x, d, beta, dw, c);
    }

    /** dX [n, d] = dS [n, c] · Wᵀ. */
    void gradX(CUdeviceptr ds, CUdeviceptr w, CUdeviceptr dx, int n, int d, int c) {
        gemm(cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, d, n, c, w, c, ds, c, 0f, dx, d);
    }

    private void gemm(int opA, int opB, int m, int n, int k, CUdeviceptr a, int lda, CUdeviceptr b, int ldb,
                      float beta, CUdeviceptr c, int ldc) {
        check(cublasSgemm(handle, opA, opB, m, n, k, Pointer.to(new float[] {1f}), a, lda, b, ldb,
                Pointer.to(new float[] {beta}), c, ldc), "cublasSgemm");
    }

    private static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new DeviceException(call + " failed: " + cublasStatus.stringFor(status));
        }
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown reason";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    @Override
    public void close() {
        cublasDestroy(handle);
    }
}
