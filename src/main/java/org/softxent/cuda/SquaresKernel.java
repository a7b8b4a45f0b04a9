package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_sum_squares: checks that n values are finite (reported as {@code operand}) and, with
 * addToExtra, puts factor·Σv² into the status block's extra term (the classifier's reg·ΣW²).
 * Mirrors SquaresArgs of cuda/softxent.cu.
 *
 * @param partial [{@link #blocks}] doubles
 */
record SquaresKernel(long n, int operand, int addToExtra, double factor, CUdeviceptr values, CUdeviceptr partial,
                     CUdeviceptr status) {
    static final int THREADS = 256;

    static int blocks(Module module, long n) {
        return Math.min(Module.ceilDiv(n, THREADS), Math.max(1, module.multiprocessors()) * 8);
    }

    void launch(Module module, CUstream stream) {
        module.launch("sx_sum_squares", blocks(module, n), THREADS, stream, this);
    }
}
