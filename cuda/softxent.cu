// softxent's CUDA kernels: row softmax and log-softmax, the fused cross-entropy pass (loss and
// gradient in one read of the logits), the softmax backward pass, the explicit Jacobian, sigmoid
// binary cross-entropy, and the small steps around the classifier's matrix products.
//
// Built into PTX by cuda/build-ptx.sh (the committed src/main/resources/org/softxent/cuda/softxent.ptx)
// and loaded by JCuda with cuModuleLoadData. The same source also compiles as plain C++ against
// cuda/emu/cuda_emu.h, which runs it on the CPU: the kernel tests and the simulated CUDA device.
//
// Conventions
// - Each kernel takes one argument, a struct of its parameters (RowArgs, ...). The host mirrors
//   each struct as a Java record (org.softxent.cuda.*Kernel), packed in the same C layout;
//   ContractTest reads both sides and checks that names, types and order agree.
// - Matrices are row-major float32 [rows, cols]; every element offset is 64-bit (rows * cols may
//   exceed 2^31).
// - Global memory is read and written through ld/st helpers only (ld_once, st_once for data
//   touched once, with streaming cache hints), so that the emulator checks every access against
//   the live allocations.
// - Bad data found on the device (NaN or +inf inputs, labels out of range) is recorded in the
//   call's Status block, which the host reads back with the loss: once per warp, after the warp's
//   loads are all in flight.
// - The semantics are PyTorch's; src/main/java/org/softxent/cpu is the reference.

#ifdef __CUDACC__
#define SX_INF __int_as_float(0x7f800000)
#define SX_NAN_D __longlong_as_double(0x7ff8000000000000LL)
#else
#include "emu/cuda_emu.h"
#define SX_INF INFINITY
#define SX_NAN_D ((double) NAN)
#endif

#define WARP 32
#define FULL_MASK 0xffffffffu

// =============================================================================================
// The host <-> kernel contract. ContractTest checks every #define and struct of this section
// against its Java mirror (org.softxent.cuda.Contract and the *Kernel records).

// What a row kernel computes.
#define SX_OP_SOFTMAX 0
#define SX_OP_LOG_SOFTMAX 1
#define SX_OP_CE_LABELS 2
#define SX_OP_CE_TARGETS 3

// How a loss is reduced.
#define SX_REDUCE_NONE 0
#define SX_REDUCE_SUM 1
#define SX_REDUCE_MEAN 2

// How many inputs (operands) of one call a Status block can tell apart.
#define SX_OPERANDS 8

// What a call's kernels found, and its scalars: one block per call, set to zero by the host
// before the call's first kernel (a zero block means nothing found yet).
struct Status {
    unsigned long long bad;                 // bit k: operand k held a bad value
    unsigned long long first[SX_OPERANDS];  // for each operand, ~(flat index of its first bad value)
    double loss;                            // the call's reduced loss
    double divisor;                         // the mean's divisor (sum of the weights of the rows kept)
    double extra;                           // added to the loss: the classifier's reg * sum W^2
    float scale;                            // the gradient's factor: 1 / divisor for the mean, else 1
    unsigned ticket;                        // blocks of the running kernel done; back to 0 after it
};

// Row softmax, log-softmax and the fused cross-entropy, one row per warp or block.
struct RowArgs {
    int op, rows, cols, reduction;
    const float* logits;   // [rows, cols]
    const float* bias;     // [cols], added to every row, or null
    const int* labels;     // [rows] (SX_OP_CE_LABELS)
    const float* targets;  // [rows, cols] (SX_OP_CE_TARGETS)
    const float* weights;  // [cols] class weights, or null
    const float* row_weights;  // [rows] each row's weight (SX_OP_CE_LABELS, the classifier), or null: 1
    int ignore_index;
    float keep;        // 1 - label smoothing
    float uniform;     // label smoothing / cols
    float weight_sum;  // sum of the class weights (cols without weights)
    double divisor;    // the mean's divisor when the host knows it (> 0); 0: the divisor kernel's
    long long row_offset;  // added to the rows a bad value is reported at (the classifier's chunks)
    float* out;        // [rows, cols]: the op's output (the gradient for cross-entropy), or null
    float* probs;      // [rows, cols] the softmax (cross-entropy), or null
    float* row_loss;   // [rows] each row's loss, or null
    double* partial;   // [gridDim.x] per-block loss sums for the reduced loss, or null
    float* loss_out;   // the reduced loss as float, or null
    Status* status;
    int logits_operand, labels_operand;  // the Status operands the logits and labels/targets are
};

// Before a cross-entropy with labels: the mean's divisor and the gradient's scale (one block).
struct DivisorArgs {
    int rows, cols, ignore_index, reduction;
    const int* labels;
    const float* weights;
    const float* row_weights;  // [rows], or null: 1
    Status* status;
    int labels_operand;
};

// The loss from per-row losses: sum / divisor (mean) or sum, plus status->extra (one block).
struct ReduceArgs {
    long long rows;  // losses to sum (a binary classifier chunk's are rows * outputs)
    int reduction;
    int carry;       // 1: add the sum to status->loss and stop (a chunk); 0: finish, carried sums included
    double divisor;  // the mean's divisor when the host knows it (> 0); 0: the divisor kernel's
    const float* row_loss;
    Status* status;
    float* loss_out;
};

// Softmax backward: out = p * (g - sum_j g_j p_j), one row per warp or block.
struct BackwardArgs {
    int rows, cols;
    const float* probs;
    const float* grad;
    float* out;
    Status* status;  // probs report as operand 0, grad as operand 1
};

// The explicit Jacobian: out[n, i, j] = p_i (delta_ij - p_j).
struct JacobianArgs {
    int rows, cols;
    const float* probs;
    float* out;
};

// Sigmoid binary cross-entropy over n = rows * cols elements.
struct BceArgs {
    long long n;       // elements in this launch: whole rows of cols
    int cols, reduction;
    const float* logits;
    const float* bias;        // [cols], added to every row's logits, or null (the binary classifier)
    const float* targets;
    const float* pos_weight;  // [cols], or null
    const float* row_weights; // [n / cols] each row's weight (the binary classifier), or null: 1
    double divisor;    // the mean's divisor when it is not n (> 0: the binary classifier's N * K)
    long long offset;  // added to the indices bad values are reported at (the classifier's chunks)
    float* grad;
    float* probs;
    float* losses;     // [n] (reduction none, or the classifier's element losses), or null
    double* partial;   // [gridDim.x] per-block sums for the reduced loss, or null: not reduced here
    float* loss_out;   // the reduced loss as float, or null
    Status* status;
    int logits_operand, targets_operand;  // the Status operands of the logits and the targets
};

