package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_rows_*: row softmax, log-softmax and the fused cross-entropy of cuda/softxent.cu. The record
 * mirrors its RowArgs struct; {@link #shape} is the host's half of the kernels' launch contract:
 * which variant holds a row of {@code cols} and how many blocks take the rows.
 *
 * @param rowWeights [rows] each row's weight (cross-entropy with labels, the classifier), or null: 1
 * @param divisor   the mean's divisor when the host knows it (> 0), or 0: the divisor kernel's, read
 *                  from the status block
 * @param rowOffset added to the rows a bad value is reported at (the classifier's chunks)
 * @param partial   [grid] per-block loss sums when the reduced loss is wanted, else null
 */
record RowKernel(int op, int rows, int cols, int reduction, CUdeviceptr logits, CUdeviceptr bias, CUdeviceptr labels,
                 CUdeviceptr targets, CUdeviceptr weights, CUdeviceptr rowWeights, int ignoreIndex, float keep, float uniform, float weightSum,
                 double divisor, long rowOffset, CUdeviceptr out, CUdeviceptr probs, CUdeviceptr rowLoss,
                 CUdeviceptr partial, CUdeviceptr lossOut, CUdeviceptr status, int logitsOperand, int labelsOperand) {

    /** Rows per block of the warp-per-row kernels (128 threads). */
    static final int WARP_ROWS_PER_BLOCK = 4;
    static final int[] WARP_VPT_SCALAR = {1, 2, 4, 8, 16, 32};
    static final int[] WARP_VPT_VECTOR = {4, 8, 16, 32};
    static final int[] BLOCK_VPT = {8, 16, 32};
    /** Blocks per multiprocessor the grid is capped at: the rows then come to the blocks in turn. */
    static final int BLOCKS_PER_SM = 16;

    /** Which variant computes a call, and its launch shape. */
    record Shape(String kernel, int grid, int block) {
    }

    /** Softmax or log-softmax of logits into out. */
    static RowKernel softmax(boolean log, CUdeviceptr logits, int rows, int cols, CUdeviceptr out, CUdeviceptr status) {
        return new RowKernel(log ? Contract.OP_LOG_SOFTMAX : Contract.OP_SOFTMAX, rows, cols, Contract.REDUCE_NONE,
                logits, null, null, null, null, null, 0, 1f, 0f, cols, 0, 0, out, null, null, null, null, status, 0, 1);
    }

    /** This call, as a launch of {@code shape}'s kernel. */
    void launch(Module module, Shape shape, CUstream stream) {
        module.launch(shape.kernel(), shape.grid(), shape.block(), stream, this);
    }

    /**
     * The variant for rows of {@code cols}: a warp per row with the row in registers up to 1024
     * columns, then a block per row with the row in registers while a block can hold it (the most
     * threads a variant takes is the driver's, from its registers), then the streamed kernel.
     *
     * @param vector whether 128-bit accesses are allowed (cols % 4 == 0, pointers 16-byte aligned)
     */
    static Shape shape(int rows, int cols, boolean vector, java.util.function.ToIntFunction<String> maxThreads,
                       int multiprocessors) {
        int pack = vector ? 4 : 1;
        int cap = Math.max(1, multiprocessors) * BLOCKS_PER_SM;
        if (cols <= 32 * 32) {
            for (int vpt : vector ? WARP_VPT_VECTOR : WARP_VPT_SCALAR) {
                if (32 * vpt >= cols) {
                    return new Shape("sx_rows_warp_p" + pack + "_v" + vpt,
                            Math.min(Module.ceilDiv(rows, WARP_ROWS_PER_BLOCK), cap), 32 * WARP_ROWS_PER_BLOCK);
                }
            }
        }
        for (int vpt : BLOCK_VPT) {
            String kernel = "sx_rows_block_p" + pack + "_v" + vpt;
            int threads = roundUp(Module.ceilDiv(cols, vpt), 32);
            if (threads <= maxThreads.applyAsInt(kernel)) {
                return new Shape(kernel, Math.min(rows, cap), threads);
            }
        }
        String kernel = "sx_rows_stream_p" + pack;
        return new Shape(kernel, Math.min(rows, cap), Math.min(1024, roundDown(maxThreads.applyAsInt(kernel), 32)));
    }

    static int roundUp(int a, int multiple) {
        return (a + multiple - 1) / multiple * multiple;
    }

    static int roundDown(int a, int multiple) {
        return a / multiple * multiple;
    }
}
