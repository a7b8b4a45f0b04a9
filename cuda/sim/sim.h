// The simulated CUDA device: what its two libraries share. libcuda.so.1 (driver.cpp, kernels.cpp)
// stands in for the CUDA driver and runs softxent's kernels on the CPU through cuda/emu;
// libcublas.so.13 (cublas.cpp) stands in for cuBLAS and reaches the driver through the hooks below.
// See cuda/sim/README.md for what it checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// The driver API's types, as cuda.h declares them (the simulator is built without the CUDA toolkit).
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st* CUcontext;
typedef struct CUstream_st* CUstream;
typedef struct CUevent_st* CUevent;
typedef struct CUmod_st* CUmodule;
typedef struct CUfunc_st* CUfunction;
typedef struct CUuuid_st {
    char bytes[16];
} CUuuid;

enum : CUresult {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_PTX = 218,
    CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
};

namespace emu_dim {
struct Dim {
    unsigned x, y, z;
};
}  // namespace emu_dim

namespace sim {

/** The name of a CUresult, as cuGetErrorName gives it. */
const char* error_name(CUresult result);

// ---------------------------------------------------------------------------------------------
// Hooks for the cuBLAS stand-in (exported by libcuda.so.1).

/** CUDA_SUCCESS when the calling thread has the device's context current and it has not failed. */
CUresult require_context(const char* call);

/** Whether `stream` is a live stream of the current context (0 and the legacy handles included). */
bool valid_stream(CUstream stream);

/** Queues `op` on `stream`: it runs when the stream is synchronised. False (recorded) for a dead stream. */
bool enqueue(CUstream stream, const char* what, std::function<void()> op);

/**
 * While queued work runs: "" when [p, p + bytes) lies inside one live device allocation, else a
 * description of where it lies instead.
 */
std::string outside_allocation(uintptr_t p, size_t bytes);

/** A fault found while queued work runs: sticky for the context, as on hardware. */
void fault(CUresult sticky, const std::string& message);

/** A call the driver refuses: recorded for the tests (SimulatedDevice.takeErrors). */
void misuse(const std::string& message);

// ---------------------------------------------------------------------------------------------
// The kernels (kernels.cpp): softxent.cu compiled for the emulator.

struct Param {
    std::string name;
    size_t size;
    bool pointer;
};

struct Kernel {
    std::string name;
    std::vector<Param> params;
    /** Runs the kernel over grid × block with arguments as the driver copied them; "" or what went wrong. */
    std::function<std::string(emu_dim::Dim grid, emu_dim::Dim block, const std::vector<std::vector<unsigned char>>&)>
        run;
};

/** Every kernel of softxent.cu, by name. */
const Kernel* find_kernel(const std::string& name);

}  // namespace sim
