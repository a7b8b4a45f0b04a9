// libcuda.so.1 of the simulated CUDA device: the driver API calls that JCuda makes, answered the
// way the CUDA driver answers them, with softxent's kernels run on the CPU (kernels.cpp, cuda/emu).
// It is strict, so that it finds bugs instead of hiding them (see cuda/sim/README.md):
//
// - one device, one primary context, reference counted; a call needs that context current on the
//   calling thread; what is still allocated when the last reference goes is reported as a leak;
// - every allocation is tracked; copies, memsets and kernel pointer arguments must lie in live
//   allocations (a memcheck), and kernels must not write past their buffers (guard bytes around
//   every allocation are checked after each launch); such faults are sticky, as on hardware;
// - new device memory is filled with 0xFF bytes (NaN as float), so what nobody wrote shows;
// - work is queued per stream and runs only when something waits for it (a synchronize, an event,
//   a synchronous copy), so a missing wait or a missing order between streams shows;
// - launches are checked against an sm_90 part's limits and the PTX that was loaded;
// - device memory size, and failures at the k-th allocation or launch, can be set by the tests.
//
// Every call takes one lock: the simulated device does one thing at a time.
#include <jni.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "sim.h"

namespace emu {  // from cuda/emu/cuda_emu.h, whose CUDA macros this file does not want
using AccessChecker = std::string (*)(const void* p, size_t bytes);
void set_access_checker(AccessChecker checker);
}  // namespace emu