// A check that n values are finite (reported as `operand`, in rows of `cols`), and optionally
// factor * sum of their squares into status->extra (the classifier's reg term).
struct SquaresArgs {
    long long n;
    int operand, add_to_extra;
    double factor;
    const float* values;
    double* partial;  // [gridDim.x]
    Status* status;
};

// db[j] = (db[j] +) sum over the rows of ds[i, j].
struct ColumnSumsArgs {
    int rows, cols, accumulate;
    const float* ds;
    float* db;
};

// dst = alpha * src over n elements.
struct ScaleArgs {
    long long n;
    float alpha;
    const float* src;
    float* dst;
};

// A minibatch: dst row r = src row indices[r], rows of `cols` 4-byte words (features or labels).
struct GatherArgs {
    long long count, src_rows;
    int cols;
    const int* indices;    // [count], each in [0, src_rows)
    const unsigned* src;   // [src_rows, cols]
    unsigned* dst;         // [count, cols]
    Status* status;        // a bad index is reported as operand 0
};

// The classifiers' predictions: each row's class (the argmax of its logits plus the bias, the
// lowest index on a tie), or with binary each element's (logit + bias > 0); with labels (or
// targets) the count of rows (elements) predicted right is added to *correct.
struct ArgmaxArgs {
    long long rows;
    int cols, binary, ignore_index;
    const float* logits;   // [rows, cols]
    const float* bias;     // [cols], or null
    const int* labels;     // [rows] (softmax), or null
    const float* targets;  // [rows, cols] (binary; right when (target >= 0.5) is the prediction), or null
    int* predicted;        // [rows] (softmax) or [rows, cols] (binary), or null
    unsigned* correct;     // += the rows (elements) predicted right, or null
    long long row_offset;  // added to the rows a bad value is reported at (the classifier's chunks)
    Status* status;        // a logit plus its bias past float's range is reported here, or null
    int logits_operand;    // as this Status operand (SX_PRODUCT_LOGITS)
};

// A momentum SGD step over n parameters: v = momentum * v + g, param -= lr * v.
struct SgdArgs {
    long long n;
    float lr, momentum;
    float* param;
    const float* grad;
    float* velocity;  // null when momentum is 0
};

// =============================================================================================

