package org.softxent.cuda;

import jcuda.Pointer;

/**
 * The numeric address of a JCuda pointer (its native pointer plus its byte offset), which JCuda
 * keeps protected: a subclass may read them on a copy of the pointer. Used for alignment checks
 * and allocation bounds.
 */
final class DevicePointers extends Pointer {
    private DevicePointers(Pointer other) {
        super(other);
    }

    static long address(Pointer p) {
        DevicePointers copy = new DevicePointers(p);
        return copy.getNativePointer() + copy.getByteOffset();
    }
}