namespace sim {
namespace {

constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 0x2;
constexpr size_t kGuard = 4096;        // guard bytes before and after every device allocation
constexpr size_t kGranule = 512;       // what an allocation counts against the memory size
constexpr unsigned char kPoison = 0xFF;

const char kDeviceName[] = "softxent simulated device (H200-like, runs on the CPU)";

std::recursive_mutex lock_;
#define LOCKED std::lock_guard<std::recursive_mutex> guard(lock_)

bool initialized = false;
bool eager = std::getenv("SOFTXENT_SIM_EAGER") != nullptr;

// What the tests read (SimulatedDevice): misuse and faults, leak reports.
std::string errors_log;
std::string leaks_log;

void log_error(const std::string& line) {
    errors_log += line;
    errors_log += '\n';
}

std::string hex(uintptr_t p) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%" PRIxPTR, p);
    return b;
}

// ---------------------------------------------------------------------------------------------
// Memory

struct DeviceAllocation {
    unsigned char* raw;  // kGuard bytes, the allocation, its slack up to the granule, kGuard bytes
    size_t bytes;
    size_t counted;
    unsigned long long serial;
    size_t total() const { return kGuard + counted + kGuard; }
};

struct HostAllocation {
    size_t bytes;
    unsigned long long serial;
};

std::map<uintptr_t, DeviceAllocation> device_memory;  // by address
std::map<uintptr_t, HostAllocation> pinned_memory;
size_t capacity = [] {
    const char* mib = std::getenv("SOFTXENT_SIM_MEMORY_MIB");
    return (size_t) (mib ? std::atoll(mib) : 4096) << 20;
}();
size_t in_use = 0;
unsigned long long serials = 0;
long long fail_allocation_in = 0;  // > 0: the allocation this many from now fails
long long fail_launch_in = 0;
CUresult fail_launch_with = CUDA_SUCCESS;

const DeviceAllocation* find_device(uintptr_t p, uintptr_t* base) {
    auto it = device_memory.upper_bound(p);
    if (it == device_memory.begin()) return nullptr;
    --it;
    if (p >= it->first + it->second.bytes) return nullptr;
    *base = it->first;
    return &it->second;
}

bool is_device(uintptr_t p) {
    uintptr_t base;
    return find_device(p, &base) != nullptr;
}

std::string describe_outside(uintptr_t p, size_t bytes) {
    uintptr_t base;
    const DeviceAllocation* a = find_device(p, &base);
    std::ostringstream s;
    s << hex(p) << " + " << bytes << " bytes";
    if (a != nullptr) {
        s << " runs " << (p + bytes - (base + a->bytes)) << " bytes past the end of the " << a->bytes
          << "-byte allocation at " << hex(base) << " (offset " << (p - base) << ")";
        return s.str();
    }
    auto after = device_memory.upper_bound(p);
    if (after != device_memory.begin()) {
        auto before = std::prev(after);
        uintptr_t end = before->first + before->second.bytes;
        if (p >= end && p - end < (1u << 20)) {
            s << " starts " << (p - end) << " bytes past the end of the " << before->second.bytes
              << "-byte allocation at " << hex(before->first);
            return s.str();
        }
    }
    if (after != device_memory.end() && after->first - p < (1u << 20)) {
        s << " starts " << (after->first - p) << " bytes before the allocation at " << hex(after->first);
        return s.str();
    }
    if (pinned_memory.count(p) != 0) {
        s << " is pinned host memory, not device memory";
        return s.str();
    }
    s << " is in no live device allocation";
    return s.str();
}

std::string outside(uintptr_t p, size_t bytes) {
    uintptr_t base;
    const DeviceAllocation* a = find_device(p, &base);
    if (a != nullptr && p + bytes <= base + a->bytes) return "";
    return describe_outside(p, bytes);
}

/** Where a guard of `a` was overwritten, or "". */
std::string trampled_guard(uintptr_t base, const DeviceAllocation& a) {
    for (size_t i = 0; i < kGuard; ++i) {
        if (a.raw[i] != kPoison) {
            return std::to_string(kGuard - i) + " bytes before the " + std::to_string(a.bytes)
                   + "-byte allocation at " + hex(base);
        }
    }
    unsigned char* tail = a.raw + kGuard + a.bytes;
    size_t tail_bytes = a.counted - a.bytes + kGuard;
    for (size_t i = 0; i < tail_bytes; ++i) {
        if (tail[i] != kPoison) {
            return std::to_string(i) + " bytes past the end of the " + std::to_string(a.bytes) + "-byte allocation at "
                   + hex(base);
        }
    }
    return "";
}

void repaint_guards(const DeviceAllocation& a) {
    std::memset(a.raw, kPoison, kGuard);
    std::memset(a.raw + kGuard + a.bytes, kPoison, a.counted - a.bytes + kGuard);
}

bool injected_allocation_failure() {
    if (fail_allocation_in > 0 && --fail_allocation_in == 0) {
        log_error("note: allocation failure injected by the test");
        return true;
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Streams and the primary context

struct Op {
    std::string what;
    std::function<void()> run;
    bool marker;  // an event record: runs even after a fault, so that waits end
};

struct Context;

struct Stream {
    Context* context;
    unsigned flags;
    bool legacy;
    std::deque<Op> queue;
};

struct Event {
    unsigned flags;
    Stream* stream = nullptr;
    unsigned long long recorded = 0;   // records asked for
    unsigned long long completed = 0;  // records that have run
    std::chrono::steady_clock::time_point when;
};

struct Function;

struct Module {
    std::map<std::string, std::unique_ptr<Function>> functions;
};

struct Function {
    Module* module;
    const Kernel* kernel;
    int max_threads;
    int registers;
    int static_shared;
    int max_dynamic_shared = 48 << 10;
    int ptx_version;
};

struct Context {
    int references = 0;
    bool active = false;
    CUresult sticky = CUDA_SUCCESS;
    Stream legacy{this, 0, true, {}};
    std::set<Stream*> streams;
    std::set<Event*> events;
    std::set<Module*> modules;
};

Context primary;
thread_local Context* current = nullptr;

Context* as_context(CUcontext c) { return reinterpret_cast<Context*>(c); }

Stream* stream_of(CUstream s) {
    if (current == nullptr) return nullptr;
    uintptr_t v = reinterpret_cast<uintptr_t>(s);
    if (v <= 2) return &current->legacy;  // 0, CU_STREAM_LEGACY, CU_STREAM_PER_THREAD
    Stream* stream = reinterpret_cast<Stream*>(s);
    return current->streams.count(stream) ? stream : nullptr;
}

void flush(Stream* s) {
    while (!s->queue.empty()) {
        Op op = std::move(s->queue.front());
        s->queue.pop_front();
        if (s->context->sticky != CUDA_SUCCESS && !op.marker) continue;  // a failed context runs nothing more
        op.run();
    }
}

/** Runs a stream's work up to the record of `e` numbered `target` (not what was queued after it). */
void flush_until(Stream* s, const Event* e, unsigned long long target) {
    while (!s->queue.empty() && e->completed < target) {
        Op op = std::move(s->queue.front());
        s->queue.pop_front();
        if (s->context->sticky != CUDA_SUCCESS && !op.marker) continue;
        op.run();
    }
}

void flush_all(Context* c) {
    flush(&c->legacy);
    for (Stream* s : c->streams) flush(s);
}

/** Queues `op`, keeping the legacy stream's order against the blocking streams. */
void push(Stream* s, Op op) {
    Context* c = s->context;
    if (s->legacy) {
        for (Stream* other : c->streams) {
            if (!(other->flags & CU_STREAM_NON_BLOCKING)) flush(other);
        }
    } else if (!(s->flags & CU_STREAM_NON_BLOCKING)) {
        flush(&c->legacy);
    }
    s->queue.push_back(std::move(op));
    if (eager) flush(s);
}

void set_fault(Context* c, CUresult result, const std::string& message) {
    if (c->sticky == CUDA_SUCCESS) c->sticky = result;
    std::string line = std::string(error_name(result)) + ": " + message;
    log_error(line);
    std::fprintf(stderr, "softxent simulated device: %s\n", line.c_str());
}

/** The check at the head of every call that needs the context. */
CUresult context_ready(const char* call) {
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (current == nullptr) {
        log_error(std::string(call) + ": no context is current on the calling thread");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (!current->active) {
        log_error(std::string(call) + ": the current context was released (its last reference is gone)");
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    return current->sticky;
}

#define NEED_CONTEXT(call)                         \
    LOCKED;                                        \
    if (CUresult r_ = context_ready(call)) return r_

CUresult refuse(CUresult result, const std::string& message) {
    log_error(message + " (" + error_name(result) + ")");
    return result;
}

std::string leak_lines(Context* c) {
    std::ostringstream s;
    for (auto& [base, a] : device_memory) {
        s << "device memory: " << a.bytes << " bytes at " << hex(base) << " (allocation #" << a.serial << ")\n";
    }
    for (auto& [base, a] : pinned_memory) {
        s << "pinned host memory: " << a.bytes << " bytes at " << hex(base) << " (allocation #" << a.serial << ")\n";
    }
    if (!c->streams.empty()) s << c->streams.size() << " stream(s) not destroyed\n";
    if (!c->events.empty()) s << c->events.size() << " event(s) not destroyed\n";
    if (!c->modules.empty()) s << c->modules.size() << " module(s) not unloaded\n";
    return s.str();
}

/** The last reference went: report what is left, free it, and start over. */
void destroy(Context* c) {
    flush_all(c);
    std::string leaks = leak_lines(c);
    // A context that failed (a sticky error) cannot free anything; its release frees it all, as
    // the driver's does: what it held then is not a leak.
    if (!leaks.empty() && c->sticky != CUDA_SUCCESS) {
        log_error("note: a failed context was released with what it held");
    } else if (!leaks.empty()) {
        leaks_log += leaks;
        std::fprintf(stderr, "softxent simulated device: released with resources still held:\n%s", leaks.c_str());
    }
    for (auto& [base, a] : device_memory) std::free(a.raw);
    device_memory.clear();
    for (auto& [base, a] : pinned_memory) std::free(reinterpret_cast<void*>(base));
    pinned_memory.clear();
    in_use = 0;
    for (Stream* s : c->streams) delete s;
    c->streams.clear();
    for (Event* e : c->events) delete e;
    c->events.clear();
    for (Module* m : c->modules) delete m;
    c->modules.clear();
    c->legacy.queue.clear();
    c->sticky = CUDA_SUCCESS;
    c->active = false;
}

// ---------------------------------------------------------------------------------------------
// PTX: the entries of a module, their parameters, static shared memory and (from the comment
// build-ptx.sh writes) the registers ptxas gave them for sm_90.

struct PtxEntry {
    std::vector<size_t> params;
    int shared = 0;
    int registers = 0;
};

size_t ptx_type_size(const std::string& type) {
    if (type == "u8" || type == "s8" || type == "b8") return 1;
    if (type == "u16" || type == "s16" || type == "b16" || type == "f16") return 2;
    if (type == "u32" || type == "s32" || type == "b32" || type == "f32") return 4;
    return 8;
}

/** The integer that follows `key` (skipping blanks), or -1. */
int number_after(const std::string& text, const std::string& key, size_t* at) {
    size_t p = text.find(key);
    if (p == std::string::npos) return -1;
    p += key.size();
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    size_t end = p;
    while (end < text.size() && std::isdigit((unsigned char) text[end])) ++end;
    if (end == p) return -1;
    if (at) *at = end;
    return std::stoi(text.substr(p, end - p));
}

bool parse_ptx(const std::string& ptx, int* version, int* target, std::map<std::string, PtxEntry>* entries,
               std::string* error) {
    size_t at = 0;
    int major = number_after(ptx, ".version", &at);
    if (major < 0 || ptx[at] != '.') {
        *error = "no .version directive: the image is not PTX";
        return false;
    }
    *version = major * 10 + (ptx[at + 1] - '0');
    *target = number_after(ptx, ".target sm_", nullptr);
    if (*target < 0) {
        *error = "no .target directive";
        return false;
    }
    // Module-scope shared variables: ".shared .align A .b8 NAME[BYTES];"
    std::map<std::string, int> shared;
    for (size_t p = ptx.find("\n.shared "); p != std::string::npos; p = ptx.find("\n.shared ", p + 1)) {
        size_t line_end = ptx.find('\n', p + 1);
        std::string line = ptx.substr(p + 1, line_end - p - 1);
        size_t open = line.find('['), close = line.find(']');
        size_t name_start = line.rfind(' ', open);
        if (open == std::string::npos || close == std::string::npos || name_start == std::string::npos) continue;
        shared[line.substr(name_start + 1, open - name_start - 1)] = std::stoi(line.substr(open + 1, close - open - 1));
    }
    for (size_t p = ptx.find(".entry "); p != std::string::npos;) {
        size_t name_start = p + 7;
        size_t open = ptx.find('(', name_start);
        size_t close = ptx.find(')', open);
        if (open == std::string::npos || close == std::string::npos) break;
        std::string name = ptx.substr(name_start, open - name_start);
        while (!name.empty() && std::isspace((unsigned char) name.back())) name.pop_back();
        PtxEntry e;
        // ".param [.align N] .TYPE [.ptr .space .align N] NAME[COUNT]", separated by commas.
        std::istringstream params(ptx.substr(open + 1, close - open - 1));
        std::string decl;
        while (std::getline(params, decl, ',')) {
            std::istringstream words(decl);
            std::string word, type, last;
            while (words >> word) {
                if (type.empty() && word.size() > 1 && word[0] == '.' && word != ".param" && word != ".align"
                    && std::isdigit((unsigned char) word.back())) {
                    type = word.substr(1);
                }
                last = word;
            }
            if (type.empty()) continue;
            size_t count = 1, bracket = last.find('[');
            if (bracket != std::string::npos) count = std::stoul(last.substr(bracket + 1));
            e.params.push_back(ptx_type_size(type) * count);
        }
        // The entry's body runs to the next entry (or the end of the module).
        size_t next = ptx.find(".entry ", close);
        std::string body = ptx.substr(close, next == std::string::npos ? std::string::npos : next - close);
        for (auto& [variable, bytes] : shared) {
            if (body.find(variable) != std::string::npos) e.shared += bytes;
        }
        (*entries)[name] = e;
        p = next;
    }
    // "// softxent-registers NAME COUNT" lines, written by cuda/build-ptx.sh from ptxas -arch=sm_90.
    const std::string tag = "// softxent-registers ";
    for (size_t p = ptx.find(tag); p != std::string::npos; p = ptx.find(tag, p + 1)) {
        size_t name_start = p + tag.size();
        size_t space = ptx.find(' ', name_start);
        auto e = entries->find(ptx.substr(name_start, space - name_start));
        if (e != entries->end()) e->second.registers = std::atoi(ptx.c_str() + space + 1);
    }
    return true;
}

/**
 * The most threads a block of a kernel with `registers` registers per thread can have on sm_90:
 * 64K registers per block, allocated per warp in units of 256, warps in groups of four.
 */
int max_threads_for(int registers) {
    if (registers <= 0) return 1024;
    int per_warp = (registers * 32 + 255) / 256 * 256;
    int warps = 65536 / per_warp;
    warps = warps / 4 * 4;
    return std::min(1024, warps * 32);
}

// ---------------------------------------------------------------------------------------------
// Running a kernel (from a stream's queue)

/** Where a kernel's access lies when not in live device memory ("" when it does). Runs on the
 * emulator's workers while the driver's lock is held by the thread that runs the kernel, so the
 * allocation table does not change under it. */
std::string check_kernel_access(const void* p, size_t bytes) {
    thread_local uintptr_t cached_base = 1, cached_end = 0;  // the allocation the last access hit
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    if (address >= cached_base && address + bytes <= cached_end) return "";
    uintptr_t base;
    const DeviceAllocation* a = find_device(address, &base);
    if (a != nullptr && address + bytes <= base + a->bytes) {
        cached_base = base;
        cached_end = base + a->bytes;
        return "";
    }
    return describe_outside(address, bytes);
}

void run_kernel(Context* c, const Function* f, emu_dim::Dim grid, emu_dim::Dim block,
                const std::vector<std::vector<unsigned char>>& args, CUresult injected) {
    const Kernel* k = f->kernel;
    if (injected != CUDA_SUCCESS) {
        set_fault(c, injected, "kernel " + k->name + " failed (a failure injected by the test)");
        return;
    }
    emu::set_access_checker(&check_kernel_access);
    std::string error = k->run(grid, block, args);
    if (!error.empty()) {
        bool access = error.rfind("a load", 0) == 0 || error.rfind("a store", 0) == 0 || error.rfind("a misaligned", 0) == 0;
        set_fault(c, access ? CUDA_ERROR_ILLEGAL_ADDRESS : CUDA_ERROR_LAUNCH_FAILED, "kernel " + k->name + ": " + error);
        return;
    }
    // Every access went through the checked helpers; the guards catch one that did not.
    for (auto& [base, a] : device_memory) {
        std::string where = trampled_guard(base, a);
        if (!where.empty()) {
            repaint_guards(a);
            set_fault(c, CUDA_ERROR_ILLEGAL_ADDRESS, "kernel " + k->name + " wrote " + where);
            return;
        }
    }
}

/** A copy on a stream, checked when it runs: device sides must lie in live allocations. */
void queue_copy(Stream* s, const char* call, void* dst, const void* src, size_t bytes, bool dst_device,
                bool src_device) {
    push(s, Op{call, [c = s->context, call, dst, src, bytes, dst_device, src_device] {
        std::string bad;
        if (dst_device) bad = outside(reinterpret_cast<uintptr_t>(dst), bytes);
        if (bad.empty() && src_device) bad = outside(reinterpret_cast<uintptr_t>(src), bytes);
        if (!bad.empty()) {
            set_fault(c, CUDA_ERROR_ILLEGAL_ADDRESS, std::string(call) + ": " + (dst_device ? "destination " : "source ") + bad);
            return;
        }
        std::memmove(dst, src, bytes);
    }, false});
}

bool is_pinned(const void* p, size_t bytes) {
    uintptr_t v = reinterpret_cast<uintptr_t>(p);
    auto it = pinned_memory.upper_bound(v);
    if (it == pinned_memory.begin()) return false;
    --it;
    return v + bytes <= it->first + it->second.bytes;
}

/**
 * A host-to-device or device-to-host copy. From pageable host memory the driver stages the bytes
 * at once (the caller may reuse them when the call returns); to pageable memory it waits. Pinned
 * memory is read or written when the copy runs, as DMA would.
 */
CUresult copy(const char* call, CUstream stream, bool synchronous, void* dst, const void* src, size_t bytes,
              bool to_device) {
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, std::string(call) + ": not a stream of this context");
    if (bytes == 0) return CUDA_SUCCESS;
    const void* host = to_device ? src : dst;
    uintptr_t device = reinterpret_cast<uintptr_t>(to_device ? dst : src);
    if (host == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, std::string(call) + ": a null host pointer");
    if (is_device(reinterpret_cast<uintptr_t>(host))) {
        return refuse(CUDA_ERROR_INVALID_VALUE, std::string(call) + ": the host pointer " + hex((uintptr_t) host)
                      + " is device memory");
    }
    std::string bad = outside(device, bytes);
    if (!bad.empty()) return refuse(CUDA_ERROR_INVALID_VALUE, std::string(call) + ": " + bad);
    bool pinned = is_pinned(host, bytes);
    if (to_device && !pinned && !synchronous) {
        auto staged = std::make_shared<std::vector<unsigned char>>((const unsigned char*) src,
                                                                   (const unsigned char*) src + bytes);
        push(s, Op{call, [c = s->context, call, dst, staged, bytes] {
            std::string why = outside(reinterpret_cast<uintptr_t>(dst), bytes);
            if (!why.empty()) {
                set_fault(c, CUDA_ERROR_ILLEGAL_ADDRESS, std::string(call) + ": destination " + why);
                return;
            }
            std::memcpy(dst, staged->data(), bytes);
        }, false});
        return CUDA_SUCCESS;
    }
    queue_copy(s, call, dst, src, bytes, to_device, !to_device);
    if (synchronous || !pinned) {
        flush(s);
        return s->context->sticky;
    }
    return CUDA_SUCCESS;
}

/** Synchronous calls on the legacy stream wait for it, and so for the blocking streams. */
CUresult sync_legacy(CUresult r) {
    if (r != CUDA_SUCCESS) return r;
    flush(&current->legacy);
    return current->sticky;
}

CUresult memset_device(const char* call, CUstream stream, bool synchronous, CUdeviceptr dst, unsigned value,
                       size_t element, size_t count) {
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, std::string(call) + ": not a stream of this context");
    size_t bytes = element * count;
    std::string bad = outside(dst, bytes);
    if (!bad.empty() && bytes > 0) return refuse(CUDA_ERROR_INVALID_VALUE, std::string(call) + ": " + bad);
    push(s, Op{call, [c = s->context, call, dst, value, element, count] {
        std::string why = outside(dst, element * count);
        if (!why.empty()) {
            set_fault(c, CUDA_ERROR_ILLEGAL_ADDRESS, std::string(call) + ": " + why);
            return;
        }
        unsigned char* p = reinterpret_cast<unsigned char*>(dst);
        for (size_t i = 0; i < count; ++i) std::memcpy(p + i * element, &value, element);
    }, false});
    if (synchronous) {
        flush(s);
        return s->context->sticky;
    }
    return CUDA_SUCCESS;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hooks for the cuBLAS stand-in

const char* error_name(CUresult r) {
    switch (r) {
        case CUDA_SUCCESS: return "CUDA_SUCCESS";
        case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
        case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
        case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
        case CUDA_ERROR_NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
        case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
        case CUDA_ERROR_INVALID_IMAGE: return "CUDA_ERROR_INVALID_IMAGE";
        case CUDA_ERROR_INVALID_CONTEXT: return "CUDA_ERROR_INVALID_CONTEXT";
        case CUDA_ERROR_NO_BINARY_FOR_GPU: return "CUDA_ERROR_NO_BINARY_FOR_GPU";
        case CUDA_ERROR_INVALID_PTX: return "CUDA_ERROR_INVALID_PTX";
        case CUDA_ERROR_UNSUPPORTED_PTX_VERSION: return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
        case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
        case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
        case CUDA_ERROR_NOT_READY: return "CUDA_ERROR_NOT_READY";
        case CUDA_ERROR_ILLEGAL_ADDRESS: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
        case CUDA_ERROR_LAUNCH_FAILED: return "CUDA_ERROR_LAUNCH_FAILED";
        case CUDA_ERROR_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return "CUDA_ERROR_UNKNOWN";
    }
}

CUresult require_context(const char* call) {
    LOCKED;
    return context_ready(call);
}

bool valid_stream(CUstream stream) {
    LOCKED;
    return stream_of(stream) != nullptr;
}

bool enqueue(CUstream stream, const char* what, std::function<void()> op) {
    LOCKED;
    Stream* s = stream_of(stream);
    if (s == nullptr) {
        log_error(std::string(what) + ": not a live stream of the current context");
        return false;
    }
    push(s, Op{what, std::move(op), false});
    return true;
}

std::string outside_allocation(uintptr_t p, size_t bytes) {
    LOCKED;
    return outside(p, bytes);
}

void fault(CUresult sticky, const std::string& message) {
    LOCKED;
    set_fault(current != nullptr ? current : &primary, sticky, message);
}

void misuse(const std::string& message) {
    LOCKED;
    log_error(message);
}

}  // namespace sim

// =============================================================================================
// The driver API

using namespace sim;

extern "C" {

CUresult cuInit(unsigned flags) {
    LOCKED;
    if (flags != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuInit: flags must be 0");
    initialized = true;
    return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* version) {
    if (version == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *version = 13000;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (count == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (ordinal != 0) return refuse(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet: the simulated device is ordinal 0");
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int length, CUdevice device) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (name == nullptr || length <= 0) return CUDA_ERROR_INVALID_VALUE;
    std::snprintf(name, (size_t) length, "%s", kDeviceName);
    return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice device) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = capacity;
    return CUDA_SUCCESS;
}

CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice device) {
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    *major = 9;
    *minor = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice device) {
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    std::memcpy(uuid->bytes, "softxent-sim-dev", 16);
    return CUDA_SUCCESS;
}

/** An H200's attributes (compute capability 9.0, 132 SMs), where the simulator has them. */
CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (value == nullptr) return CUDA_ERROR_INVALID_VALUE;
    switch (attribute) {
        case 1: *value = 1024; break;          // max threads per block
        case 2: *value = 1024; break;          // max block dim x
        case 3: *value = 1024; break;          // y
        case 4: *value = 64; break;            // z
        case 5: *value = 2147483647; break;    // max grid dim x
        case 6: *value = 65535; break;
        case 7: *value = 65535; break;
        case 8: *value = 49152; break;         // shared memory per block
        case 9: *value = 65536; break;         // constant memory
        case 10: *value = 32; break;           // warp size
        case 12: *value = 65536; break;        // registers per block
        case 13: *value = 1980000; break;      // clock, kHz
        case 16: *value = 132; break;          // multiprocessors
        case 36: *value = 2619000; break;      // memory clock, kHz
        case 37: *value = 6144; break;         // memory bus width, bits
        case 38: *value = 60 << 20; break;     // L2 bytes
        case 39: *value = 2048; break;         // threads per multiprocessor
        case 41: *value = 1; break;            // unified addressing
        case 75: *value = 9; break;            // compute capability
        case 76: *value = 0; break;
        case 81: *value = 233472; break;       // shared memory per multiprocessor
        case 82: *value = 65536; break;        // registers per multiprocessor
        case 97: *value = 232448; break;       // shared memory per block, opt-in
        default: *value = 0; break;
    }
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (context == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (primary.references++ == 0) primary.active = true;
    *context = reinterpret_cast<CUcontext>(&primary);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    if (primary.references == 0) {
        return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease: the primary context was not retained");
    }
    if (--primary.references == 0) destroy(&primary);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxGetState(CUdevice device, unsigned* flags, int* active) {
    LOCKED;
    if (device != 0) return CUDA_ERROR_INVALID_DEVICE;
    *flags = 0;
    *active = primary.active ? 1 : 0;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice device, unsigned /*flags*/) {
    return device == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

CUresult cuCtxSetCurrent(CUcontext context) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (context == nullptr) {
        current = nullptr;
        return CUDA_SUCCESS;
    }
    if (as_context(context) != &primary) return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxSetCurrent: not a context");
    if (!primary.active) {
        return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxSetCurrent: the primary context was released");
    }
    current = &primary;
    return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext* context) {
    LOCKED;
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    *context = reinterpret_cast<CUcontext>(current);
    return CUDA_SUCCESS;
}

CUresult cuCtxGetDevice(CUdevice* device) {
    NEED_CONTEXT("cuCtxGetDevice");
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize() {
    NEED_CONTEXT("cuCtxSynchronize");
    flush_all(current);
    return current->sticky;
}

// ---- Memory --------------------------------------------------------------------------------

CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total_bytes) {
    NEED_CONTEXT("cuMemGetInfo");
    if (free_bytes) *free_bytes = capacity > in_use ? capacity - in_use : 0;
    if (total_bytes) *total_bytes = capacity;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
    NEED_CONTEXT("cuMemAlloc");
    if (pointer == nullptr || bytes == 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc of 0 bytes");
    size_t counted = (bytes + kGranule - 1) / kGranule * kGranule;
    if (injected_allocation_failure() || counted > capacity - std::min(capacity, in_use)) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    void* raw = nullptr;
    if (posix_memalign(&raw, 4096, kGuard + counted + kGuard) != 0) return CUDA_ERROR_OUT_OF_MEMORY;
    DeviceAllocation a{static_cast<unsigned char*>(raw), bytes, counted, ++serials};
    std::memset(a.raw, kPoison, a.total());
    uintptr_t base = reinterpret_cast<uintptr_t>(a.raw + kGuard);
    device_memory[base] = a;
    in_use += counted;
    *pointer = base;
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
    NEED_CONTEXT("cuMemFree");
    if (pointer == 0) return CUDA_SUCCESS;
    auto it = device_memory.find(pointer);
    if (it == device_memory.end()) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemFree(" + hex(pointer) + "): not the start of a live device "
                      "allocation (freed twice, or never allocated)");
    }
    flush_all(current);  // the driver waits for the work that may still use it
    std::free(it->second.raw);
    in_use -= it->second.counted;
    device_memory.erase(it);
    return current->sticky;
}

CUresult cuMemGetAddressRange_v2(CUdeviceptr* base, size_t* size, CUdeviceptr pointer) {
    NEED_CONTEXT("cuMemGetAddressRange");
    uintptr_t b;
    const DeviceAllocation* a = find_device(pointer, &b);
    if (a == nullptr) return CUDA_ERROR_NOT_FOUND;
    if (base) *base = b;
    if (size) *size = a->bytes;
    return CUDA_SUCCESS;
}

CUresult cuMemAllocHost_v2(void** pointer, size_t bytes) {
    NEED_CONTEXT("cuMemAllocHost");
    if (pointer == nullptr || bytes == 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemAllocHost of 0 bytes");
    if (injected_allocation_failure()) return CUDA_ERROR_OUT_OF_MEMORY;
    void* p = nullptr;
    if (posix_memalign(&p, 4096, bytes) != 0) return CUDA_ERROR_OUT_OF_MEMORY;
    std::memset(p, kPoison, bytes);
    pinned_memory[reinterpret_cast<uintptr_t>(p)] = HostAllocation{bytes, ++serials};
    *pointer = p;
    return CUDA_SUCCESS;
}

CUresult cuMemHostAlloc(void** pointer, size_t bytes, unsigned /*flags*/) { return cuMemAllocHost_v2(pointer, bytes); }

CUresult cuMemFreeHost(void* pointer) {
    NEED_CONTEXT("cuMemFreeHost");
    auto it = pinned_memory.find(reinterpret_cast<uintptr_t>(pointer));
    if (it == pinned_memory.end()) {
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost(" + hex((uintptr_t) pointer) + "): not a live pinned "
                      "allocation (freed twice, or never allocated)");
    }
    flush_all(current);
    std::free(pointer);
    pinned_memory.erase(it);
    return current->sticky;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    NEED_CONTEXT("cuMemcpyHtoD");
    return sync_legacy(copy("cuMemcpyHtoD", nullptr, true, reinterpret_cast<void*>(dst), src, bytes, true));
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    NEED_CONTEXT("cuMemcpyDtoH");
    return sync_legacy(copy("cuMemcpyDtoH", nullptr, true, dst, reinterpret_cast<const void*>(src), bytes, false));
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream) {
    NEED_CONTEXT("cuMemcpyHtoDAsync");
    return copy("cuMemcpyHtoDAsync", stream, false, reinterpret_cast<void*>(dst), src, bytes, true);
}

CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream stream) {
    NEED_CONTEXT("cuMemcpyDtoHAsync");
    return copy("cuMemcpyDtoHAsync", stream, false, dst, reinterpret_cast<const void*>(src), bytes, false);
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream) {
    NEED_CONTEXT("cuMemcpyDtoDAsync");
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuMemcpyDtoDAsync: not a stream of this context");
    std::string bad = outside(dst, bytes);
    if (bad.empty()) bad = outside(src, bytes);
    if (!bad.empty() && bytes > 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemcpyDtoDAsync: " + bad);
    queue_copy(s, "cuMemcpyDtoDAsync", reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes, true,
               true);
    return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    CUresult r = cuMemcpyDtoDAsync_v2(dst, src, bytes, nullptr);
    LOCKED;
    return current == nullptr ? r : sync_legacy(r);
}

CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream) {
    NEED_CONTEXT("cuMemcpyAsync");
    bool dd = is_device(dst), sd = is_device(src);
    if (dd && sd) return cuMemcpyDtoDAsync_v2(dst, src, bytes, stream);
    if (dd) return cuMemcpyHtoDAsync_v2(dst, reinterpret_cast<const void*>(src), bytes, stream);
    if (sd) return cuMemcpyDtoHAsync_v2(reinterpret_cast<void*>(dst), src, bytes, stream);
    return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemcpyAsync: neither pointer is device memory");
}

CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    CUresult r = cuMemcpyAsync(dst, src, bytes, nullptr);
    LOCKED;
    return current == nullptr ? r : sync_legacy(r);
}

CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t count) {
    NEED_CONTEXT("cuMemsetD8");
    return memset_device("cuMemsetD8", nullptr, true, dst, value, 1, count);
}

CUresult cuMemsetD16_v2(CUdeviceptr dst, unsigned short value, size_t count) {
    NEED_CONTEXT("cuMemsetD16");
    return memset_device("cuMemsetD16", nullptr, true, dst, value, 2, count);
}

CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned value, size_t count) {
    NEED_CONTEXT("cuMemsetD32");
    return memset_device("cuMemsetD32", nullptr, true, dst, value, 4, count);
}

CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream) {
    NEED_CONTEXT("cuMemsetD8Async");
    return memset_device("cuMemsetD8Async", stream, false, dst, value, 1, count);
}

CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count, CUstream stream) {
    NEED_CONTEXT("cuMemsetD16Async");
    return memset_device("cuMemsetD16Async", stream, false, dst, value, 2, count);
}

CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count, CUstream stream) {
    NEED_CONTEXT("cuMemsetD32Async");
    return memset_device("cuMemsetD32Async", stream, false, dst, value, 4, count);
}

// ---- Streams and events --------------------------------------------------------------------

CUresult cuStreamCreate(CUstream* stream, unsigned flags) {
    NEED_CONTEXT("cuStreamCreate");
    if (stream == nullptr || (flags & ~CU_STREAM_NON_BLOCKING) != 0) return CUDA_ERROR_INVALID_VALUE;
    Stream* s = new Stream{current, flags, false, {}};
    current->streams.insert(s);
    *stream = reinterpret_cast<CUstream>(s);
    return CUDA_SUCCESS;
}

CUresult cuStreamCreateWithPriority(CUstream* stream, unsigned flags, int /*priority*/) {
    return cuStreamCreate(stream, flags);
}

CUresult cuStreamDestroy_v2(CUstream stream) {
    NEED_CONTEXT("cuStreamDestroy");
    Stream* s = reinterpret_cast<Stream*>(stream);
    if (reinterpret_cast<uintptr_t>(stream) <= 2 || current->streams.count(s) == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: not a live stream (destroyed twice?)");
    }
    flush(s);  // its work completes; the stream goes once it has
    current->streams.erase(s);
    delete s;
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream stream) {
    NEED_CONTEXT("cuStreamSynchronize");
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamSynchronize: not a live stream");
    flush(s);
    return current->sticky;
}

