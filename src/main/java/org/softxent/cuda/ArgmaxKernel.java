package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_argmax_rows: each row's predicted class (the argmax of logits + bias, the lowest index on a
 * tie) or, with binary, each element's (logit + bias &gt; 0); with labels (or targets) the count of
 * right answers added to *correct. Mirrors ArgmaxArgs of cuda/softxent.cu.
 */
record ArgmaxKernel(long rows, int cols, int binary, int ignoreIndex, CUdeviceptr logits, CUdeviceptr bias,
                    CUdeviceptr labels, CUdeviceptr targets, CUdeviceptr predicted, CUdeviceptr correct,
                    long rowOffset, CUdeviceptr status, int logitsOperand) {
    static final int THREADS = 256;
    static final int MAX_BLOCKS = 4096;

    void launch(Module module, CUstream stream) {
        long threads = binary != 0 ? rows * cols : rows * 32;
        module.launch("sx_argmax_rows", Math.max(1, Math.min((threads + THREADS - 1) / THREADS, MAX_BLOCKS)), THREADS,
                stream, this);
    }
}