namespace {

// ---------------------------------------------------------------------------------------------
// Global memory, through these only (see the conventions above). ld_once / st_once carry the
// streaming hints for data read or written once per call, so that it does not evict what is
// reused (labels, weights, the bias).

#ifdef __CUDACC__
template <class T>
__device__ __forceinline__ T ld(const T* p) {
    return *p;
}
template <class T>
__device__ __forceinline__ void st(T* p, T v) {
    *p = v;
}
__device__ __forceinline__ float ld_once(const float* p) { return __ldcs(p); }
__device__ __forceinline__ float4 ld_once4(const float* p) { return __ldcs(reinterpret_cast<const float4*>(p)); }
__device__ __forceinline__ void st_once(float* p, float v) { __stcs(p, v); }
__device__ __forceinline__ void st_once4(float* p, float4 v) { __stcs(reinterpret_cast<float4*>(p), v); }
#else
template <class T>
inline T ld(const T* p) {
    emu::check_access(p, sizeof(T), false);
    return *p;
}
template <class T>
inline void st(T* p, T v) {
    emu::check_access(p, sizeof(T), true);
    *p = v;
}
inline float ld_once(const float* p) { return ld(p); }
inline float4 ld_once4(const float* p) { return ld(reinterpret_cast<const float4*>(p)); }
inline void st_once(float* p, float v) { st(p, v); }
inline void st_once4(float* p, float4 v) { st(reinterpret_cast<float4*>(p), v); }
#endif

template <int PACK>
__device__ __forceinline__ void load_pack(const float* p, float* v) {
    if (PACK == 4) {
        float4 q = ld_once4(p);
        v[0] = q.x;
        v[1] = q.y;
        v[2] = q.z;
        v[3] = q.w;
    } else {
        v[0] = ld_once(p);
    }
}

template <int PACK>
__device__ __forceinline__ void store_pack(float* p, const float* v) {
    if (PACK == 4) {
        st_once4(p, make_float4(v[0], v[1], v[2], v[3]));
    } else {
        st_once(p, v[0]);
    }
}

// ---------------------------------------------------------------------------------------------
// Reductions

constexpr unsigned long long NONE = ~0ull;  // "no bad value" as a flat index

__device__ __forceinline__ bool bad_logit(float v) {  // -inf is a masked class; NaN and +inf are errors
    return v != v || v == SX_INF;
}

// The Status operand of the classifiers' logits, x·w + b: their X, W and b are checked finite, so
// no value there is a masked class, and every non-finite one (-inf too) is the float products
// overflowing, which the host computes again in double (org.softxent.cuda.DeviceOps).
constexpr int SX_PRODUCT_LOGITS = 3;

__device__ __forceinline__ bool non_finite(float v) {
    return v != v || v == SX_INF || v == -SX_INF;
}

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

// Sum over the whole block, left in every thread (one-dimensional blocks of a multiple of 32
// threads, all of which call it). A 32-slot shared array carries the warps' partial sums.
template <class T>
__device__ __forceinline__ T block_sum(T v) {
    v = warp_sum(v);
    __shared__ T partial[WARP];
    int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
    __syncthreads();  // the previous use of `partial` is over
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    v = lane < warps ? partial[lane] : T(0);
    return warp_sum(v);
}

// Records that `operand` held a bad value, the first at flat index `first` (NONE: this thread
// found none). Called by every thread of a warp together, after the warp's loads: the common case
// costs one vote, a bad warp one shuffle reduction and one atomic pair.
__device__ __forceinline__ void report(Status* status, int operand, unsigned long long first) {
    if (!__any_sync(FULL_MASK, first != NONE)) return;
    for (int o = WARP / 2; o > 0; o >>= 1) {
        unsigned long long other = __shfl_xor_sync(FULL_MASK, first, o);
        first = other < first ? other : first;
    }
    if (threadIdx.x % WARP == 0) {
        atomicOr(&status->bad, 1ull << operand);
        atomicMax(&status->first[operand], ~first);  // the smallest index has the largest complement
    }
}

// The last-block pattern: each block leaves its double sum in partial[blockIdx.x]; the block that
// finishes last sums them in block order (deterministic, no float atomics) and returns true with
// the total in `total` (every thread of that block). Resets the ticket for the next kernel.
__device__ __forceinline__ bool last_block_total(double block_total, double* partial, Status* status, double& total) {
    __shared__ bool last;
    if (threadIdx.x == 0) {
        st(partial + blockIdx.x, block_total);
        __threadfence();  // the partial is visible before the ticket says so
        last = atomicAdd(&status->ticket, 1u) == gridDim.x - 1;
    }
    __syncthreads();
    if (!last) return false;
    __threadfence();
    double sum = 0.0;
    for (unsigned b = threadIdx.x; b < gridDim.x; b += blockDim.x) sum += ld(partial + b);
    total = block_sum(sum);
    if (threadIdx.x == 0) st(&status->ticket, 0u);
    return true;
}

// The reduced loss from the sum of the losses, with the call's extra term; into the Status block
// and, as float, loss_out.
__device__ __forceinline__ void finish_loss(int reduction, double sum, double divisor, Status* status, float* loss_out) {
    if (threadIdx.x != 0) return;
    double loss = (reduction == SX_REDUCE_MEAN ? sum / divisor : sum) + ld(&status->extra);
    st(&status->loss, loss);
    if (loss_out) st(loss_out, (float) loss);
}

// ---------------------------------------------------------------------------------------------
// The softmax sum of a row is kept as (m, c, r): the max m, how many values equal it (c), and the
// sum of exp(v - m) over the others (r), so that s = c + r. When the max is unique (c = 1), the two
// quantities confident predictions need come out exact: 1 - p_max = r / s and log s = log1p(r).
// Formed from s itself, both would lose everything below float's epsilon (a gradient p_max - 1 of
// 1e-5 with 1% error, a loss of 1e-9 rounded to 0).

// Adds one value to an online state: one exp per value. A -inf value (a masked class) adds
// nothing while a finite max exists; (-inf) - (-inf) is never formed.
__device__ __forceinline__ void online_add(float& m, float& c, float& r, float v) {
    if (v > m) {
        r = (r + c) * expf(m - v);  // m = -inf: exp(-inf) = 0
        c = 1.0f;
        m = v;
    } else if (v == m) {
        c += 1.0f;
    } else {
        r += expf(v - m);
    }
}

// Merges the state (m2, c2, r2) into (m, c, r).
__device__ __forceinline__ void merge_state(float& m, float& c, float& r, float m2, float c2, float r2) {
    if (m2 > m) {
        float t = m;
        m = m2;
        m2 = t;
        t = c;
        c = c2;
        c2 = t;
        t = r;
        r = r2;
        r2 = t;
    }
    if (m2 == m) {
        c += c2;
        r += r2;
    } else {
        r += (c2 + r2) * expf(m2 - m);  // m2 = -inf: exp(-inf) = 0
    }
}

// Reductions over a row's group of threads: a warp (GROUP == WARP) or the whole block (GROUP == 0),
// leaving every thread with the result.
template <int GROUP>
__device__ __forceinline__ float group_max(float v) {
    v = warp_max(v);
    if (GROUP == WARP) return v;
    __shared__ float partial[WARP];
    int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    v = lane < warps ? partial[lane] : -SX_INF;
    return warp_max(v);
}

// Two sums at once over the row's group.
template <int GROUP>
__device__ __forceinline__ void group_sum2(float& x, float& y) {
    for (int o = WARP / 2; o > 0; o >>= 1) {
        x += __shfl_xor_sync(FULL_MASK, x, o);
        y += __shfl_xor_sync(FULL_MASK, y, o);
    }
    if (GROUP == WARP) return;
    __shared__ float px[WARP], py[WARP];
    int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
    __syncthreads();
    if (lane == 0) {
        px[warp] = x;
        py[warp] = y;
    }
    __syncthreads();
    x = lane < warps ? px[lane] : 0.0f;
    y = lane < warps ? py[lane] : 0.0f;
    for (int o = WARP / 2; o > 0; o >>= 1) {
        x += __shfl_xor_sync(FULL_MASK, x, o);
        y += __shfl_xor_sync(FULL_MASK, y, o);
    }
}

template <int GROUP>
__device__ __forceinline__ float group_sum(float v) {
    float unused = 0.0f;
    group_sum2<GROUP>(v, unused);
    return v;
}

__device__ __forceinline__ void warp_merge(float& m, float& c, float& r) {
    for (int o = WARP / 2; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(FULL_MASK, m, o);
        float c2 = __shfl_xor_sync(FULL_MASK, c, o);
        float r2 = __shfl_xor_sync(FULL_MASK, r, o);
        merge_state(m, c, r, m2, c2, r2);
    }
}

__device__ __forceinline__ void block_merge(float& m, float& c, float& r) {
    warp_merge(m, c, r);
    __shared__ float pm[WARP], pc[WARP], pr[WARP];
    int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, warps = blockDim.x / WARP;
    __syncthreads();
    if (lane == 0) {
        pm[warp] = m;
        pc[warp] = c;
        pr[warp] = r;
    }
    __syncthreads();
    m = lane < warps ? pm[lane] : -SX_INF;
    c = lane < warps ? pc[lane] : 0.0f;
    r = lane < warps ? pr[lane] : 0.0f;
    warp_merge(m, c, r);
}

// ---------------------------------------------------------------------------------------------
// What a row kernel does once the row's (m, c, r) is known: the same for every kernel shape.

// A cross-entropy row's label, its class weight and its logit (with the bias). Every row kernel
// reads these before its first reduction, that is before any thread of the row writes: outputs may
// overwrite the logits in place (the classifier's dS does).
struct RowLabel {
    int label;  // -1 when the row is ignored (or its label is invalid, which is reported)
    bool invalid;
    float wy, zy;
};

struct RowState {
    long long base;  // offset of the row's first element
    float m, inv_s, log_s;
    float rest;   // r of the row's (m, c, r)
    bool unique;  // c = 1 with a finite max: the one element at m has 1 - p = rest / s
    int label;
    float wy, zy, sum_q, scale;
    float q_rest;  // probability targets: sum of q_j over the elements below the max
};

__device__ __forceinline__ float weight_of(const RowArgs& a, int j) {
    return a.weights ? ld(a.weights + j) : 1.0f;
}

// A row's weight: its loss and gradient are multiplied by it (1 without row weights).
__device__ __forceinline__ float row_weight(const RowArgs& a, long long row) {
    return a.row_weights ? ld(a.row_weights + row) : 1.0f;
}

__device__ __forceinline__ float bias_of(const RowArgs& a, int j) {
    return a.bias ? ld(a.bias + j) : 0.0f;
}

// A bad value of a row kernel's logits (the bias added): NaN or +inf, and -inf too where the
// logits are the classifiers' products (SX_PRODUCT_LOGITS), which mask no class.
__device__ __forceinline__ bool bad_value(const RowArgs& a, float z) {
    return bad_logit(z) || (z == -SX_INF && a.logits_operand == SX_PRODUCT_LOGITS);
}

__device__ __forceinline__ RowLabel row_label(const RowArgs& a, long long row, long long base) {
    RowLabel l = {-1, false, 0.0f, 0.0f};
    if (a.op != SX_OP_CE_LABELS) return l;
    int y = ld(a.labels + row);
    if (y == a.ignore_index) return l;
    if (y < 0 || y >= a.cols) {
        l.invalid = true;
        return l;
    }
    l.label = y;
    l.wy = weight_of(a, y);
    l.zy = ld(a.logits + base + y) + bias_of(a, y);
    return l;
}

// -log p of a logit z: (m - z) + log s rather than (m + log s) - z, so that with logits of 1e4 a
// small loss is not lost to the rounding of m + log s (m - z is exact for nearby floats).
__device__ __forceinline__ float neg_log_p(const RowState& r, float z) {
    return (r.m - z) + r.log_s;
}

// Per-row quantities the epilogue needs before it writes, from the row's (m, c, r). For
// probability targets sum_q is sum_j q_j and q_rest its part below the max, computed by the
// caller; for labels both follow from the label's weight.
__device__ __forceinline__ RowState row_state(const RowArgs& a, long long base, const RowLabel& l, float m, float c,
                                              float rest, float sum_q, float q_rest, float scale) {
    RowState r;
    r.base = base;
    r.m = m;
    r.rest = rest;
    r.unique = c == 1.0f && m > -SX_INF;
    r.inv_s = 1.0f / (c + rest);
    r.log_s = r.unique ? log1pf(rest) : logf(c + rest);
    r.label = l.label;
    r.wy = l.wy;
    r.zy = l.zy;
    r.sum_q = a.op == SX_OP_CE_LABELS ? a.keep * l.wy + a.uniform * a.weight_sum : sum_q;
    r.q_rest = q_rest;
    r.scale = scale;
    return r;
}

// The gradient sum_q * p - q of one element. At the row's unique max, p = 1 / s and s = 1 + rest,
// so it equals (q_rest - q * rest) / s with q_rest = sum_q - q, the target mass elsewhere, formed
// without the cancellation of sum_q * p - q when p is close to 1.
__device__ __forceinline__ float gradient(const RowState& r, bool top, float p, float q, float q_rest) {
    return top ? (q_rest - q * r.rest) * r.inv_s : r.sum_q * p - q;
}

// Writes the outputs of PACK consecutive elements starting at column j (z already has the bias)
// and returns their contribution to the row's loss.
template <int PACK>
__device__ __forceinline__ float epilogue(const RowArgs& a, const RowState& r, int j, const float* z) {
    float out[PACK], p[PACK];
    float loss = 0.0f;
    for (int e = 0; e < PACK; ++e) p[e] = expf(z[e] - r.m) * r.inv_s;
    if (a.op == SX_OP_SOFTMAX) {
        for (int e = 0; e < PACK; ++e) out[e] = p[e];
    } else if (a.op == SX_OP_LOG_SOFTMAX) {
        for (int e = 0; e < PACK; ++e) out[e] = -neg_log_p(r, z[e]);
    } else if (a.op == SX_OP_CE_LABELS) {
        bool ignored = r.label < 0;  // the ignore index, or an invalid label (reported)
        for (int e = 0; e < PACK; ++e) {
            float w = weight_of(a, j + e);
            bool is_label = j + e == r.label;
            float q = a.uniform * w + (is_label ? a.keep * r.wy : 0.0f);
            // The target mass off this element: the smoothing of the others, or all of sum_q - q.
            float q_rest = is_label ? a.uniform * (a.weight_sum - w) : r.sum_q - q;
            float g = gradient(r, r.unique && z[e] == r.m, p[e], q, q_rest);
            // An ignored row's gradient is 0, or NaN where its softmax is (a row of -inf), as
            // PyTorch's log-softmax backward makes it: g - exp(out) * sum(g) with g = 0.
            out[e] = ignored ? 0.0f * p[e] : r.scale * g;
            // Only with smoothing: -log p of every class, weighted (a masked class makes it +inf).
            if (!ignored && a.uniform > 0.0f) loss += a.uniform * w * neg_log_p(r, z[e]);
        }
    } else {  // SX_OP_CE_TARGETS
        float t[PACK];
        load_pack<PACK>(a.targets + r.base + j, t);
        for (int e = 0; e < PACK; ++e) {
            float q = weight_of(a, j + e) * (a.keep * t[e] + a.uniform);
            out[e] = r.scale * gradient(r, r.unique && z[e] == r.m, p[e], q, r.q_rest);
            loss += q * neg_log_p(r, z[e]);  // 0 * inf = NaN on a masked class, as in PyTorch
        }
    }
    if (a.out) store_pack<PACK>(a.out + r.base + j, out);
    if (a.probs) store_pack<PACK>(a.probs + r.base + j, p);
    return loss;
}

// The label's own term of the row loss, (1 - eps) * w_y * (-log p_y), added once per row.
__device__ __forceinline__ float label_term(const RowArgs& a, const RowState& r) {
    if (a.op != SX_OP_CE_LABELS || r.label < 0) return 0.0f;
    return a.keep * r.wy * neg_log_p(r, r.zy);
}

// For probability targets, before any gradient is written: sum_q = sum_j q_j over the row, and
// q_rest = its part over the elements below the max m (see gradient()). The group's threads each
// take the columns of their logits v (held in registers, VPT of them, as cached_rows lays them
// out), or, with v null, read the logits again. Keeps the first non-finite target in `bad`.
template <int GROUP, int PACK, int VPT>
__device__ __forceinline__ void target_mass(const RowArgs& a, long long base, int lane, int group, const float* v,
                                            float m, float& sum_q, float& q_rest, unsigned long long& bad) {
    sum_q = 0.0f;
    q_rest = 0.0f;
    for (int k = 0;; ++k) {
        int j = (k * group + lane) * PACK;
        if (j >= a.cols || (v != nullptr && k >= VPT / PACK)) break;
        float t[PACK], z[PACK];
        load_pack<PACK>(a.targets + base + j, t);
        if (v != nullptr) {
            for (int e = 0; e < PACK; ++e) z[e] = v[k * PACK + e];
        } else {
            load_pack<PACK>(a.logits + base + j, z);
            for (int e = 0; e < PACK; ++e) z[e] += bias_of(a, j + e);
        }
        for (int e = 0; e < PACK; ++e) {
            if (non_finite(t[e]) && bad == NONE) bad = (unsigned long long) (base + j + e);
            float q = weight_of(a, j + e) * (a.keep * t[e] + a.uniform);
            sum_q += q;
            if (z[e] < m) q_rest += q;
        }
    }
    group_sum2<GROUP>(sum_q, q_rest);
}

// The gradient's factor of a cross-entropy call: 1 / divisor for the mean, else 1.
__device__ __forceinline__ float gradient_scale(const RowArgs& a) {
    if (a.op < SX_OP_CE_LABELS) return 1.0f;
    if (a.divisor > 0.0) return a.reduction == SX_REDUCE_MEAN ? (float) (1.0 / a.divisor) : 1.0f;
    return ld(&a.status->scale);
}

// After a block's rows: the reduced loss, when asked for (the last block finishes it).
__device__ __forceinline__ void finish_rows(const RowArgs& a, double block_loss) {
    if (a.partial == nullptr) return;
    double total;
    double sum = block_sum(block_loss);
    if (last_block_total(sum, a.partial, a.status, total)) {
        double divisor = a.divisor > 0.0 ? a.divisor : ld(&a.status->divisor);
        finish_loss(a.reduction, total, divisor, a.status, a.loss_out);
    }
}

// The flat index of a row's element as reported: the row shifted by the call's row offset.
__device__ __forceinline__ unsigned long long reported(const RowArgs& a, long long base, int j) {
    return (unsigned long long) (base + a.row_offset * a.cols + j);
}

// ---------------------------------------------------------------------------------------------
// Row kernels, the row held in registers: WARP (GROUP = 32: a warp per row) or BLOCK (GROUP = 0: a
// block per row). Each group takes rows in turn (grid-stride), so the host can size the grid to
// what the device holds at once. A thread first issues all its loads, then looks for bad values.

template <int GROUP, int PACK, int VPT>
__device__ void cached_rows(const RowArgs& a) {
    const int group = GROUP == WARP ? WARP : blockDim.x;
    const int lane = GROUP == WARP ? threadIdx.x % WARP : threadIdx.x;
    const long long first_row = GROUP == WARP ? (long long) blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP
                                              : (long long) blockIdx.x;
    const long long row_stride = GROUP == WARP ? (long long) gridDim.x * (blockDim.x / WARP) : gridDim.x;
    double block_loss = 0.0;
    // A row's whole group leaves the loop together: its votes, shuffles and barriers stay uniform.
    for (long long row = first_row; row < a.rows; row += row_stride) {
        const long long base = row * (long long) a.cols;
        const RowLabel label = row_label(a, row, base);

        float v[VPT];  // fully unrolled loops keep it in registers
#pragma unroll
        for (int k = 0; k < VPT / PACK; ++k) {
            int j = (k * group + lane) * PACK;
            if (j < a.cols) {
                load_pack<PACK>(a.logits + base + j, v + k * PACK);
            } else {
                for (int e = 0; e < PACK; ++e) v[k * PACK + e] = -SX_INF;
            }
        }
        if (a.bias) {
#pragma unroll
            for (int k = 0; k < VPT / PACK; ++k) {
                int j = (k * group + lane) * PACK;
                if (j < a.cols)
                    for (int e = 0; e < PACK; ++e) v[k * PACK + e] += ld(a.bias + j + e);
            }
        }
        // Only now, with every load issued: the first bad value (with the bias: a sum past float's
        // range is the products' overflow too), as its place in v (VPT: none). The padding is -inf.
        int first_bad = VPT;
#pragma unroll
        for (int i = VPT - 1; i >= 0; --i) {
            if (bad_value(a, v[i]) && ((i / PACK) * group + lane) * PACK < a.cols) first_bad = i;
        }
        report(a.status, a.logits_operand,
               first_bad == VPT ? NONE : reported(a, base, ((first_bad / PACK) * group + lane) * PACK + first_bad % PACK));
        float m = -SX_INF;
#pragma unroll
        for (int k = 0; k < VPT; ++k) m = fmaxf(m, v[k]);
        report(a.status, a.labels_operand, label.invalid ? (unsigned long long) (row + a.row_offset) : NONE);
        m = group_max<GROUP>(m);
        float c = 0.0f, rest = 0.0f;  // the row's (m, c, r): see online_add
#pragma unroll
        for (int k = 0; k < VPT; ++k) {
            if (v[k] == m) {
                c += 1.0f;  // the padding (-inf) counts only in a row that is all -inf, which is NaN anyway
            } else {
                rest += expf(v[k] - m);
            }
        }
        group_sum2<GROUP>(c, rest);

        float sum_q = 0.0f, q_rest = 0.0f;
        if (a.op == SX_OP_CE_TARGETS) {
            unsigned long long bad_t = NONE;
            target_mass<GROUP, PACK, VPT>(a, base, lane, group, v, m, sum_q, q_rest, bad_t);
            report(a.status, a.labels_operand, bad_t);
        }
        const float rw = row_weight(a, row);
        RowState r = row_state(a, base, label, m, c, rest, sum_q, q_rest, gradient_scale(a) * rw);
        float loss = 0.0f;
#pragma unroll
        for (int k = 0; k < VPT / PACK; ++k) {
            int j = (k * group + lane) * PACK;
            if (j < a.cols) loss += epilogue<PACK>(a, r, j, v + k * PACK);
        }
        if (a.op >= SX_OP_CE_LABELS) {
            loss = group_sum<GROUP>(loss);
            if (lane == 0) {
                loss = (loss + label_term(a, r)) * rw;
                if (a.row_loss) st(a.row_loss + row, loss);
                block_loss += loss;
            }
        }
    }
    finish_rows(a, block_loss);
}

// Row kernel for any width: one block per row, an online (m, c, r) pass, then a second read.
template <int PACK>
__device__ void streamed_rows(const RowArgs& a) {
    const int first = threadIdx.x * PACK, stride = blockDim.x * PACK;
    double block_loss = 0.0;
    for (long long row = blockIdx.x; row < a.rows; row += gridDim.x) {
        const long long base = row * (long long) a.cols;
        const RowLabel label = row_label(a, row, base);
        unsigned long long bad = NONE;
        float m = -SX_INF, c = 0.0f, rest = 0.0f;
        for (int j = first; j < a.cols; j += stride) {
            float v[PACK];
            load_pack<PACK>(a.logits + base + j, v);
            for (int e = 0; e < PACK; ++e) {
                const float z = v[e] + bias_of(a, j + e);
                if (bad_value(a, z) && bad == NONE) bad = reported(a, base, j + e);
                online_add(m, c, rest, z);
            }
        }
        report(a.status, a.logits_operand, bad);
        report(a.status, a.labels_operand, label.invalid ? (unsigned long long) (row + a.row_offset) : NONE);
        block_merge(m, c, rest);

        float sum_q = 0.0f, q_rest = 0.0f;
        if (a.op == SX_OP_CE_TARGETS) {
            unsigned long long bad_t = NONE;
            target_mass<0, PACK, 0>(a, base, threadIdx.x, blockDim.x, nullptr, m, sum_q, q_rest, bad_t);
            report(a.status, a.labels_operand, bad_t);
        }
        const float rw = row_weight(a, row);
        RowState r = row_state(a, base, label, m, c, rest, sum_q, q_rest, gradient_scale(a) * rw);
        float loss = 0.0f;
        for (int j = first; j < a.cols; j += stride) {
            float v[PACK];
            load_pack<PACK>(a.logits + base + j, v);
            for (int e = 0; e < PACK; ++e) v[e] += bias_of(a, j + e);
            loss += epilogue<PACK>(a, r, j, v);
        }
        if (a.op >= SX_OP_CE_LABELS) {
            loss = group_sum<0>(loss);
            if (threadIdx.x == 0) {
                loss = (loss + label_term(a, r)) * rw;
                if (a.row_loss) st(a.row_loss + row, loss);
                block_loss += loss;
            }
        }
    }
    finish_rows(a, block_loss);
}

}  // namespace

