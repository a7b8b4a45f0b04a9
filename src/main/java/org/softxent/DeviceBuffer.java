package org.softxent;

import jcuda.driver.CUdeviceptr;

/**
 * Device memory that a GPU engine allocated for you ({@link OnDevice#allocate}): the one owner of
 * the allocation. Close it when done (closing twice does nothing); what is still open when its
 * engine closes is freed then and reported as a leak on standard error, as is a buffer dropped
 * without close. Its contents start undefined.
 */
public interface DeviceBuffer extends AutoCloseable {
    /** The start of the allocation, in the engine's CUDA context. */
    CUdeviceptr pointer();

    /** Its size in bytes. */
    long bytes();

    /** Frees the memory; idempotent. */
    @Override
    void close();
}
