package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_reduce_rows: a loss from per-row losses (the classifier's, after its chunks), divided by the
 * divisor for the mean, plus the status block's extra term, into the block and lossOut. One block.
 * Mirrors ReduceArgs of cuda/softxent.cu.
 */
record ReduceKernel(int rows, int reduction, CUdeviceptr rowLoss, CUdeviceptr status, CUdeviceptr lossOut) {
    static final int THREADS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_reduce_rows", 1, THREADS, stream, this);
    }
}
