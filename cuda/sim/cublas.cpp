// libcublas.so.13 of the simulated CUDA device: the cuBLAS entry points softxent's bridge forwards
// (cuda/native/cublas_bridge.c), with SGEMM computed on the CPU in cuBLAS's exact column-major
// semantics: transposes, leading dimensions, alpha and beta (C is not read when beta is 0), the
// math mode (TF32 rounds the products' inputs to TF32's 10-bit mantissa), host or device scalars.
// The product is queued on the handle's stream like a kernel, and its matrices are checked against
// the live allocations when it runs. Arguments cuBLAS would refuse are refused, and recorded.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim.h"

namespace {

enum : int {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
};
constexpr int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2;
constexpr int CUBLAS_TF32_TENSOR_OP_MATH = 3;
constexpr int CUBLAS_POINTER_MODE_DEVICE = 1;

struct Handle {
    CUstream stream = nullptr;
    int math_mode = 0;
    int pointer_mode = 0;
};

std::mutex lock_;
std::set<Handle*> handles;

Handle* handle_of(void* h) {
    std::lock_guard<std::mutex> guard(lock_);
    Handle* handle = static_cast<Handle*>(h);
    return handles.count(handle) ? handle : nullptr;
}

int refuse(int status, const std::string& message) {
    sim::misuse(message + " (cuBLAS status " + std::to_string(status) + ")");
    return status;
}

/** TF32: the float rounded to nearest (ties to even) at 10 mantissa bits. */
inline float tf32(float x) {
    unsigned bits;
    std::memcpy(&bits, &x, 4);
    if ((bits & 0x7f800000u) != 0x7f800000u) {
        bits += 0xfffu + ((bits >> 13) & 1u);
        bits &= ~0x1fffu;
    }
    std::memcpy(&x, &bits, 4);
    return x;
}

struct Gemm {
    int transa, transb, m, n, k;
    float alpha, beta;
    const float* a;
    int lda;
    const float* b;
    int ldb;
    float* c;
    int ldc;
    bool tf32;

    float A(int i, int p) const {
        float v = transa == CUBLAS_OP_N ? a[i + (size_t) p * lda] : a[p + (size_t) i * lda];
        return tf32 ? ::tf32(v) : v;
    }

    float B(int p, int j) const {
        float v = transb == CUBLAS_OP_N ? b[p + (size_t) j * ldb] : b[j + (size_t) p * ldb];
        return tf32 ? ::tf32(v) : v;
    }

    /** Columns [from, to) of C, each sum in double. */
    void columns(int from, int to) const {
        std::vector<double> acc(m);
        std::vector<float> bcol(k), arow(k);
        for (int j = from; j < to; ++j) {
            for (int p = 0; p < k; ++p) bcol[p] = B(p, j);
            if (transa == CUBLAS_OP_N) {
                std::fill(acc.begin(), acc.end(), 0.0);
                for (int p = 0; p < k; ++p) {
                    double bp = bcol[p];
                    if (bp == 0.0) continue;
                    const float* col = a + (size_t) p * lda;
                    if (tf32) {
                        for (int i = 0; i < m; ++i) acc[i] += (double) ::tf32(col[i]) * bp;
                    } else {
                        for (int i = 0; i < m; ++i) acc[i] += (double) col[i] * bp;
                    }
                }
            } else {
                for (int i = 0; i < m; ++i) {
                    const float* row = a + (size_t) i * lda;  // op(A)'s row i is A's column i
                    double s = 0.0;
                    if (tf32) {
                        for (int p = 0; p < k; ++p) s += (double) ::tf32(row[p]) * bcol[p];
                    } else {
                        for (int p = 0; p < k; ++p) s += (double) row[p] * bcol[p];
                    }
                    acc[i] = s;
                }
            }
            float* out = c + (size_t) j * ldc;
            for (int i = 0; i < m; ++i) {
                double v = alpha * acc[i];
                out[i] = (float) (beta == 0.0f ? v : v + (double) beta * out[i]);
            }
        }
    }

    void run() const {
        double work = (double) m * n * k;
        unsigned threads = work < 4e6 ? 1 : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
        threads = std::min<unsigned>(threads, (unsigned) n);
        if (threads <= 1) {
            columns(0, n);
            return;
        }
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) {
            int from = (int) ((long long) n * t / threads), to = (int) ((long long) n * (t + 1) / threads);
            pool.emplace_back([this, from, to] { columns(from, to); });
        }
        for (auto& th : pool) th.join();
    }
};

/** Bytes a column-major rows × cols matrix with leading dimension ld spans. */
size_t span(int rows, int cols, int ld) {
    if (rows == 0 || cols == 0) return 0;
    return ((size_t) (cols - 1) * ld + rows) * sizeof(float);
}

}  // namespace