// =============================================================================================
// Entry points. Names: sx_rows_<shape>_p<PACK>_v<VPT>. Launch shapes (the host's side of the
// contract, org.softxent.cuda.RowKernel):
//   warp:   blockDim.x = 128 (4 rows at a time), any gridDim.x; cols <= 32 * VPT
//   block:  blockDim.x = any multiple of 32 up to 1024, any gridDim.x; cols <= blockDim.x * VPT
//   stream: blockDim.x = any multiple of 32 up to 1024, any gridDim.x; any cols
// PACK = 4 uses 128-bit loads and stores: the host picks it only when cols % 4 == 0 and every
// row-major pointer of the call is 16-byte aligned. The 128-bit block kernel of 32 values per
// thread is bounded to 64 registers so that 1024 threads fit an SM: one read of rows up to 32,768
// wide.

#define SX_CACHED(shape, group, pack, vpt, bounds)                                                     \
    extern "C" __global__ void bounds sx_rows_##shape##_p##pack##_v##vpt(const RowArgs a) {            \
        cached_rows<group, pack, vpt>(a);                                                              \
    }
#define SX_ANY
#define SX_FULL_BLOCK __launch_bounds__(1024, 1)

SX_CACHED(warp, WARP, 1, 1, SX_ANY)
SX_CACHED(warp, WARP, 1, 2, SX_ANY)
SX_CACHED(warp, WARP, 1, 4, SX_ANY)
SX_CACHED(warp, WARP, 1, 8, SX_ANY)
SX_CACHED(warp, WARP, 1, 16, SX_ANY)
SX_CACHED(warp, WARP, 1, 32, SX_ANY)
SX_CACHED(warp, WARP, 4, 4, SX_ANY)
SX_CACHED(warp, WARP, 4, 8, SX_ANY)
SX_CACHED(warp, WARP, 4, 16, SX_ANY)
SX_CACHED(warp, WARP, 4, 32, SX_ANY)
SX_CACHED(block, 0, 1, 8, SX_ANY)
SX_CACHED(block, 0, 1, 16, SX_ANY)
SX_CACHED(block, 0, 1, 32, SX_ANY)
SX_CACHED(block, 0, 4, 8, SX_ANY)
SX_CACHED(block, 0, 4, 16, SX_ANY)
SX_CACHED(block, 0, 4, 32, SX_FULL_BLOCK)

