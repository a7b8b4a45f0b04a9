// softxent's CUDA kernels: row softmax and log-softmax, the fused cross-entropy pass (loss and
// gradient in one read of the logits), the softmax backward pass, the explicit Jacobian, sigmoid
// binary cross-entropy, and the small reductions the losses and the classifier need.
//
// Compiled to PTX by nvcc during the build (see pom.xml) and loaded by JCuda with cuModuleLoadData;
// the same source is compiled at run time with NVRTC where the driver is too old for that PTX. It
// also compiles as plain C++ against cuda/emu/cuda_emu.h, which runs it on the CPU for the tests.
//
// Conventions
// - Matrices are row-major float32 [rows, cols]; every element offset is 64-bit (rows * cols may
//   exceed 2^31).
// - Row kernels come in three shapes. WARP: one warp per row, the row held in registers (cols up
//   to 32 * VPT). BLOCK: one block per row, the row in registers (cols up to blockDim * VPT).
//   STREAM: one block per row, any width: an online max/sum pass, then a second read to write.
//   PACK = 4 uses 128-bit loads and stores; the host picks it only when cols % 4 == 0 and every
//   row-major pointer of the call is 16-byte aligned.
// - Bad data found on the device (NaN or +inf logits, non-finite targets, labels out of range) is
//   recorded in a status block (see STATUS_*) that the host reads back with the loss.
// - The semantics are PyTorch's; cuda/../src/main/java/org/softxent/cpu is the reference.

#ifdef __CUDACC__
#define SX_INF __int_as_float(0x7f800000)
#else
#include "emu/cuda_emu.h"
#define SX_INF INFINITY
#endif

#define WARP 32

// Operations of the row kernels.
#define OP_SOFTMAX 0
#define OP_LOG_SOFTMAX 1
#define OP_CE_LABELS 2
#define OP_CE_TARGETS 3

// Status block: unsigned long long[4] = {flags, first bad index of input A (logits, probs),
// first bad index of input B (targets, upstream gradient), first bad label row}.
#define STATUS_BAD_A 1ull
#define STATUS_BAD_B 2ull
#define STATUS_BAD_LABEL 4ull

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers

__device__ __forceinline__ void report(unsigned long long* status, unsigned long long flag, int slot,
                                       unsigned long long index) {
    atomicOr(&status[0], flag);
    atomicMin(&status[slot], index);
}

// Logits may be -inf (a masked class); NaN and +inf are errors.
__device__ __forceinline__ bool bad_logit(float v) {
    return v != v || v == SX_INF;
}

__device__ __forceinline__ bool non_finite(float v) {
    return v != v || v == SX_INF || v == -SX_INF;
}

