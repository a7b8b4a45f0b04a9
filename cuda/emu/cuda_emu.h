// Runs softxent's CUDA kernels on the CPU, for tests on machines without a GPU.
//
// Each CUDA thread of a block is an OS thread; blocks run one after another, so `__shared__`
// variables can simply be statics. __syncthreads() is a barrier over the block's threads and
// warp shuffles exchange values through a per-warp slot array between two barriers of the warp's
// 32 threads. This checks what the kernels compute (indexing, tails, reductions, masks, the
// online softmax, vector loads), not their speed or the GPU's memory model. The kernels must
// keep whole warps together around shuffles and whole blocks around __syncthreads, which is what
// CUDA requires of them anyway.
#pragma once

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

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
#define __shared__ static

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace emu {
constexpr int kWarp = 32;

struct Warp {
    std::barrier<> sync{kWarp};
    unsigned long long slot[kWarp];
};

inline std::barrier<>* block_barrier = nullptr;
inline std::vector<std::unique_ptr<Warp>>* warps = nullptr;

/**
 * Runs `kernel` over the grid: the block's threads at once, blocks in turn. The threads are made
 * once per launch and walk the blocks together, a barrier between one block and the next.
 */
inline void launch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
    gridDim = grid;
    blockDim = block;
    unsigned threads = block.x;  // the kernels use one-dimensional blocks
    std::barrier<> barrier(threads);
    std::vector<std::unique_ptr<Warp>> block_warps;
    for (unsigned w = 0; w < (threads + kWarp - 1) / kWarp; ++w) block_warps.push_back(std::make_unique<Warp>());
    block_barrier = &barrier;
    warps = &block_warps;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            threadIdx = dim3(t);
            for (unsigned b = 0; b < grid.x; ++b) {
                blockIdx = dim3(b);
                kernel();
                // Threads that returned early from the kernel meet the others here.
                barrier.arrive_and_wait();
            }
        });
    }
    for (auto& th : pool) th.join();
}
}  // namespace emu

inline void __syncthreads() { emu::block_barrier->arrive_and_wait(); }

template <class T>
inline T __shfl_xor_sync(unsigned /*mask*/, T value, int lane_mask) {
    static_assert(sizeof(T) <= sizeof(unsigned long long), "shuffle of a wider type");
    emu::Warp& w = *(*emu::warps)[threadIdx.x / emu::kWarp];
    int lane = threadIdx.x % emu::kWarp;
    unsigned long long bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    w.slot[lane] = bits;
    w.sync.arrive_and_wait();
    unsigned long long other = w.slot[lane ^ lane_mask];
    w.sync.arrive_and_wait();
    T result;
    std::memcpy(&result, &other, sizeof(T));
    return result;
}

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

inline float atomicAdd(float* address, float value) {
    return std::atomic_ref<float>(*address).fetch_add(value);
}

// expf, logf, log1pf, fabsf and fmaxf come from <cmath>'s C library declarations.
