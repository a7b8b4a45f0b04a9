package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_backward_*: the softmax backward pass out = p ⊙ (g − rowsum(g ⊙ p)), a warp per row up to
 * 1024 columns, else a block per row; probs report as operand 0, grad as 1. Mirrors BackwardArgs
 * of cuda/softxent.cu.
 */
record BackwardKernel(int rows, int cols, CUdeviceptr probs, CUdeviceptr grad, CUdeviceptr out, CUdeviceptr status) {

    void launch(Module module, boolean vector, CUstream stream) {
        int pack = vector ? 4 : 1;
        int cap = Math.max(1, module.multiprocessors()) * RowKernel.BLOCKS_PER_SM;
        if (cols <= 1024) {
            module.launch("sx_backward_warp_p" + pack, Math.min(Module.ceilDiv(rows, RowKernel.WARP_ROWS_PER_BLOCK), cap),
                    32 * RowKernel.WARP_ROWS_PER_BLOCK, stream, this);
        } else {
            String kernel = "sx_backward_block_p" + pack;
            int threads = Math.min(RowKernel.roundUp(Module.ceilDiv(cols, pack), 32),
                    RowKernel.roundDown(Math.min(1024, module.maxThreads(kernel)), 32));
            module.launch(kernel, Math.min(rows, cap), threads, stream, this);
        }
    }
}