template <class T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the whole block, left in every thread (one-dimensional blocks, a multiple of 32
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

// The softmax sum of a row is kept as (m, c, r): the max m, how many values equal it (c), and the
// sum of exp(v - m) over the others (r), so that s = c + r. When the max is unique (c = 1), the two
// quantities that confident predictions need come out exact: 1 - p_max = r / s and log s =
// log1p(r). Formed from s itself, both would lose everything below float's epsilon (a gradient
// p_max - 1 of 1e-5 with 1% error, a loss of 1e-9 rounded to 0).

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

__device__ __forceinline__ void warp_merge(float& m, float& c, float& r) {
    for (int o = WARP / 2; o > 0; o >>= 1) {
        float m2 = __shfl_xor_sync(0xffffffffu, m, o);
        float c2 = __shfl_xor_sync(0xffffffffu, c, o);
        float r2 = __shfl_xor_sync(0xffffffffu, r, o);
        merge_state(m, c, r, m2, c2, r2);
    }
}

// Reductions over a row's group of threads: a warp (GROUP == WARP) or the whole block (GROUP == 0),
// leaving every thread with the result.
template <int GROUP>
__device__ __forceinline__ float group_sum(float v) {
    return GROUP == WARP ? warp_sum(v) : block_sum(v);
}

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

template <int GROUP>
__device__ __forceinline__ void group_merge(float& m, float& c, float& r) {
    warp_merge(m, c, r);
    if (GROUP == WARP) return;
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

// Two sums at once over the row's group, left in every thread.
template <int GROUP>
__device__ __forceinline__ void group_sum2(float& x, float& y) {
    for (int o = WARP / 2; o > 0; o >>= 1) {
        x += __shfl_xor_sync(0xffffffffu, x, o);
        y += __shfl_xor_sync(0xffffffffu, y, o);
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
        x += __shfl_xor_sync(0xffffffffu, x, o);
        y += __shfl_xor_sync(0xffffffffu, y, o);
    }
}

template <int PACK>
__device__ __forceinline__ void load_pack(const float* p, float* v) {
    if (PACK == 4) {
        float4 q = *reinterpret_cast<const float4*>(p);
        v[0] = q.x;
        v[1] = q.y;
        v[2] = q.z;
        v[3] = q.w;
    } else {
        v[0] = p[0];
    }
}

template <int PACK>
__device__ __forceinline__ void store_pack(float* p, const float* v) {
    if (PACK == 4) {
        *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
    } else {
        p[0] = v[0];
    }
}

// ---------------------------------------------------------------------------------------------
// What a row kernel does once the row's max and sum are known: the same for every kernel shape.

struct RowArgs {
    int op, rows, cols;
    const float* logits;
    const float* bias;
    const int* labels;
    const float* targets;
    const float* weights;
    int ignore_index;
    float keep;        // 1 - label smoothing
    float uniform;     // label smoothing / cols
    float weight_sum;  // sum of the class weights (cols without weights)
    const float* scale;
    float* out;
    float* probs;
    float* row_loss;
    unsigned long long* status;
};

// A cross-entropy row's label, its class weight and its logit (with the bias). Every row kernel
// reads these before its first reduction, that is before any thread of the row writes: outputs may
// overwrite the logits in place (the classifier's dS does).
struct RowLabel {
    int label;  // -1 when the row is ignored (or its label is invalid, which is reported)
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
    return a.weights ? a.weights[j] : 1.0f;
}

__device__ __forceinline__ RowLabel row_label(const RowArgs& a, long long row, long long base) {
    RowLabel l = {-1, 0.0f, 0.0f};
    if (a.op != OP_CE_LABELS) return l;
    int y = a.labels[row];
    if (y == a.ignore_index) return l;
    if (y < 0 || y >= a.cols) {
        if (threadIdx.x % WARP == 0) report(a.status, STATUS_BAD_LABEL, 3, (unsigned long long) row);
        return l;
    }
    l.label = y;
    l.wy = weight_of(a, y);
    l.zy = a.logits[base + y] + (a.bias ? a.bias[y] : 0.0f);
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
                                              float rest, float sum_q, float q_rest) {
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
    r.sum_q = a.op == OP_CE_LABELS ? a.keep * l.wy + a.uniform * a.weight_sum : sum_q;
    r.q_rest = q_rest;
    r.scale = a.scale ? *a.scale : 1.0f;
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
    if (a.op == OP_SOFTMAX) {
        for (int e = 0; e < PACK; ++e) out[e] = p[e];
    } else if (a.op == OP_LOG_SOFTMAX) {
        for (int e = 0; e < PACK; ++e) out[e] = -neg_log_p(r, z[e]);
    } else if (a.op == OP_CE_LABELS) {
        bool ignored = r.label < 0;  // the ignore index, or an invalid label (reported)
        for (int e = 0; e < PACK; ++e) {
            float w = weight_of(a, j + e);
            bool is_label = j + e == r.label;
            float q = a.uniform * w + (is_label ? a.keep * r.wy : 0.0f);
            // The target mass off this element: the smoothing of the others, or all of sum_q - q.
            float q_rest = is_label ? a.uniform * (a.weight_sum - w) : r.sum_q - q;
            float g = gradient(r, r.unique && z[e] == r.m, p[e], q, q_rest);
            out[e] = ignored ? 0.0f : r.scale * g;
            // Only with smoothing: -log p of every class, weighted (a masked class makes it +inf).
            if (!ignored && a.uniform > 0.0f) loss += a.uniform * w * neg_log_p(r, z[e]);
        }
    } else {  // OP_CE_TARGETS
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
    if (a.op != OP_CE_LABELS || r.label < 0) return 0.0f;
    return a.keep * r.wy * neg_log_p(r, r.zy);
}

// Loads PACK logits at column j, adds the bias, and records NaN or +inf.
template <int PACK>
__device__ __forceinline__ void load_logits(const RowArgs& a, long long base, int j, float* v) {
    load_pack<PACK>(a.logits + base + j, v);
    for (int e = 0; e < PACK; ++e) {
        if (bad_logit(v[e])) report(a.status, STATUS_BAD_A, 1, (unsigned long long) (base + j + e));
        if (a.bias) v[e] += a.bias[j + e];
    }
}

// q_j of probability targets, recording a non-finite target.
__device__ __forceinline__ float target_q(const RowArgs& a, long long base, int j, float t) {
    if (non_finite(t)) report(a.status, STATUS_BAD_B, 2, (unsigned long long) (base + j));
    return weight_of(a, j) * (a.keep * t + a.uniform);
}

// For probability targets, before any gradient is written: sum_q = sum_j q_j over the row, and
// q_rest = its part over the elements below the max m (see gradient()). The group's threads each
// take the columns of their logits v (held in registers, VPT of them, as cached_rows lays them
// out), or, with v null, read the logits again.
template <int GROUP, int PACK, int VPT>
__device__ __forceinline__ void target_mass(const RowArgs& a, long long base, int lane, int group, const float* v,
                                            float m, float& sum_q, float& q_rest) {
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
            if (a.bias)
                for (int e = 0; e < PACK; ++e) z[e] += a.bias[j + e];
        }
        for (int e = 0; e < PACK; ++e) {
            float q = target_q(a, base, j + e, t[e]);
            sum_q += q;
            if (z[e] < m) q_rest += q;
        }
    }
    group_sum2<GROUP>(sum_q, q_rest);
}

// ---------------------------------------------------------------------------------------------
// Row kernels, row held in registers: WARP (GROUP = 32) or BLOCK (GROUP = 0) per row.

template <int GROUP, int PACK, int VPT>
__device__ void cached_rows(const RowArgs& a) {
    const int group = GROUP == WARP ? WARP : blockDim.x;
    const int lane = GROUP == WARP ? threadIdx.x % WARP : threadIdx.x;
    const long long row = GROUP == WARP
            ? (long long) blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP
            : (long long) blockIdx.x;
    if (row >= a.rows) return;  // whole warps (WARP) or whole blocks (BLOCK) leave together
    const long long base = row * (long long) a.cols;
    const RowLabel label = row_label(a, row, base);

    float v[VPT];  // fully unrolled loops keep it in registers
    float m = -SX_INF;
#pragma unroll
    for (int k = 0; k < VPT / PACK; ++k) {
        int j = (k * group + lane) * PACK;
        if (j < a.cols) {
            load_logits<PACK>(a, base, j, v + k * PACK);
        } else {
            for (int e = 0; e < PACK; ++e) v[k * PACK + e] = -SX_INF;
        }
        for (int e = 0; e < PACK; ++e) m = fmaxf(m, v[k * PACK + e]);
    }
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
    if (a.op == OP_CE_TARGETS) target_mass<GROUP, PACK, VPT>(a, base, lane, group, v, m, sum_q, q_rest);
    RowState r = row_state(a, base, label, m, c, rest, sum_q, q_rest);
    float loss = 0.0f;
#pragma unroll
    for (int k = 0; k < VPT / PACK; ++k) {
        int j = (k * group + lane) * PACK;
        if (j < a.cols) loss += epilogue<PACK>(a, r, j, v + k * PACK);
    }
    if (a.op >= OP_CE_LABELS) {
        loss = group_sum<GROUP>(loss);
        if (lane == 0 && a.row_loss) a.row_loss[row] = loss + label_term(a, r);
    }
}

// Row kernel for any width: one block per row, an online max/sum pass, then a second read.
template <int PACK>
__device__ void streamed_rows(const RowArgs& a) {
    const long long row = blockIdx.x;
    if (row >= a.rows) return;
    const long long base = row * (long long) a.cols;
    const int first = threadIdx.x * PACK, stride = blockDim.x * PACK;
    const RowLabel label = row_label(a, row, base);

    float m = -SX_INF, c = 0.0f, rest = 0.0f;
    for (int j = first; j < a.cols; j += stride) {
        float v[PACK];
        load_logits<PACK>(a, base, j, v);
        for (int e = 0; e < PACK; ++e) online_add(m, c, rest, v[e]);
    }
    group_merge<0>(m, c, rest);

    float sum_q = 0.0f, q_rest = 0.0f;
    if (a.op == OP_CE_TARGETS) target_mass<0, PACK, 0>(a, base, threadIdx.x, blockDim.x, nullptr, m, sum_q, q_rest);
    RowState r = row_state(a, base, label, m, c, rest, sum_q, q_rest);
    float loss = 0.0f;
    for (int j = first; j < a.cols; j += stride) {
        float v[PACK];
        load_pack<PACK>(a.logits + base + j, v);
        if (a.bias)
            for (int e = 0; e < PACK; ++e) v[e] += a.bias[j + e];
        loss += epilogue<PACK>(a, r, j, v);
    }
    if (a.op >= OP_CE_LABELS) {
        loss = group_sum<0>(loss);
        if (threadIdx.x == 0 && a.row_loss) a.row_loss[row] = loss + label_term(a, r);
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entry points. Names: sx_rows_<shape>_p<PACK>_v<VPT>. Launch shapes (the host's side of the
// contract, see CudaKernels.java):
//   warp:   blockDim.x = 128 (4 rows per block), gridDim.x = ceil(rows / 4); cols <= 32 * VPT
//   block:  blockDim.x = any multiple of 32 up to 1024, gridDim.x = rows; cols <= blockDim.x * VPT
//   stream: blockDim.x = any multiple of 32 up to 1024, gridDim.x = rows; any cols

#define SX_ROW_PARAMS                                                                                  \
    int op, int rows, int cols, const float* logits, const float* bias, const int* labels,              \
        const float* targets, const float* weights, int ignore_index, float keep, float uniform,        \
        float weight_sum, const float* scale, float* out, float* probs, float* row_loss,                \
        unsigned long long* status
#define SX_ROW_ARGS                                                                                    \
    RowArgs {                                                                                          \
        op, rows, cols, logits, bias, labels, targets, weights, ignore_index, keep, uniform,            \
            weight_sum, scale, out, probs, row_loss, status                                             \
    }

#define SX_CACHED(shape, group, pack, vpt)                                                             \
    extern "C" __global__ void sx_rows_##shape##_p##pack##_v##vpt(SX_ROW_PARAMS) {                     \
        cached_rows<group, pack, vpt>(SX_ROW_ARGS);                                                    \
    }

SX_CACHED(warp, WARP, 1, 1)
SX_CACHED(warp, WARP, 1, 2)
SX_CACHED(warp, WARP, 1, 4)
SX_CACHED(warp, WARP, 1, 8)
SX_CACHED(warp, WARP, 1, 16)
SX_CACHED(warp, WARP, 1, 32)
SX_CACHED(warp, WARP, 4, 4)
SX_CACHED(warp, WARP, 4, 8)
SX_CACHED(warp, WARP, 4, 16)
SX_CACHED(warp, WARP, 4, 32)
SX_CACHED(block, 0, 1, 8)
SX_CACHED(block, 0, 1, 16)
SX_CACHED(block, 0, 1, 32)
SX_CACHED(block, 0, 4, 8)
SX_CACHED(block, 0, 4, 16)
SX_CACHED(block, 0, 4, 32)

extern "C" __global__ void sx_rows_stream_p1(SX_ROW_PARAMS) { streamed_rows<1>(SX_ROW_ARGS); }
extern "C" __global__ void sx_rows_stream_p4(SX_ROW_PARAMS) { streamed_rows<4>(SX_ROW_ARGS); }

// ---------------------------------------------------------------------------------------------
// Before a cross-entropy row kernel: the divisor of the mean and the gradient's scale, on the
// device, so no host round trip sits between the two kernels. One block of 1024 threads; the sum
// runs in double in an order fixed by the shape, so it is deterministic. labels == NULL (probability
// targets) makes the divisor `rows`. Resets the status block, then records labels outside
// [0, cols) that are not the ignore index.
// out[0] = divisor (double), scale[0] = 1 / divisor for the mean, else 1.
extern "C" __global__ void sx_ce_divisor(int rows, int cols, const int* labels, const float* weights,
                                         int ignore_index, int mean, double* divisor, float* scale,
                                         unsigned long long* status) {
    // It also starts the call's status block, saving a launch.
    if (threadIdx.x == 0) {
        status[0] = 0;
        status[1] = status[2] = status[3] = ~0ull;
    }
    __syncthreads();
    double sum = 0.0;
    if (labels) {
        for (int i = threadIdx.x; i < rows; i += blockDim.x) {
            int y = labels[i];
            if (y == ignore_index) continue;
            if (y < 0 || y >= cols) {
                report(status, STATUS_BAD_LABEL, 3, (unsigned long long) i);
                continue;
            }
            sum += weights ? (double) weights[y] : 1.0;
        }
    } else if (threadIdx.x == 0) {
        sum = rows;
    }
    sum = block_sum(sum);
    if (threadIdx.x == 0) {
        *divisor = sum;
        *scale = mean ? (float) (1.0 / sum) : 1.0f;
    }
}

// The reduced loss from per-row float losses: sum in double, in a fixed order, divided by *divisor
// when divisor != NULL, plus *addend when addend != NULL (the classifier's reg * sum W^2). One
// block (any multiple of 32 threads). The result goes to result[0] (double) and, when
// result_float != NULL, to result_float[0] (the device API's loss).
extern "C" __global__ void sx_reduce_rows(int n, const float* values, const double* divisor, const double* addend,
                                          double* result, float* result_float) {
    double sum = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) sum += values[i];
    sum = block_sum(sum);
    if (threadIdx.x == 0) {
        result[0] = (divisor ? sum / *divisor : sum) + (addend ? *addend : 0.0);
        if (result_float) result_float[0] = (float) result[0];
    }
}

// As sx_reduce_rows, for double partial sums (one per block of another kernel), plus `addend`
// (the classifier adds reg * sum W^2 this way, as a double on the device).
extern "C" __global__ void sx_reduce_partials(int n, const double* values, double multiplier, const double* addend,
                                              double* result, float* result_float) {
    double sum = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) sum += values[i];
    sum = block_sum(sum);
    if (threadIdx.x == 0) {
        result[0] = sum * multiplier + (addend ? *addend : 0.0);
        if (result_float) result_float[0] = (float) result[0];
    }
}

// Resets a status block: no flags, no bad index yet.
extern "C" __global__ void sx_status_reset(unsigned long long* status) {
    if (threadIdx.x == 0) {
        status[0] = 0;
        status[1] = ~0ull;
        status[2] = ~0ull;
        status[3] = ~0ull;
    }
}

// ---------------------------------------------------------------------------------------------
// Softmax backward: out = p * (g - sum_j g_j p_j), one warp (WARP) or one block (BLOCK) per row;
// two reads of P and G (the second mostly from cache). Records non-finite P (A) and G (B).

namespace {
template <int GROUP, int PACK>
__device__ void backward_rows(int rows, int cols, const float* probs, const float* grad, float* out,
                              unsigned long long* status) {
    const int group = GROUP == WARP ? WARP : blockDim.x;
    const int lane = GROUP == WARP ? threadIdx.x % WARP : threadIdx.x;
    const long long row = GROUP == WARP
            ? (long long) blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP
            : (long long) blockIdx.x;
    if (row >= rows) return;
    const long long base = row * (long long) cols;
    float dot = 0.0f;
    for (int j = lane * PACK; j < cols; j += group * PACK) {
        float p[PACK], g[PACK];
        load_pack<PACK>(probs + base + j, p);
        load_pack<PACK>(grad + base + j, g);
        for (int e = 0; e < PACK; ++e) {
            if (non_finite(p[e])) report(status, STATUS_BAD_A, 1, (unsigned long long) (base + j + e));
            if (non_finite(g[e])) report(status, STATUS_BAD_B, 2, (unsigned long long) (base + j + e));
            dot += g[e] * p[e];
        }
    }
    dot = group_sum<GROUP>(dot);
    for (int j = lane * PACK; j < cols; j += group * PACK) {
        float p[PACK], g[PACK], o[PACK];
        load_pack<PACK>(probs + base + j, p);
        load_pack<PACK>(grad + base + j, g);
        for (int e = 0; e < PACK; ++e) o[e] = p[e] * (g[e] - dot);
        store_pack<PACK>(out + base + j, o);
    }
}
}  // namespace

#define SX_BACKWARD(shape, group, pack)                                                                \
    extern "C" __global__ void sx_backward_##shape##_p##pack(int rows, int cols, const float* probs,    \
                                                              const float* grad, float* out,            \
                                                              unsigned long long* status) {             \
        backward_rows<group, pack>(rows, cols, probs, grad, out, status);                              \
    }