extern "C" __global__ void sx_rows_stream_p1(const RowArgs a) { streamed_rows<1>(a); }
extern "C" __global__ void sx_rows_stream_p4(const RowArgs a) { streamed_rows<4>(a); }

// ---------------------------------------------------------------------------------------------
// Before a cross-entropy with labels: the mean's divisor (the sum of the class weights of the rows
// not ignored) and the gradient's scale, on the device, so that no host round trip sits between
// it and the row kernel. One block; the sum runs in double in an order fixed by the shape. Records
// labels outside [0, cols) that are not the ignore index.
extern "C" __global__ void sx_divisor(const DivisorArgs a) {
    double sum = 0.0;
    double size = 0.0;  // Σ |weight|: 0 when the rows not ignored all weigh 0 (or there are none)
    unsigned long long bad = NONE;
    int rounds = (a.rows + blockDim.x - 1) / blockDim.x;
    for (int k = 0; k < rounds; ++k) {
        int i = k * blockDim.x + threadIdx.x;
        if (i >= a.rows) continue;
        int y = ld(a.labels + i);
        if (y == a.ignore_index) continue;
        if (y < 0 || y >= a.cols) {
            if (bad == NONE) bad = (unsigned long long) i;
            continue;
        }
        double w = a.weights ? (double) ld(a.weights + y) : 1.0;
        double term = a.row_weights ? w * (double) ld(a.row_weights + i) : w;
        sum += term;
        size += fabs(term);
    }
    report(a.status, a.labels_operand, bad);
    sum = block_sum(sum);
    size = block_sum(size);
    if (threadIdx.x == 0) {
        // Rows that all weigh 0: the mean is PyTorch's 0/0, NaN, and so is each kept row's gradient,
        // even where label smoothing's term (a sum of its own over the same divisor) is not 0.
        if (a.reduction == SX_REDUCE_MEAN && size == 0.0) sum = SX_NAN_D;
        st(&a.status->divisor, sum);
        st(&a.status->scale, a.reduction == SX_REDUCE_MEAN ? (float) (1.0 / sum) : 1.0f);
    }
}

