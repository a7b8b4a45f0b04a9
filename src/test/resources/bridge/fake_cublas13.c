/*
 * A stand-in libcublas.so.13 for CublasBridgeTest: the entry points softxent's bridge forwards,
 * each checking the handle it is given and reporting what it received, so that a test can follow a
 * call from JCublas2 through the bridge to "cuBLAS 13" on a machine with no GPU.
 */
#include <stddef.h>

#define HANDLE ((void *) 0x5eed)
#define BAD_HANDLE 7

static int math_mode = -1;

int cublasCreate_v2(void **handle) {
    *handle = HANDLE;
    return 0;
}

int cublasDestroy_v2(void *handle) { return handle == HANDLE ? 0 : BAD_HANDLE; }

int cublasGetVersion_v2(void *handle, int *version) {
    *version = 130100;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

int cublasSetStream_v2(void *handle, void *stream) {
    (void) stream;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

int cublasSetMathMode(void *handle, int mode) {
    math_mode = mode;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

int cublasGetMathMode(void *handle, int *mode) {
    *mode = math_mode;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

int cublasSetPointerMode_v2(void *handle, int mode) {
    (void) mode;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

int cublasSetWorkspace_v2(void *handle, void *workspace, size_t bytes) {
    (void) workspace;
    (void) bytes;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}

/* Fourteen arguments: eight of them travel on the stack, which the bridge's jump must leave alone. */
int cublasSgemm_v2(void *handle, int transa, int transb, int m, int n, int k, const float *alpha, const float *a,
                   int lda, const float *b, int ldb, const float *beta, float *c, int ldc) {
    c[0] = (float) transa;
    c[1] = (float) transb;
    c[2] = (float) m;
    c[3] = (float) n;
    c[4] = (float) k;
    c[5] = *alpha;
    c[6] = a[0];
    c[7] = (float) lda;
    c[8] = b[0];
    c[9] = (float) ldb;
    c[10] = *beta;
    c[11] = (float) ldc;
    return handle == HANDLE ? 0 : BAD_HANDLE;
}