extern "C" {

int cublasCreate_v2(void** handle) {
    if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    if (sim::require_context("cublasCreate") != CUDA_SUCCESS) {
        return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasCreate: no usable CUDA context is current");
    }
    Handle* h = new Handle();
    std::lock_guard<std::mutex> guard(lock_);
    handles.insert(h);
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasDestroy_v2(void* handle) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasDestroy: not a live handle (destroyed twice?)");
    std::lock_guard<std::mutex> guard(lock_);
    handles.erase(h);
    delete h;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasGetVersion_v2(void* handle, int* version) {
    if (handle_of(handle) == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasGetVersion: not a live handle");
    if (version == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    *version = 130100;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetStream_v2(void* handle, CUstream stream) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetStream: not a live handle");
    if (!sim::valid_stream(stream)) return refuse(CUBLAS_STATUS_INVALID_VALUE, "cublasSetStream: not a live stream");
    h->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetMathMode(void* handle, int mode) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetMathMode: not a live handle");
    int base = mode & 0xf;
    if (base > CUBLAS_TF32_TENSOR_OP_MATH || (mode & ~0x1f) != 0) {
        return refuse(CUBLAS_STATUS_INVALID_VALUE, "cublasSetMathMode: unknown mode " + std::to_string(mode));
    }
    h->math_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasGetMathMode(void* handle, int* mode) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasGetMathMode: not a live handle");
    *mode = h->math_mode;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetPointerMode_v2(void* handle, int mode) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetPointerMode: not a live handle");
    if (mode != 0 && mode != 1) return CUBLAS_STATUS_INVALID_VALUE;
    h->pointer_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSetWorkspace_v2(void* handle, void* workspace, size_t bytes) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSetWorkspace: not a live handle");
    if (bytes > 0 && !sim::outside_allocation(reinterpret_cast<uintptr_t>(workspace), bytes).empty()) {
        return refuse(CUBLAS_STATUS_INVALID_VALUE, "cublasSetWorkspace: the workspace is not device memory");
    }
    return CUBLAS_STATUS_SUCCESS;
}

int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha, const float* a,
                   int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
    Handle* h = handle_of(handle);
    if (h == nullptr) return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSgemm: not a live handle");
    if (sim::require_context("cublasSgemm") != CUDA_SUCCESS) {
        return refuse(CUBLAS_STATUS_NOT_INITIALIZED, "cublasSgemm: no usable CUDA context is current");
    }
    auto op_ok = [](int t) { return t == CUBLAS_OP_N || t == CUBLAS_OP_T || t == CUBLAS_OP_C; };
    int a_rows = transa == CUBLAS_OP_N ? m : k, a_cols = transa == CUBLAS_OP_N ? k : m;
    int b_rows = transb == CUBLAS_OP_N ? k : n, b_cols = transb == CUBLAS_OP_N ? n : k;
    if (!op_ok(transa) || !op_ok(transb) || m < 0 || n < 0 || k < 0 || lda < std::max(1, a_rows)
        || ldb < std::max(1, b_rows) || ldc < std::max(1, m) || alpha == nullptr || beta == nullptr) {
        return refuse(CUBLAS_STATUS_INVALID_VALUE, "cublasSgemm: transa " + std::to_string(transa) + ", transb "
                      + std::to_string(transb) + ", m " + std::to_string(m) + ", n " + std::to_string(n) + ", k "
                      + std::to_string(k) + ", lda " + std::to_string(lda) + ", ldb " + std::to_string(ldb) + ", ldc "
                      + std::to_string(ldc) + " are not a valid product");
    }
    if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
    bool device_scalars = h->pointer_mode == CUBLAS_POINTER_MODE_DEVICE;
    Gemm g{transa, transb, m, n, k, device_scalars ? 0.0f : *alpha, device_scalars ? 0.0f : *beta,
           a, lda, b, ldb, c, ldc, (h->math_mode & 0xf) == CUBLAS_TF32_TENSOR_OP_MATH};
    bool queued = sim::enqueue(h->stream, "cublasSgemm", [g, alpha, beta, device_scalars, a_rows, a_cols, b_rows, b_cols]() mutable {
        struct Operand {
            const char* name;
            const void* p;
            size_t bytes;
        } operands[] = {{"A", g.a, span(a_rows, a_cols, g.lda)}, {"B", g.b, span(b_rows, b_cols, g.ldb)},
                        {"C", g.c, span(g.m, g.n, g.ldc)}};
        for (const Operand& o : operands) {
            if (o.bytes == 0 || (g.k == 0 && o.name[0] != 'C')) continue;
            std::string where = sim::outside_allocation(reinterpret_cast<uintptr_t>(o.p), o.bytes);
            if (!where.empty()) {
                sim::fault(CUDA_ERROR_ILLEGAL_ADDRESS, std::string("cublasSgemm: matrix ") + o.name + " " + where);
                return;
            }
        }
        if (device_scalars) {
            for (const float* s : {alpha, beta}) {
                std::string where = sim::outside_allocation(reinterpret_cast<uintptr_t>(s), sizeof(float));
                if (!where.empty()) {
                    sim::fault(CUDA_ERROR_ILLEGAL_ADDRESS, "cublasSgemm: a device scalar " + where);
                    return;
                }
            }
            g.alpha = *alpha;
            g.beta = *beta;
        }
        g.run();
    });
    return queued ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}

}  // extern "C"
