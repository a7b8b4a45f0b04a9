// The fiber scheduler behind cuda_emu.h: worker threads that run a launch's blocks, each block's
// threads as fibers switched at barriers. See cuda_emu.h for what it checks.
#include "cuda_emu.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace emu {
namespace {

constexpr unsigned kMaxThreads = 1024;
constexpr size_t kStackBytes = 32 << 10;  // a kernel frame is a few hundred bytes; libm needs little
constexpr size_t kGuardBytes = 4096;      // below each stack: an overflow faults instead of corrupting

// ---------------------------------------------------------------------------------------------
// Context switch. x86-64: save the callee-saved registers on the current stack, swap stack
// pointers, restore; a new fiber's stack is laid out so that the first switch "returns" into
// fiber_entry. Elsewhere, ucontext.

#if defined(__x86_64__)
extern "C" void emu_switch(void** save_sp, void* load_sp);
asm(R"(
.text
.globl emu_switch
.hidden emu_switch
.type emu_switch, @function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size emu_switch, .-emu_switch
)");
#endif

enum class State { kReady, kWaiting, kDone };

struct Barrier {
    unsigned arrived = 0;
    unsigned long long generation = 0;
};

struct Fiber {
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t context;
#endif
    State state = State::kReady;
    const Barrier* waiting = nullptr;
    unsigned long long wait_generation = 0;
};

struct Worker;
thread_local Worker* current_worker = nullptr;

[[noreturn]] void fiber_entry();

struct Job {
    dim3 grid, block;
    unsigned long long blocks = 0;
    const std::function<void()>* kernel = nullptr;
    std::atomic<unsigned long long> next{0};
    std::atomic<bool> failed{false};
    std::mutex error_lock;
    unsigned long long error_block = ~0ull;
    std::string error;

    void fail(unsigned long long block_id, const std::string& what) {
        std::lock_guard<std::mutex> guard(error_lock);
        if (block_id < error_block) {
            error_block = block_id;
            error = what;
        }
        failed = true;
    }
};

/** One OS thread that runs blocks; owns the stacks of up to kMaxThreads fibers. */
struct Worker {
    char* stacks = nullptr;
    Fiber fibers[kMaxThreads];
#if defined(__x86_64__)
    void* scheduler_sp = nullptr;
#else
    ucontext_t scheduler;
#endif
    unsigned current = 0;
    unsigned threads = 0;
    unsigned live = 0;
    Barrier block_barrier;
    Barrier warp_barrier[kMaxThreads / kWarp];
    unsigned warp_live[kMaxThreads / kWarp];
    unsigned long long slots[2][kMaxThreads];  // double-buffered by the warp barrier's generation
    Job* job = nullptr;
    unsigned long long block_id = 0;
    std::string error;  // the first misuse in the running block; the block is abandoned

