package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_bce: sigmoid binary cross-entropy over n elements, grid-stride, the loss reduced by the last
 * block from the blocks' partial sums; logits report as operand 0, targets as 1. Mirrors BceArgs
 * of cuda/softxent.cu.
 *
 * @param partial [{@link #blocks}] doubles
 */
record BceKernel(long n, int cols, int reduction, CUdeviceptr logits, CUdeviceptr targets, CUdeviceptr posWeight,
                 CUdeviceptr grad, CUdeviceptr probs, CUdeviceptr losses, CUdeviceptr partial, CUdeviceptr lossOut,
                 CUdeviceptr status) {
    static final int THREADS = 256;

    /** The grid for n elements on this device (the length of {@code partial}). */
    static int blocks(Module module, long n) {
        return Math.min(Module.ceilDiv(n, THREADS), Math.max(1, module.multiprocessors()) * 8);
    }

    void launch(Module module, CUstream stream) {
        module.launch("sx_bce", blocks(module, n), THREADS, stream, this);
    }
}