SX_BACKWARD(warp, WARP, 1)
SX_BACKWARD(warp, WARP, 4)
SX_BACKWARD(block, 0, 1)
SX_BACKWARD(block, 0, 4)

// The explicit Jacobian from probabilities p [rows, cols]: out[n, i, j] = p_i (delta_ij - p_j).
// One thread per output element, grid-stride.
extern "C" __global__ void sx_jacobian(int rows, int cols, const float* probs, float* out) {
    long long total = (long long) rows * cols * cols;
    for (long long k = (long long) blockIdx.x * blockDim.x + threadIdx.x; k < total;
         k += (long long) gridDim.x * blockDim.x) {
        long long n = k / ((long long) cols * cols);
        int i = (int) (k / cols % cols), j = (int) (k % cols);
        float pi = probs[n * cols + i], pj = probs[n * cols + j];
        out[k] = pi * ((i == j ? 1.0f : 0.0f) - pj);
    }
}

// ---------------------------------------------------------------------------------------------
// Sigmoid binary cross-entropy, elementwise over n = rows * cols elements, grid-stride with a grid
// fixed by the host: loss = pw t softplus(-x) + (1 - t) softplus(x), grad = scale ((1 - t) sigma(x)
// - pw t sigma(-x)). (The same as (1 - t) x + L softplus(-x) and L sigma(x) - pw t with L = 1 +
// (pw - 1) t, PyTorch's forms, without their cancellations: a confident logit's loss of 1e-9 and
// its gradient sigma(x) - 1 survive.) Each block writes the double sum of its losses to
// partial[blockIdx.x] (a fixed order, so the total is deterministic); losses (reduction none) gets
// every element's loss.
extern "C" __global__ void sx_bce(long long n, int cols, const float* x, const float* t, const float* pos_weight,
                                  float scale, float* grad, float* probs, float* losses, double* partial,
                                  unsigned long long* status) {
    double sum = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float xi = x[i], ti = t[i];
        if (non_finite(xi)) report(status, STATUS_BAD_A, 1, (unsigned long long) i);
        if (non_finite(ti)) report(status, STATUS_BAD_B, 2, (unsigned long long) i);
        float pw = pos_weight ? pos_weight[i % cols] : 1.0f;
        float e = expf(-fabsf(xi));
        float log1p_e = log1pf(e);
        float softplus_pos = fmaxf(xi, 0.0f) + log1p_e;   // -log sigma(-x)
        float softplus_neg = fmaxf(-xi, 0.0f) + log1p_e;  // -log sigma(x)
        float loss = pw * ti * softplus_neg + (1.0f - ti) * softplus_pos;
        float big = 1.0f / (1.0f + e), small = e / (1.0f + e);  // sigma(|x|), sigma(-|x|)
        float sigmoid = xi >= 0.0f ? big : small, sigmoid_neg = xi >= 0.0f ? small : big;
        if (grad) grad[i] = scale * ((1.0f - ti) * sigmoid - pw * ti * sigmoid_neg);
        if (probs) probs[i] = sigmoid;
        if (losses) losses[i] = loss;
        sum += loss;
    }
    sum = block_sum(sum);
    if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}

