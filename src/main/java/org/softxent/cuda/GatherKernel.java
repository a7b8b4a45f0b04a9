package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_gather_rows: dst [count, cols] = the rows of src [srcRows, cols] that indices [count] name,
 * 4-byte words (features or labels); a bad index is reported as operand 0 of the status block.
 * Mirrors GatherArgs of cuda/softxent.cu.
 */
record GatherKernel(long count, long srcRows, int cols, CUdeviceptr indices, CUdeviceptr src, CUdeviceptr dst,
                    CUdeviceptr status) {
    static final int THREADS = 256;
    static final int MAX_BLOCKS = 4096;

    void launch(Module module, CUstream stream) {
        long words = count * cols;
        module.launch("sx_gather_rows", Math.min((words + THREADS - 1) / THREADS, MAX_BLOCKS), THREADS, stream, this);
    }
}