    Worker() {
        size_t stride = kStackBytes + kGuardBytes;
        void* p = mmap(nullptr, stride * kMaxThreads, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("the kernel emulator could not map its fiber stacks");
        stacks = static_cast<char*>(p);
        for (unsigned t = 0; t < kMaxThreads; ++t) mprotect(stacks + t * stride, kGuardBytes, PROT_NONE);
    }

    char* stack_top(unsigned t) const { return stacks + (t + 1) * (kStackBytes + kGuardBytes); }

    void set_indices(unsigned t) {
        threadIdx = dim3(t % job->block.x, t / job->block.x % job->block.y, t / (job->block.x * job->block.y));
    }

    void resume(unsigned t) {
        current = t;
        set_indices(t);
#if defined(__x86_64__)
        emu_switch(&scheduler_sp, fibers[t].sp);
#else
        swapcontext(&scheduler, &fibers[t].context);
#endif
    }

    /** From a fiber back to the scheduler. */
    void yield() {
#if defined(__x86_64__)
        emu_switch(&fibers[current].sp, scheduler_sp);
#else
        swapcontext(&fibers[current].context, &scheduler);
#endif
    }

    void prepare(unsigned t) {
        Fiber& f = fibers[t];
        f.state = State::kReady;
        f.waiting = nullptr;
#if defined(__x86_64__)
        // From the top: a zero return address for fiber_entry (which never returns), the address
        // emu_switch's `ret` jumps to, and six zeroed callee-saved registers for it to pop.
        auto* sp = reinterpret_cast<void**>(reinterpret_cast<uintptr_t>(stack_top(t)) & ~uintptr_t(15));
        *--sp = nullptr;
        *--sp = reinterpret_cast<void*>(&fiber_entry);
        for (int r = 0; r < 6; ++r) *--sp = nullptr;
        f.sp = sp;
#else
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = stack_top(t) - kStackBytes;
        f.context.uc_stack.ss_size = kStackBytes;
        f.context.uc_link = nullptr;
        makecontext(&f.context, reinterpret_cast<void (*)()>(&fiber_entry), 0);
#endif
    }

    /** Waits at `b` until `expected` threads (of those still running) have arrived. */
    void arrive(Barrier& b, unsigned expected) {
        unsigned long long generation = b.generation;
        if (++b.arrived >= expected) {
            b.arrived = 0;
            ++b.generation;
            return;
        }
        Fiber& f = fibers[current];
        f.state = State::kWaiting;
        f.waiting = &b;
        f.wait_generation = generation;
        yield();
    }

    /** Records a misuse (the first of the block); the fiber then stops, and the block is abandoned. */
    [[noreturn]] void misuse(const std::string& what) {
        if (error.empty()) {
            char where[96];
            std::snprintf(where, sizeof where, " (block %llu, thread %u)", block_id, current);
            error = what + where;
        }
        fibers[current].state = State::kDone;
        yield();
        std::abort();  // an abandoned fiber is never resumed
    }

    void exited() {
        Fiber& f = fibers[current];
        f.state = State::kDone;
        --live;
        unsigned warp = current / kWarp;
        --warp_live[warp];
        if (warp_barrier[warp].arrived > 0 && error.empty()) {
            error = "a thread exited while other lanes of its warp wait in a shuffle (block "
                    + std::to_string(block_id) + ", thread " + std::to_string(current) + ")";
        }
        // Threads that have exited no longer count at the block's barrier.
        if (block_barrier.arrived > 0 && block_barrier.arrived >= live) {
            block_barrier.arrived = 0;
            ++block_barrier.generation;
        }
    }

    void run_block(unsigned long long id) {
        block_id = id;
        blockIdx = dim3(id % job->grid.x, id / job->grid.x % job->grid.y, id / (job->grid.x * job->grid.y));
        live = threads;
        block_barrier = Barrier();
        for (unsigned w = 0; w * kWarp < threads; ++w) {
            warp_barrier[w] = Barrier();
            warp_live[w] = std::min<unsigned>(kWarp, threads - w * kWarp);
        }
        for (unsigned t = 0; t < threads; ++t) prepare(t);
        const bool reverse = id % 2 == 1;
        while (live > 0 && error.empty()) {
            bool progressed = false;
            for (unsigned i = 0; i < threads && error.empty(); ++i) {
                unsigned t = reverse ? threads - 1 - i : i;
                Fiber& f = fibers[t];
                if (f.state == State::kDone) continue;
                if (f.state == State::kWaiting) {
                    if (f.waiting->generation == f.wait_generation) continue;
                    f.state = State::kReady;
                }
                resume(t);
                progressed = true;
            }
            if (!progressed && error.empty()) {
                error = "threads of block " + std::to_string(id)
                        + " wait at different barriers (a __syncthreads or shuffle in divergent code)";
            }
        }
        if (!error.empty()) {
            job->fail(id, error);
            error.clear();
        }
    }

    void run(Job& j) {
        job = &j;
        threads = j.block.x * j.block.y * j.block.z;
        blockDim = j.block;
        gridDim = j.grid;
        current_worker = this;
        for (;;) {
            if (j.failed) break;
            unsigned long long id = j.next.fetch_add(1);
            if (id >= j.blocks) break;
            run_block(id);
        }
        current_worker = nullptr;
    }
};

void fiber_entry() {
    Worker* w = current_worker;
    try {
        (*w->job->kernel)();
    } catch (const std::exception& e) {
        if (w->error.empty()) w->error = std::string("the kernel threw: ") + e.what();
    } catch (...) {
        if (w->error.empty()) w->error = "the kernel threw";
    }
    w->exited();
    w->yield();
    std::abort();  // a finished fiber is never resumed
}

/** The worker threads, made on first use and kept for the life of the process. */
class Pool {
public:
    static Pool& instance() {
        static Pool* pool = new Pool();  // never destroyed: workers may outlive static destructors
        return *pool;
    }

