package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/** sx_jacobian: out[n, i, j] = p_i·(δ_ij − p_j), one thread per element. Mirrors JacobianArgs of cuda/softxent.cu. */
record JacobianKernel(int rows, int cols, CUdeviceptr probs, CUdeviceptr out) {
    static final int THREADS = 256;
    static final int MAX_BLOCKS = 8192;

    void launch(Module module, CUstream stream) {
        long total = (long) rows * cols * cols;
        module.launch("sx_jacobian", Math.min(Module.ceilDiv(total, THREADS), MAX_BLOCKS), THREADS, stream, this);
    }
}
