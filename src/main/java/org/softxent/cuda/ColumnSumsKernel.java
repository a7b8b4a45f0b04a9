package org.softxent.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * sx_column_sums: db[j] = (db[j] +) Σ_i ds[i, j], one thread per column, rows in order. Mirrors
 * ColumnSumsArgs of cuda/softxent.cu.
 */
record ColumnSumsKernel(int rows, int cols, int accumulate, CUdeviceptr ds, CUdeviceptr db) {
    static final int THREADS = 256;

    void launch(Module module, CUstream stream) {
        module.launch("sx_column_sums", Module.ceilDiv(cols, THREADS), THREADS, stream, this);
    }
}