// ---------------------------------------------------------------------------------------------
// The classifier's small steps around its GEMMs.

// db[j] (+)= sum over rows of ds[i, j]: one thread per column, rows in order (deterministic).
extern "C" __global__ void sx_column_sums(int rows, int cols, const float* ds, float* db, int accumulate) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    double sum = 0.0;
    for (long long i = 0; i < rows; ++i) sum += ds[i * cols + j];
    db[j] = accumulate ? db[j] + (float) sum : (float) sum;
}

// dst = alpha * src over n elements (dW starts as 2 reg W before the GEMM adds X^T dS).
extern "C" __global__ void sx_scale_copy(long long n, const float* src, float alpha, float* dst) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x)
        dst[i] = alpha * src[i];
}

// partial[blockIdx.x] = sum of squares of its elements, in double (the classifier's reg term);
// records non-finite entries (A) so that X, W and b are checked on the device.
extern "C" __global__ void sx_sum_squares(long long n, const float* v, double* partial, unsigned long long* status) {
    double sum = 0.0;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (long long) gridDim.x * blockDim.x) {
        float x = v[i];
        if (non_finite(x)) report(status, STATUS_BAD_A, 1, (unsigned long long) i);
        sum += (double) x * x;
    }
    sum = block_sum(sum);
    if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}
