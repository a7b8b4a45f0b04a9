package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_reduce_rows: a loss from per-row (or per-element) losses (after the chunks of a classifier or a staged
 * cross-entropy), divided by the divisor for the mean (the host's when it knows it, > 0, else the
 * divisor kernel's), plus the status block's extra term, into the block and lossOut. One block.
 * With carry = 1 it only adds its sum to the status block's running loss (a chunk's losses, so
 * that only a chunk's need room); the finishing launch (carry = 0) includes what was carried.
 * Mirrors ReduceArgs of cuda/softxent.cu.
 */
record ReduceKernel(long rows, int reduction, int carry, double divisor, CUdeviceptr rowLoss, CUdeviceptr status,
                    CUdeviceptr lossOut) {
    static final int THREADS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_reduce_rows", 1, THREADS, stream, this);
    }
}
