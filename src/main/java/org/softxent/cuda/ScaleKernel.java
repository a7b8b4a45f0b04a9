package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/** sx_scale: dst = alpha·src over n elements. Mirrors ScaleArgs of cuda/softxent.cu. */
record ScaleKernel(long n, float alpha, CUdeviceptr src, CUdeviceptr dst) {
    static final int THREADS = 256;
    static final int MAX_BLOCKS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_scale", Math.min(Module.ceilDiv(n, THREADS), MAX_BLOCKS), THREADS, stream, this);
    }
}