CUresult cuStreamQuery(CUstream stream) {
    // The simulated device makes its progress when asked: a query finds the work done.
    return cuStreamSynchronize(stream);
}

CUresult cuStreamGetFlags(CUstream stream, unsigned* flags) {
    NEED_CONTEXT("cuStreamGetFlags");
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamGetFlags: not a live stream");
    *flags = s->flags;
    return CUDA_SUCCESS;
}

CUresult cuEventCreate(CUevent* event, unsigned flags) {
    NEED_CONTEXT("cuEventCreate");
    if (event == nullptr) return CUDA_ERROR_INVALID_VALUE;
    Event* e = new Event();
    e->flags = flags;
    current->events.insert(e);
    *event = reinterpret_cast<CUevent>(e);
    return CUDA_SUCCESS;
}

static Event* event_of(CUevent event) {
    Event* e = reinterpret_cast<Event*>(event);
    return current != nullptr && current->events.count(e) ? e : nullptr;
}

CUresult cuEventDestroy_v2(CUevent event) {
    NEED_CONTEXT("cuEventDestroy");
    Event* e = event_of(event);
    if (e == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventDestroy: not a live event (destroyed twice?)");
    flush_all(current);  // queued waits on it run before it goes
    current->events.erase(e);
    delete e;
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(CUevent event, CUstream stream) {
    NEED_CONTEXT("cuEventRecord");
    Event* e = event_of(event);
    if (e == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord: not a live event");
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord: not a live stream");
    if (e->completed < e->recorded && e->stream != s) flush(e->stream);
    e->stream = s;
    unsigned long long n = ++e->recorded;
    push(s, Op{"cuEventRecord", [e, n] {
        e->completed = n;
        e->when = std::chrono::steady_clock::now();
    }, true});
    return CUDA_SUCCESS;
}

CUresult cuEventRecordWithFlags(CUevent event, CUstream stream, unsigned /*flags*/) { return cuEventRecord(event, stream); }

CUresult cuEventSynchronize(CUevent event) {
    NEED_CONTEXT("cuEventSynchronize");
    Event* e = event_of(event);
    if (e == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventSynchronize: not a live event");
    if (e->completed < e->recorded) flush_until(e->stream, e, e->recorded);
    return current->sticky;
}

CUresult cuEventQuery(CUevent event) { return cuEventSynchronize(event); }

CUresult cuEventElapsedTime(float* ms, CUevent start, CUevent end) {
    NEED_CONTEXT("cuEventElapsedTime");
    Event* a = event_of(start);
    Event* b = event_of(end);
    if (a == nullptr || b == nullptr || ms == nullptr) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: not a live event");
    }
    if ((a->flags | b->flags) & CU_EVENT_DISABLE_TIMING) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: an event made with CU_EVENT_DISABLE_TIMING");
    }
    if (a->recorded == 0 || b->recorded == 0) {
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventElapsedTime: an event that was never recorded");
    }
    if (a->completed < a->recorded || b->completed < b->recorded) return CUDA_ERROR_NOT_READY;
    *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
    return CUDA_SUCCESS;
}

CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned flags) {
    NEED_CONTEXT("cuStreamWaitEvent");
    Stream* s = stream_of(stream);
    Event* e = event_of(event);
    if (s == nullptr || e == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamWaitEvent: not a live stream or event");
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    unsigned long long target = e->recorded;
    Stream* source = e->stream;
    push(s, Op{"cuStreamWaitEvent", [e, target, source] {
        if (e->completed < target && source != nullptr) flush_until(source, e, target);
    }, true});
    return CUDA_SUCCESS;
}

// ---- Modules and launches ------------------------------------------------------------------

CUresult cuModuleLoadData(CUmodule* module, const void* image) {
    NEED_CONTEXT("cuModuleLoadData");
    if (module == nullptr || image == nullptr) return CUDA_ERROR_INVALID_VALUE;
    const char* text = static_cast<const char*>(image);
    if (std::memcmp(text, "\x7f" "ELF", 4) == 0) {
        return refuse(CUDA_ERROR_NOT_SUPPORTED, "cuModuleLoadData: the simulated device loads PTX, not cubins");
    }
    std::string ptx(text);
    int version = 0, target = 0;
    std::map<std::string, PtxEntry> entries;
    std::string error;
    if (!parse_ptx(ptx, &version, &target, &entries, &error)) {
        return refuse(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: " + error);
    }
    if (version > 90) {
        return refuse(CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "cuModuleLoadData: PTX ISA " + std::to_string(version / 10) + "."
                      + std::to_string(version % 10) + " is newer than this (CUDA 13.0) driver's 9.0");
    }
    if (target > 90) {
        return refuse(CUDA_ERROR_NO_BINARY_FOR_GPU, "cuModuleLoadData: PTX for sm_" + std::to_string(target)
                      + " does not run on compute capability 9.0");
    }
    auto m = std::make_unique<Module>();
    for (auto& [name, entry] : entries) {
        const Kernel* k = find_kernel(name);
        if (k == nullptr) {
            return refuse(CUDA_ERROR_INVALID_PTX, "cuModuleLoadData: the PTX has " + name
                          + ", which the simulated device was not built with (is target/simulated-device stale?)");
        }
        std::vector<size_t> compiled;
        for (const Param& p : k->params) compiled.push_back(p.size);
        if (compiled != entry.params) {
            return refuse(CUDA_ERROR_INVALID_PTX, "cuModuleLoadData: " + name + " takes " + std::to_string(entry.params.size())
                          + " parameters in the PTX but " + std::to_string(compiled.size())
                          + " (or of other sizes) in cuda/softxent.cu: the PTX is stale");
        }
        m->functions[name] = std::make_unique<Function>(Function{m.get(), k, max_threads_for(entry.registers),
                                                                 entry.registers, entry.shared, 48 << 10, version});
    }
    Module* raw = m.release();
    current->modules.insert(raw);
    *module = reinterpret_cast<CUmodule>(raw);
    return CUDA_SUCCESS;
}

CUresult cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned /*n*/, void* /*options*/, void** /*values*/) {
    return cuModuleLoadData(module, image);
}

CUresult cuModuleUnload(CUmodule module) {
    NEED_CONTEXT("cuModuleUnload");
    Module* m = reinterpret_cast<Module*>(module);
    if (current->modules.count(m) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload: not a loaded module");
    flush_all(current);
    current->modules.erase(m);
    delete m;
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    NEED_CONTEXT("cuModuleGetFunction");
    Module* m = reinterpret_cast<Module*>(module);
    if (current->modules.count(m) == 0) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunction: not a loaded module");
    auto it = m->functions.find(name);
    if (it == m->functions.end()) {
        return refuse(CUDA_ERROR_NOT_FOUND, std::string("cuModuleGetFunction: the module has no kernel ") + name);
    }
    *function = reinterpret_cast<CUfunction>(it->second.get());
    return CUDA_SUCCESS;
}

static Function* function_of(CUfunction f) {
    Function* fn = reinterpret_cast<Function*>(f);
    if (current == nullptr) return nullptr;
    for (Module* m : current->modules) {
        for (auto& [name, candidate] : m->functions) {
            if (candidate.get() == fn) return fn;
        }
    }
    return nullptr;
}

CUresult cuFuncGetAttribute(int* value, int attribute, CUfunction function) {
    NEED_CONTEXT("cuFuncGetAttribute");
    Function* f = function_of(function);
    if (f == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuFuncGetAttribute: not a function of a loaded module");
    switch (attribute) {
        case 0: *value = f->max_threads; break;
        case 1: *value = f->static_shared; break;
        case 4: *value = f->registers; break;
        case 5: *value = f->ptx_version; break;
        case 6: *value = 90; break;
        case 8: *value = f->max_dynamic_shared; break;
        default: *value = 0; break;
    }
    return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction function, int attribute, int value) {
    NEED_CONTEXT("cuFuncSetAttribute");
    Function* f = function_of(function);
    if (f == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuFuncSetAttribute: not a function of a loaded module");
    if (attribute == 8) {
        if (value < 0 || value + f->static_shared > 232448) return CUDA_ERROR_INVALID_VALUE;
        f->max_dynamic_shared = value;
    }
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared_bytes, CUstream stream, void** params, void** extra) {
    NEED_CONTEXT("cuLaunchKernel");
    Function* f = function_of(function);
    if (f == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel: not a function of a loaded module");
    const std::string call = "cuLaunchKernel(" + f->kernel->name + ")";
    Stream* s = stream_of(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, call + ": not a live stream");
    if (extra != nullptr) return refuse(CUDA_ERROR_NOT_SUPPORTED, call + ": `extra` is not simulated");
    unsigned long long threads = (unsigned long long) bx * by * bz;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535
        || bx > 1024 || by > 1024 || bz > 64 || threads > 1024) {
        return refuse(CUDA_ERROR_INVALID_VALUE, call + ": grid " + std::to_string(gx) + "x" + std::to_string(gy) + "x"
                      + std::to_string(gz) + ", block " + std::to_string(bx) + "x" + std::to_string(by) + "x"
                      + std::to_string(bz) + " is outside an sm_90 device's limits");
    }
    if (threads > (unsigned long long) f->max_threads) {
        return refuse(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, call + ": " + std::to_string(threads)
                      + " threads per block, but with " + std::to_string(f->registers) + " registers a block holds at most "
                      + std::to_string(f->max_threads));
    }
    if (shared_bytes > (unsigned) f->max_dynamic_shared || shared_bytes + f->static_shared > 232448) {
        return refuse(CUDA_ERROR_INVALID_VALUE, call + ": " + std::to_string(shared_bytes) + " bytes of dynamic shared memory");
    }
    const Kernel* k = f->kernel;
    if (!k->params.empty() && params == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call + ": no kernel parameters");
    std::vector<std::vector<unsigned char>> args;
    for (size_t i = 0; i < k->params.size(); ++i) {
        if (params[i] == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call + ": parameter " + k->params[i].name + " is null");
        const unsigned char* p = static_cast<const unsigned char*>(params[i]);
        args.emplace_back(p, p + k->params[i].size);
    }
    CUresult injected = CUDA_SUCCESS;
    if (fail_launch_in > 0 && --fail_launch_in == 0) {
        injected = fail_launch_with;
        log_error("note: launch failure injected by the test: " + std::string(error_name(injected)));
        if (injected == CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES || injected == CUDA_ERROR_INVALID_VALUE) return injected;
    }
    emu_dim::Dim grid{gx, gy, gz}, block{bx, by, bz};
    push(s, Op{call, [c = current, f, grid, block, args = std::move(args), injected] {
        run_kernel(c, f, grid, block, args, injected);
    }, false});
    return CUDA_SUCCESS;
}

// ---- Errors --------------------------------------------------------------------------------

CUresult cuGetErrorName(CUresult error, const char** name) {
    if (name == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *name = error_name(error);
    return CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult error, const char** text) {
    if (text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *text = error_name(error);
    return CUDA_SUCCESS;
}

// ---- What the simulated device does not do ---------------------------------------------------
// Every other driver function JCuda's native library imports, so that no call can end the process
// with an unresolved symbol: each is refused and recorded. (SimulatedDeviceTest checks the list
// against the JCuda native on the class path.)

#define SIM_UNSUPPORTED(name)                                                                        \
    CUresult name() {                                                                                \
        LOCKED;                                                                                      \
        return refuse(CUDA_ERROR_NOT_SUPPORTED, #name " is not simulated");                          \
    }
#include "unsupported.inc"
#undef SIM_UNSUPPORTED

}  // extern "C"

// =============================================================================================
// Control for the tests: org.softxent.testing.SimulatedDevice

namespace {
jstring take(JNIEnv* env, std::string& log) {
    LOCKED;
    jstring s = env->NewStringUTF(log.c_str());
    log.clear();
    return s;
}
}  // namespace

extern "C" {

JNIEXPORT void JNICALL Java_org_softxent_testing_SimulatedDevice_failAllocation(JNIEnv*, jclass, jint nth) {
    LOCKED;
    fail_allocation_in = nth;
}

JNIEXPORT jint JNICALL Java_org_softxent_testing_SimulatedDevice_allocationsBeforeFailure(JNIEnv*, jclass) {
    LOCKED;
    return (jint) fail_allocation_in;
}

JNIEXPORT void JNICALL Java_org_softxent_testing_SimulatedDevice_failLaunch(JNIEnv*, jclass, jint nth, jint result) {
    LOCKED;
    fail_launch_in = nth;
    fail_launch_with = result;
}

JNIEXPORT void JNICALL Java_org_softxent_testing_SimulatedDevice_setMemoryBytes(JNIEnv*, jclass, jlong bytes) {
    LOCKED;
    capacity = (size_t) bytes;
}

JNIEXPORT jlong JNICALL Java_org_softxent_testing_SimulatedDevice_memoryBytes(JNIEnv*, jclass) {
    LOCKED;
    return (jlong) capacity;
}

JNIEXPORT jlong JNICALL Java_org_softxent_testing_SimulatedDevice_deviceBytesInUse(JNIEnv*, jclass) {
    LOCKED;
    size_t bytes = 0;
    for (auto& [base, a] : device_memory) bytes += a.bytes;
    return (jlong) bytes;
}

JNIEXPORT jlong JNICALL Java_org_softxent_testing_SimulatedDevice_pinnedBytesInUse(JNIEnv*, jclass) {
    LOCKED;
    size_t bytes = 0;
    for (auto& [base, a] : pinned_memory) bytes += a.bytes;
    return (jlong) bytes;
}

JNIEXPORT jint JNICALL Java_org_softxent_testing_SimulatedDevice_contextReferences(JNIEnv*, jclass) {
    LOCKED;
    return primary.references;
}

JNIEXPORT jstring JNICALL Java_org_softxent_testing_SimulatedDevice_takeLeaks(JNIEnv* env, jclass) {
    return take(env, leaks_log);
}

JNIEXPORT jstring JNICALL Java_org_softxent_testing_SimulatedDevice_takeErrors(JNIEnv* env, jclass) {
    return take(env, errors_log);
}

}  // extern "C"