// The loss from per-row float losses (the classifier's, after its chunks): one block, the sum in
// double in a fixed order, divided by the divisor for the mean, plus status->extra.
// status->loss starts at 0 in a fresh slot, so chunks can carry their sums in it until the last
// launch finishes: the binary classifier's element losses need only a chunk's room, not n * k.
extern "C" __global__ void sx_reduce_rows(const ReduceArgs a) {
    double sum = 0.0;
    for (long long i = threadIdx.x; i < a.rows; i += blockDim.x) sum += ld(a.row_loss + i);
    sum = block_sum(sum);
    if (threadIdx.x != 0) return;
    sum += ld(&a.status->loss);
    if (a.carry) {
        st(&a.status->loss, sum);
        return;
    }
    finish_loss(a.reduction, sum, a.divisor > 0.0 ? a.divisor : ld(&a.status->divisor), a.status, a.loss_out);
}

// ---------------------------------------------------------------------------------------------
// Softmax backward: out = p * (g - sum_j g_j p_j), one warp (WARP) or one block (BLOCK) per row,
// rows in turn; two reads of P and G (the second mostly from cache). The dot product and g - dot
// are formed in double: with a confident row (p near one-hot), g - dot is a small difference of
// large terms, which float would lose.

namespace {
template <int GROUP, int PACK>
__device__ void backward_rows(const BackwardArgs& a) {
    const int group = GROUP == WARP ? WARP : blockDim.x;
    const int lane = GROUP == WARP ? threadIdx.x % WARP : threadIdx.x;
    const long long first_row = GROUP == WARP ? (long long) blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP
                                              : (long long) blockIdx.x;
    const long long row_stride = GROUP == WARP ? (long long) gridDim.x * (blockDim.x / WARP) : gridDim.x;
    for (long long row = first_row; row < a.rows; row += row_stride) {
        const long long base = row * (long long) a.cols;
        unsigned long long bad_p = NONE, bad_g = NONE;
        double dot = 0.0;
        for (int j = lane * PACK; j < a.cols; j += group * PACK) {
            float p[PACK], g[PACK];
            load_pack<PACK>(a.probs + base + j, p);
            load_pack<PACK>(a.grad + base + j, g);
            for (int e = 0; e < PACK; ++e) {
                if (non_finite(p[e]) && bad_p == NONE) bad_p = (unsigned long long) (base + j + e);
                if (non_finite(g[e]) && bad_g == NONE) bad_g = (unsigned long long) (base + j + e);
                dot += (double) g[e] * p[e];
            }
        }
        report(a.status, 0, bad_p);
        report(a.status, 1, bad_g);
        dot = GROUP == WARP ? warp_sum(dot) : block_sum(dot);
        for (int j = lane * PACK; j < a.cols; j += group * PACK) {
            float p[PACK], g[PACK], o[PACK];
            load_pack<PACK>(a.probs + base + j, p);
            load_pack<PACK>(a.grad + base + j, g);
            for (int e = 0; e < PACK; ++e) o[e] = (float) (p[e] * ((double) g[e] - dot));
            store_pack<PACK>(a.out + base + j, o);
        }
    }
}
}  // namespace

