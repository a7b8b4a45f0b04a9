/*
 * A stand-in libcublas.so.12 for machines that have only CUDA 13 (libcublas.so.13).
 *
 * JCublas2 12.6's native library is linked against libcublas.so.12 and asks for its symbols by
 * version node "libcublas.so.12". This library has that SONAME and that version node, and each
 * symbol it exports is a two-instruction trampoline that jumps to the same-named function of
 * libcublas.so.13, resolved in a constructor. A jump leaves the caller's registers and stack as they
 * were, so no signature is needed, and the cuBLAS v2 API these functions belong to is the same in
 * 12 and 13. Until resolved (or if libcublas.so.13 lacks one), a symbol leads to a stub that returns
 * CUBLAS_STATUS_NOT_INITIALIZED, so a failure is an error code, never a jump to nothing.
 *
 * softxent loads this only where libcublas.so.12 cannot be loaded (see CublasLoader.java), before
 * JCublas2's own native. Only the entry points below exist here: CublasBridgeTest proves that every
 * JCublas2 method softxent calls lands on one of them. x86-64 Linux only.
 *
 * Build: gcc -shared -fPIC -O2 -Wl,-soname,libcublas.so.12 -Wl,--version-script=cublas_bridge.map \
 *            cublas_bridge.c -ldl -o libsoftxent-cublas-bridge.so
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#define SOFTXENT_FORWARDED(X) \
    X(cublasCreate_v2)        \
    X(cublasDestroy_v2)       \
    X(cublasGetVersion_v2)    \
    X(cublasSetStream_v2)     \
    X(cublasSetMathMode)      \
    X(cublasGetMathMode)      \
    X(cublasSetPointerMode_v2) \
    X(cublasSetWorkspace_v2)  \
    X(cublasSgemm_v2)

/* CUBLAS_STATUS_NOT_INITIALIZED: what a call gets when libcublas.so.13 could not provide it. */
static int softxent_unavailable(void) {
    return 1;
}

#define SOFTXENT_POINTER(name) void *softxent_real_##name = (void *) softxent_unavailable;
SOFTXENT_FORWARDED(SOFTXENT_POINTER)

#define SOFTXENT_TRAMPOLINE(name)                  \
    __asm__(".text\n"                              \
            ".globl " #name "\n"                   \
            ".type " #name ", @function\n"         \
            #name ":\n"                            \
            "\tjmp *softxent_real_" #name "(%rip)\n" \
            ".size " #name ", .-" #name "\n");
SOFTXENT_FORWARDED(SOFTXENT_TRAMPOLINE)

__attribute__((constructor)) static void softxent_resolve(void) {
    void *cublas13 = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
    if (cublas13 == NULL) {
        fprintf(stderr, "softxent cuBLAS bridge: %s\n", dlerror());
        return;
    }
#define SOFTXENT_RESOLVE(name)                     \
    {                                              \
        void *f = dlsym(cublas13, #name);          \
        if (f != NULL) softxent_real_##name = f;   \
    }
    SOFTXENT_FORWARDED(SOFTXENT_RESOLVE)
}
