// Runs softxent's CUDA kernels on the CPU: for the kernel tests (kernel_harness.cpp) and for the
// simulated CUDA device (cuda/sim), on machines without a GPU.
//
// Each CUDA thread of a block is a fiber: a stack of its own, switched cooperatively on one worker
// OS thread, so a block of 1024 threads costs 1024 stacks, not 1024 OS threads. A fiber runs until
// it reaches a barrier (__syncthreads, or the two warp barriers around a shuffle), then the next
// fiber runs; a barrier releases once every thread of its block (or warp) that has not exited has
// arrived. Blocks are spread over a few worker threads, one block at a time per worker, so
// `__shared__` variables are `static thread_local`: one copy per worker, shared by the fibers of
// the block it runs.
//
// It is strict where CUDA leaves behaviour undefined, so that a kernel bug is an error here rather
// than a silent difference on the GPU: threads that wait at different barriers (a __syncthreads in
// divergent code), a shuffle in a warp with a missing or exited lane, or a mask other than the full
// warp's, fail the launch with a message. Odd blocks run their threads in reverse order, so a
// missing __syncthreads between a shared-memory write and another thread's read shows as a wrong
// result. What it cannot show is the GPU's speed or its memory model (every access here is
// sequentially consistent).
//
// Build: compile cuda/emu/cuda_emu.cpp beside the translation unit that includes the kernels.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    dim3() = default;
    dim3(unsigned x_, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

struct alignas(16) float4 {
    float x, y, z, w;
};

inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
// One copy per worker thread; a worker runs one block at a time.
#define __shared__ static thread_local

// The running fiber's indices (set by the scheduler each time it resumes a fiber) and the launch's
// shape (the same for every worker of a launch).
inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

namespace emu {
constexpr int kWarp = 32;

/**
 * Runs `kernel` once per thread of the grid and returns when every block is done: "" on success,
 * otherwise what went wrong (a divergent barrier, a bad shuffle, an exception from the kernel).
 * Launches are not reentrant: callers serialise them.
 */
std::string launch(dim3 grid, dim3 block, const std::function<void()>& kernel);

/** Waits at the block's barrier. */
void sync_block();

/** Whether any of the warp's lanes has `predicate` (a warp-wide vote). */
bool vote_any(unsigned mask, bool predicate);

/**
 * Checks one global-memory access of the running kernel (the kernels make every one through
 * their ld/st helpers): a 16-byte access must be 16-byte aligned, and `access_checker`, when set
 * (the simulated device sets it to its allocation table), says whether [p, p + bytes) may be
 * touched. A bad access fails the launch, naming the thread and the address.
 */
void check_access(const void* p, size_t bytes, bool write);

/** Returns "" when [p, p + bytes) lies in live device memory, else where it lies instead. */
using AccessChecker = std::string (*)(const void* p, size_t bytes);
void set_access_checker(AccessChecker checker);

/** Exchanges 8 bytes with lane (lane ^ lane_mask) of the caller's warp; records misuse. */
unsigned long long shuffle_xor(unsigned mask, unsigned long long bits, int lane_mask);
}  // namespace emu

inline void __syncthreads() { emu::sync_block(); }

template <class T>
inline T __shfl_xor_sync(unsigned mask, T value, int lane_mask) {
    static_assert(sizeof(T) <= sizeof(unsigned long long), "shuffle of a wider type");
    unsigned long long bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    bits = emu::shuffle_xor(mask, bits, lane_mask);
    T result;
    std::memcpy(&result, &bits, sizeof(T));
    return result;
}

inline bool __any_sync(unsigned mask, bool predicate) { return emu::vote_any(mask, predicate); }

inline unsigned long long atomicOr(unsigned long long* address, unsigned long long value) {
    return std::atomic_ref<unsigned long long>(*address).fetch_or(value);
}

inline unsigned long long atomicMin(unsigned long long* address, unsigned long long value) {
    std::atomic_ref<unsigned long long> ref(*address);
    unsigned long long old = ref.load();
    while (value < old && !ref.compare_exchange_weak(old, value)) {
    }
    return old;
}

inline unsigned long long atomicMax(unsigned long long* address, unsigned long long value) {
    std::atomic_ref<unsigned long long> ref(*address);
    unsigned long long old = ref.load();
    while (value > old && !ref.compare_exchange_weak(old, value)) {
    }
    return old;
}

inline float atomicAdd(float* address, float value) {
    return std::atomic_ref<float>(*address).fetch_add(value);
}

inline unsigned atomicAdd(unsigned* address, unsigned value) {
    return std::atomic_ref<unsigned>(*address).fetch_add(value);
}

inline unsigned long long atomicAdd(unsigned long long* address, unsigned long long value) {
    return std::atomic_ref<unsigned long long>(*address).fetch_add(value);
}

inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

// expf, logf, log1pf, fabsf and fmaxf come from <cmath>'s C library declarations.