    std::string run(Job& job) {
        std::lock_guard<std::mutex> one_at_a_time(launch_mutex_);
        std::unique_lock<std::mutex> lock(mutex_);
        job_ = &job;
        pending_ = static_cast<unsigned>(workers_.size());
        ++generation_;
        wake_.notify_all();
        done_.wait(lock, [&] { return pending_ == 0; });
        job_ = nullptr;
        return job.error;
    }

private:
    Pool() {
        unsigned n = std::thread::hardware_concurrency();
        if (const char* env = std::getenv("SOFTXENT_EMU_THREADS")) n = static_cast<unsigned>(std::atoi(env));
        n = std::clamp(n, 1u, 8u);
        // Workers take no signals: the process's (a JVM's, say) signals go to its own threads.
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { loop(); });
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        for (auto& t : workers_) t.detach();
    }

    void loop() {
        Worker worker;
        unsigned long long seen = 0;
        for (;;) {
            Job* job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return generation_ != seen; });
                seen = generation_;
                job = job_;
            }
            worker.run(*job);
            std::lock_guard<std::mutex> lock(mutex_);
            if (--pending_ == 0) done_.notify_all();
        }
    }

    std::mutex launch_mutex_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    Job* job_ = nullptr;
    unsigned pending_ = 0;
    unsigned long long generation_ = 0;
};

}  // namespace

std::string launch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
    unsigned long long threads = (unsigned long long) block.x * block.y * block.z;
    if (threads == 0 || threads > kMaxThreads) return "a block of " + std::to_string(threads) + " threads";
    Job job;
    job.grid = grid;
    job.block = block;
    job.blocks = (unsigned long long) grid.x * grid.y * grid.z;
    job.kernel = &kernel;
    if (job.blocks == 0) return "";
    return Pool::instance().run(job);
}

void sync_block() {
    Worker* w = current_worker;
    w->arrive(w->block_barrier, w->live);
}

namespace {
void require_full_warp(Worker* w, unsigned mask, const char* what) {
    if (mask != 0xffffffffu) w->misuse(std::string(what) + " with a partial mask (this emulator supports the full warp only)");
    if (w->warp_live[w->current / kWarp] != kWarp) {
        w->misuse(std::string(what) + " in a warp with fewer than 32 running lanes (the block is not a multiple of 32 "
                  "threads, or a lane has exited)");
    }
}

std::atomic<AccessChecker> checker{nullptr};
}  // namespace

void set_access_checker(AccessChecker c) { checker = c; }

void check_access(const void* p, size_t bytes, bool write) {
    Worker* w = current_worker;
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    if (address % bytes != 0 && (bytes == 4 || bytes == 8 || bytes == 16)) {
        char what[96];
        std::snprintf(what, sizeof what, "a misaligned %zu-byte %s at %#lx", bytes, write ? "store" : "load",
                      (unsigned long) address);
        w->misuse(what);
    }
    AccessChecker c = checker.load(std::memory_order_relaxed);
    if (c == nullptr) return;
    std::string where = c(p, bytes);
    if (!where.empty()) w->misuse(std::string(write ? "a store to " : "a load from ") + where);
}

bool vote_any(unsigned mask, bool predicate) {
    Worker* w = current_worker;
    require_full_warp(w, mask, "a vote");
    unsigned t = w->current, warp = t / kWarp;
    Barrier& barrier = w->warp_barrier[warp];
    unsigned long long* slots = w->slots[barrier.generation % 2];
    slots[t] = predicate ? 1 : 0;
    w->arrive(barrier, w->warp_live[warp]);
    for (unsigned lane = 0; lane < kWarp; ++lane) {
        if (slots[warp * kWarp + lane]) return true;
    }
    return false;
}

unsigned long long shuffle_xor(unsigned mask, unsigned long long bits, int lane_mask) {
    Worker* w = current_worker;
    unsigned t = w->current;
    unsigned warp = t / kWarp;
    require_full_warp(w, mask, "a shuffle");
    unsigned source = warp * kWarp + ((t % kWarp) ^ (unsigned) (lane_mask & (kWarp - 1)));
    // Two sets of slots, alternating: a lane can write the next shuffle's slot only after every
    // lane has arrived at that shuffle's barrier, that is after every lane has read this one.
    Barrier& barrier = w->warp_barrier[warp];
    unsigned long long* slots = w->slots[barrier.generation % 2];
    slots[t] = bits;
    w->arrive(barrier, w->warp_live[warp]);
    return slots[source];
}

}  // namespace emu
