package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_sgd_update: velocity = momentum·velocity + grad, param −= lr·velocity over n floats (no
 * velocity, a plain step, when it is null). Mirrors SgdArgs of cuda/softxent.cu.
 */
record SgdKernel(long n, float lr, float momentum, CUdeviceptr param, CUdeviceptr grad, CUdeviceptr velocity) {
    static final int THREADS = 256;
    static final int MAX_BLOCKS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_sgd_update", Math.min((n + THREADS - 1) / THREADS, MAX_BLOCKS), THREADS, stream, this);
    }
}
