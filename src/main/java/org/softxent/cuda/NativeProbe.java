package org.softxent.cuda;

/** The dlopen probe of cuda/native/native_probe.c. */
final class NativeProbe {
    private NativeProbe() {
    }

    /** Whether the dynamic linker can load {@code soname} (a NEEDED entry's name, e.g. libcublas.so.12). */
    static native boolean canLoad(String soname);
}
