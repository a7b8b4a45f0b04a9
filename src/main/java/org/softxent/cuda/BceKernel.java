package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_bce: sigmoid binary cross-entropy over n elements (whole rows of cols), grid-stride; the loss
 * reduced by the last block from the blocks' partial sums, or left to {@link ReduceKernel} when
 * {@code partial} is null. Mirrors BceArgs of cuda/softxent.cu.
 *
 * @param bias     [cols] added to every row's logits, or null
 * @param rowWeights [n / cols] each row's weight (the binary classifier's chunk), or null: 1
 * @param divisor  the mean's divisor when it is not n (the binary classifier's N·K over its chunks), else 0
 * @param offset   added to the indices bad values are reported at
 * @param partial  [{@link #blocks}] doubles, or null
 */
record BceKernel(long n, int cols, int reduction, CUdeviceptr logits, CUdeviceptr bias, CUdeviceptr targets,
                 CUdeviceptr posWeight, CUdeviceptr rowWeights, double divisor, long offset, CUdeviceptr grad, CUdeviceptr probs,
                 CUdeviceptr losses, CUdeviceptr partial, CUdeviceptr lossOut, CUdeviceptr status,
                 int logitsOperand, int targetsOperand) {
    static final int THREADS = 256;

    /** The plain loss: logits as operand 0, targets as 1, reduced here. */
    static BceKernel of(long n, int cols, int reduction, CUdeviceptr logits, CUdeviceptr targets,
                        CUdeviceptr posWeight, CUdeviceptr grad, CUdeviceptr probs, CUdeviceptr losses,
                        CUdeviceptr partial, CUdeviceptr lossOut, CUdeviceptr status) {
        return new BceKernel(n, cols, reduction, logits, null, targets, posWeight, null, 0, 0, grad, probs, losses,
                partial, lossOut, status, 0, 1);
    }

    /** The grid for n elements on this device (the length of {@code partial}). */
    static int blocks(Module module, long n) {
        return Math.min(Module.ceilDiv(n, THREADS), Math.max(1, module.multiprocessors()) * 8);
    }

    void launch(Module module, CUstream stream) {
        module.launch("sx_bce", blocks(module, n), THREADS, stream, this);
    }
}