#define SX_BACKWARD(shape, group, pack)                                                                \
    extern "C" __global__ void sx_backward_##shape##_p##pack(const BackwardArgs a) {                   \
        backward_rows<group, pack>(a);                                                                 \
    }
SX_BACKWARD(warp, WARP, 1)
SX_BACKWARD(warp, WARP, 4)
SX_BACKWARD(block, 0, 1)
SX_BACKWARD(block, 0, 4)

// The explicit Jacobian from probabilities p [rows, cols]: out[n, i, j] = p_i (delta_ij - p_j).
// One thread per output element, grid-stride.
extern "C" __global__ void sx_jacobian(const JacobianArgs a) {
    long long total = (long long) a.rows * a.cols * a.cols;
    for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < total;
         k += (long long) gridDim.x * blockDim.x) {
        long long n = k / ((long long) a.cols * a.cols);
        int i = (int) (k / a.cols % a.cols), j = (int) (k % a.cols);
        float pi = ld(a.probs + n * a.cols + i), pj = ld(a.probs + n * a.cols + j);
        st_once(a.out + k, pi * ((i == j ? 1.0f : 0.0f) - pj));
    }
}

// ---------------------------------------------------------------------------------------------
// Sigmoid binary cross-entropy, elementwise, grid-stride: loss = pw t softplus(-x) + (1 - t)
// softplus(x), grad = scale ((1 - t) sigma(x) - pw t sigma(-x)). (The same as (1 - t) x + L
// softplus(-x) and L sigma(x) - pw t with L = 1 + (pw - 1) t, PyTorch's forms, without their
// cancellations: a confident logit's loss of 1e-9 and its gradient sigma(x) - 1 survive.) The
// last block reduces the loss.
extern "C" __global__ void sx_bce(const BceArgs a) {
    const double divisor = a.divisor > 0.0 ? a.divisor : (double) a.n;
    const float scale = a.reduction == SX_REDUCE_MEAN ? (float) (1.0 / divisor) : 1.0f;
    double sum = 0.0;
    unsigned long long bad_x = NONE, bad_t = NONE;
    long long stride = (long long) gridDim.x * blockDim.x;
    long long rounds = (a.n + stride - 1) / stride;  // the same for every thread: report() is warp-wide
    for (long long k = 0; k < rounds; ++k) {
        long long i = k * stride + (long long) blockIdx.x * blockDim.x + threadIdx.x;
        if (i >= a.n) continue;
        float xi = ld_once(a.logits + i), ti = ld_once(a.targets + i);
        if (a.bias) xi += ld(a.bias + i % a.cols);
        if (non_finite(xi) && bad_x == NONE) bad_x = (unsigned long long) (i + a.offset);
        if (non_finite(ti) && bad_t == NONE) bad_t = (unsigned long long) (i + a.offset);
        float pw = a.pos_weight ? ld(a.pos_weight + i % a.cols) : 1.0f;
        float rw = a.row_weights ? ld(a.row_weights + i / a.cols) : 1.0f;
        float e = expf(-fabsf(xi));
        float log1p_e = log1pf(e);
        float softplus_pos = fmaxf(xi, 0.0f) + log1p_e;   // -log sigma(-x)
        float softplus_neg = fmaxf(-xi, 0.0f) + log1p_e;  // -log sigma(x)
        float loss = rw * (pw * ti * softplus_neg + (1.0f - ti) * softplus_pos);
        float big = 1.0f / (1.0f + e), small = e / (1.0f + e);  // sigma(|x|), sigma(-|x|)
        float sigmoid = xi >= 0.0f ? big : small, sigmoid_neg = xi >= 0.0f ? small : big;
        // grad may be the logits themselves (the classifier's dS over its logits): each element is
        // read before it is written, by the same thread.
        if (a.grad) st_once(a.grad + i, scale * rw * ((1.0f - ti) * sigmoid - pw * ti * sigmoid_neg));
        if (a.probs) st_once(a.probs + i, sigmoid);
        if (a.losses) st_once(a.losses + i, loss);
        sum += loss;
    }
    report(a.status, a.logits_operand, bad_x);
    report(a.status, a.targets_operand, bad_t);
    if (a.partial == nullptr) return;  // the same for every thread: the caller reduces the losses
    double total;
    if (last_block_total(block_sum(sum), a.partial, a.status, total)) {
        finish_loss(a.reduction, total, divisor, a.status, a.loss_out);
    }
}

