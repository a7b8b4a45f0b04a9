package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_reduce_rows: a loss from per-row losses (after the chunks of a classifier or a staged
 * cross-entropy), divided by the divisor for the mean (the host's when it knows it, > 0, else the
 * divisor kernel's), plus the status block's extra term, into the block and lossOut. One block.
 * Mirrors ReduceArgs of cuda/softxent.cu.
 */
record ReduceKernel(int rows, int reduction, double divisor, CUdeviceptr rowLoss, CUdeviceptr status,
                    CUdeviceptr lossOut) {
    static final int THREADS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_reduce_rows", 1, THREADS, stream, this);
    }
}
