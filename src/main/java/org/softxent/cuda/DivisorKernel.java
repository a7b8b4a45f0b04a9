package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_divisor: before a cross-entropy with labels, the mean's divisor (the weight of the rows not
 * ignored, each row's class weight times its row weight when there are row weights) and the
 * gradient's scale into the status block; reports labels out of range. One block.
 * Mirrors DivisorArgs of cuda/softxent.cu.
 */
record DivisorKernel(int rows, int cols, int ignoreIndex, int reduction, CUdeviceptr labels, CUdeviceptr weights,
                     CUdeviceptr rowWeights, CUdeviceptr status, int labelsOperand) {
    static final int THREADS = 1024;

    void launch(Module module, CUstream stream) {
        module.launch("sx_divisor", 1, THREADS, stream, this);
    }
}