// ---------------------------------------------------------------------------------------------
// The classifier's small steps around its products.

// db[j] (+)= sum over rows of ds[i, j]: one thread per column, rows in order (deterministic).
extern "C" __global__ void sx_column_sums(const ColumnSumsArgs a) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= a.cols) return;
    double sum = 0.0;
    for (long long i = 0; i < a.rows; ++i) sum += ld(a.ds + i * a.cols + j);
    st(a.db + j, a.accumulate ? ld(a.db + j) + (float) sum : (float) sum);
}

// dst = alpha * src over n elements (dW starts as 2 reg W before the product adds X^T dS).
extern "C" __global__ void sx_scale(const ScaleArgs a) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < a.n;
         i += (long long) gridDim.x * blockDim.x)
        st(a.dst + i, a.alpha * ld(a.src + i));
}

// Checks that X, W or b is finite, and with add_to_extra puts factor * sum of squares (the reg
// term, reg * sum W^2) into status->extra: the last block sums the blocks' double partials.
extern "C" __global__ void sx_sum_squares(const SquaresArgs a) {
    double sum = 0.0;
    unsigned long long bad = NONE;
    long long stride = (long long) gridDim.x * blockDim.x;
    long long rounds = (a.n + stride - 1) / stride;
    for (long long k = 0; k < rounds; ++k) {
        long long i = k * stride + (long long) blockIdx.x * blockDim.x + threadIdx.x;
        if (i >= a.n) continue;
        float x = ld_once(a.values + i);
        if (non_finite(x) && bad == NONE) bad = (unsigned long long) i;
        sum += (double) x * x;
    }
    report(a.status, a.operand, bad);
    double total;
    if (last_block_total(block_sum(sum), a.partial, a.status, total) && a.add_to_extra && threadIdx.x == 0) {
        st(&a.status->extra, a.factor * total);
    }
}

// Copies the rows a minibatch draws, so that the step after it reads them contiguously and the
// data set stays where it was uploaded. Words, not floats: labels travel the same way, and a copy
// needs no arithmetic. One thread per word, 64-bit offsets (src may hold more than 2^31 words);
// an index outside [0, src_rows) is reported and its row left as it was.
extern "C" __global__ void sx_gather_rows(const GatherArgs a) {
    unsigned long long bad = NONE;
    const long long words = a.count * a.cols;
    const long long stride = (long long) gridDim.x * blockDim.x;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < words; e += stride) {
        const long long r = e / a.cols;
        const long long i = ld(a.indices + r);
        if (i < 0 || i >= a.src_rows) {
            if (bad == NONE) bad = (unsigned long long) r;
            continue;
        }
        st(a.dst + e, ld(a.src + i * a.cols + (e - r * a.cols)));
    }
    report(a.status, 0, bad);
}

// The predictions of the classifiers, for their training metrics and for predict: one warp per
// row in turn (softmax), or one thread per element (binary). The argmax keeps the lowest index
// among equal maxima, as the host's; the count of right answers is one atomic add per warp
// (integers: the same count whatever the order).
extern "C" __global__ void sx_argmax_rows(const ArgmaxArgs a) {
    const int lane = threadIdx.x % WARP;
    unsigned right = 0;
    // Logits x·w (checked finite by the products' kernels or not) whose sum with the bias leaves
    // float's range: reported, so that the host predicts from them in double, not from infinities.
    unsigned long long bad = NONE;
    if (a.binary) {
        const long long n = a.rows * a.cols;
        const long long stride = (long long) gridDim.x * blockDim.x;
        for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < n; e += stride) {
            const int j = (int) (e % a.cols);
            const float z = ld(a.logits + e) + (a.bias ? ld(a.bias + j) : 0.0f);
            if (non_finite(z) && bad == NONE) bad = (unsigned long long) (e + a.row_offset * a.cols);
            const int p = z > 0.0f ? 1 : 0;
            if (a.predicted) st(a.predicted + e, p);
            if (a.targets) right += p == (ld(a.targets + e) >= 0.5f ? 1 : 0) ? 1u : 0u;
        }
    } else {
        const long long warps = (long long) gridDim.x * blockDim.x / WARP;
        for (long long row = ((long long) blockIdx.x * blockDim.x + threadIdx.x) / WARP; row < a.rows; row += warps) {
            float best = -SX_INF;
            int at = 0x7fffffff;  // no element yet
            for (int j = lane; j < a.cols; j += WARP) {
                const float z = ld(a.logits + row * a.cols + j) + (a.bias ? ld(a.bias + j) : 0.0f);
                if (non_finite(z) && bad == NONE) bad = (unsigned long long) ((row + a.row_offset) * a.cols + j);
                if (z > best || at == 0x7fffffff) {
                    best = z;
                    at = j;
                }
            }
            for (int o = WARP / 2; o > 0; o >>= 1) {
                const float other = __shfl_xor_sync(FULL_MASK, best, o);
                const int there = __shfl_xor_sync(FULL_MASK, at, o);
                if (other > best || (other == best && there < at)) {
                    best = other;
                    at = there;
                }
            }
            if (lane == 0) {
                if (a.predicted) st(a.predicted + row, at);
                if (a.labels) {
                    const int y = ld(a.labels + row);
                    right += y != a.ignore_index && y == at ? 1u : 0u;
                }
            }
        }
    }
    if (a.status) report(a.status, a.logits_operand, bad);  // every thread of the warp, after its loop
    if (a.correct) {
        right = warp_sum(right);
        if (lane == 0 && right) atomicAdd(a.correct, right);
    }
}

// PyTorch's SGD with momentum (no dampening, no Nesterov): the velocity is the running sum the
// step follows, so the first step is lr * g as without momentum. The learning rate is an argument,
// so a schedule costs the host nothing but the launch it makes anyway.
extern "C" __global__ void sx_sgd_update(const SgdArgs a) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < a.n;
         i += (long long) gridDim.x * blockDim.x) {
        float v = ld(a.grad + i);
        if (a.velocity) {
            v += a.momentum * ld(a.velocity + i);
            st(a.velocity + i, v);
        }
        st(a.param + i, ld(a.param + i) - a.lr * v);
    }
}
