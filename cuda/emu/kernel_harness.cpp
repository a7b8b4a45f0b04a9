// Runs softxent's kernels on the CPU (see cuda_emu.h) for EmulatedKernelsTest: each argument is a
// folder holding job.txt (the operation, the kernel variant, the launch shape and the options, one
// "key value" per line) and the inputs as raw little-endian arrays (*.bin); the harness writes the
// outputs there as raw arrays too. It launches the kernels in the order the CUDA engine does.
//
// The single-block reductions run with 64 threads here (1024 on the GPU): they take any multiple of
// 32, and the emulator pays for every thread it starts.
//
// Build: g++ -std=c++20 -O2 -pthread -I cuda cuda/emu/kernel_harness.cpp cuda/emu/cuda_emu.cpp -o kernel_harness
#include "../softxent.cu"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace {

/** Runs a launch on the emulator; a misuse it finds (a divergent barrier, say) fails the job. */
void launch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
    std::string error = emu::launch(grid, block, kernel);
    if (!error.empty()) throw std::runtime_error(error);
}

using RowKernel = void (*)(int, int, int, const float*, const float*, const int*, const float*, const float*, int,
                           float, float, float, const float*, float*, float*, float*, unsigned long long*);

const std::map<std::string, RowKernel> kRowKernels = {
    {"warp_p1_v1", sx_rows_warp_p1_v1},     {"warp_p1_v2", sx_rows_warp_p1_v2},
    {"warp_p1_v4", sx_rows_warp_p1_v4},     {"warp_p1_v8", sx_rows_warp_p1_v8},
    {"warp_p1_v16", sx_rows_warp_p1_v16},   {"warp_p1_v32", sx_rows_warp_p1_v32},
    {"warp_p4_v4", sx_rows_warp_p4_v4},     {"warp_p4_v8", sx_rows_warp_p4_v8},
    {"warp_p4_v16", sx_rows_warp_p4_v16},   {"warp_p4_v32", sx_rows_warp_p4_v32},
    {"block_p1_v8", sx_rows_block_p1_v8},   {"block_p1_v16", sx_rows_block_p1_v16},
    {"block_p1_v32", sx_rows_block_p1_v32}, {"block_p4_v8", sx_rows_block_p4_v8},
    {"block_p4_v16", sx_rows_block_p4_v16}, {"block_p4_v32", sx_rows_block_p4_v32},
    {"stream_p1", sx_rows_stream_p1},       {"stream_p4", sx_rows_stream_p4},
};

using BackwardKernel = void (*)(int, int, const float*, const float*, float*, unsigned long long*);

const std::map<std::string, BackwardKernel> kBackwardKernels = {
    {"warp_p1", sx_backward_warp_p1},
    {"warp_p4", sx_backward_warp_p4},
    {"block_p1", sx_backward_block_p1},
    {"block_p4", sx_backward_block_p4},
};

struct Job {
    std::string dir;
    std::map<std::string, std::string> values;

    std::string get(const std::string& key, const std::string& fallback = "") const {
        auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
    long long num(const std::string& key, long long fallback = 0) const {
        auto it = values.find(key);
        return it == values.end() ? fallback : std::stoll(it->second);
    }
    double real(const std::string& key, double fallback = 0) const {
        auto it = values.find(key);
        return it == values.end() ? fallback : std::stod(it->second);
    }
};

template <class T>
std::vector<T> read(const Job& job, const std::string& name) {
    std::ifstream in(job.dir + "/" + name + ".bin", std::ios::binary);
    if (!in) return {};
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<T> values(bytes.size() / sizeof(T));
    std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

template <class T>
void write(const Job& job, const std::string& name, const std::vector<T>& values) {
    std::ofstream out(job.dir + "/" + name + ".bin", std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), (std::streamsize) (values.size() * sizeof(T)));
}

template <class T>
T* or_null(std::vector<T>& v) {
    return v.empty() ? nullptr : v.data();
}

// Launch shape of a row or backward kernel: warp kernels take 4 rows per 128-thread block.
dim3 grid_for(const std::string& kernel, int rows) {
    return kernel.rfind("warp", 0) == 0 ? dim3((rows + 3) / 4) : dim3(rows);
}

dim3 block_for(const Job& job, const std::string& kernel) {
    return kernel.rfind("warp", 0) == 0 ? dim3(128) : dim3((unsigned) job.num("block", 256));
}

void run(const Job& job) {
    const std::string op = job.get("op");
    const std::string kernel = job.get("kernel");
    const int rows = (int) job.num("rows");
    const int cols = (int) job.num("cols");
    const long long n = (long long) rows * cols;
    std::vector<unsigned long long> status(4);
    launch(1, 1, [&] { sx_status_reset(status.data()); });

    if (op == "softmax" || op == "log_softmax" || op == "ce_labels" || op == "ce_targets") {
        auto logits = read<float>(job, "logits");
        auto bias = read<float>(job, "bias");
        auto labels = read<int>(job, "labels");
        auto targets = read<float>(job, "targets");
        auto weights = read<float>(job, "weights");
        std::vector<float> out(n), probs(job.num("want_probs") ? n : 0), row_loss(rows), loss_float(1);
        std::vector<double> divisor(1), loss(1);
        // In place, as the classifier computes dS over its logits: the output is the input buffer.
        const bool in_place = job.num("in_place") != 0;
        if (in_place) out = logits;
        const float* input = in_place ? out.data() : logits.data();
        std::vector<float> scale(1, 1.0f);
        int code = op == "softmax" ? OP_SOFTMAX : op == "log_softmax" ? OP_LOG_SOFTMAX
                 : op == "ce_labels" ? OP_CE_LABELS : OP_CE_TARGETS;
        const std::string reduction = job.get("reduction", "mean");
        const double eps = job.real("smoothing");
        const int ignore = (int) job.num("ignore_index", -100);
        float weight_sum = (float) cols;
        if (!weights.empty()) {
            double s = 0;
            for (float w : weights) s += w;
            weight_sum = (float) s;
        }
        if (code >= OP_CE_LABELS) {
            launch(1, 64, [&] {
                sx_ce_divisor(rows, cols, code == OP_CE_LABELS ? labels.data() : nullptr, or_null(weights), ignore,
                              reduction == "mean", divisor.data(), scale.data(), status.data());
            });
        }
        RowKernel k = kRowKernels.at(kernel);
        launch(grid_for(kernel, rows), block_for(job, kernel), [&] {
            k(code, rows, cols, input, or_null(bias), or_null(labels), or_null(targets), or_null(weights), ignore,
              (float) (1.0 - eps), (float) (eps / cols), weight_sum, code >= OP_CE_LABELS ? scale.data() : nullptr,
              out.data(), or_null(probs), code >= OP_CE_LABELS ? row_loss.data() : nullptr, status.data());
        });
        if (code >= OP_CE_LABELS && reduction != "none") {
            launch(1, 64, [&] {
                sx_reduce_rows(rows, row_loss.data(), reduction == "mean" ? divisor.data() : nullptr, nullptr,
                               loss.data(), loss_float.data());
            });
        }
        write(job, "out", out);
        write(job, "probs", probs);
        write(job, "row_loss", row_loss);
        write(job, "loss", loss);
        write(job, "loss_float", loss_float);
    } else if (op == "backward") {
        auto probs = read<float>(job, "probs");
        auto grad = read<float>(job, "grad");
        std::vector<float> out(n);
        BackwardKernel k = kBackwardKernels.at(kernel);
        launch(grid_for(kernel, rows), block_for(job, kernel),
                    [&] { k(rows, cols, probs.data(), grad.data(), out.data(), status.data()); });
        write(job, "out", out);
    } else if (op == "jacobian") {
        auto probs = read<float>(job, "probs");
        std::vector<float> out(n * cols);
        launch((unsigned) job.num("grid", 4), 128, [&] { sx_jacobian(rows, cols, probs.data(), out.data()); });
        write(job, "out", out);
    } else if (op == "bce") {
        auto x = read<float>(job, "logits");
        auto t = read<float>(job, "targets");
        auto pw = read<float>(job, "pos_weight");
        const std::string reduction = job.get("reduction", "mean");
        unsigned grid = (unsigned) job.num("grid", 3);
        std::vector<float> grad(n), probs(n), losses(reduction == "none" ? n : 0);
        std::vector<double> partial(grid), loss(1);
        float scale = reduction == "mean" ? (float) (1.0 / (double) n) : 1.0f;
        launch(grid, 64, [&] {
            sx_bce(n, cols, x.data(), t.data(), or_null(pw), scale, grad.data(), probs.data(), or_null(losses),
                   partial.data(), status.data());
        });
        launch(1, 64, [&] {
            sx_reduce_partials((int) grid, partial.data(), reduction == "mean" ? 1.0 / (double) n : 1.0, nullptr,
                               loss.data(), nullptr);
        });
        write(job, "out", grad);
        write(job, "probs", probs);
        write(job, "row_loss", losses);
        write(job, "loss", loss);
    } else if (op == "column_sums") {
        auto ds = read<float>(job, "logits");
        std::vector<float> db(cols, 0.5f);
        int accumulate = (int) job.num("accumulate");
        launch((cols + 63) / 64, 64, [&] { sx_column_sums(rows, cols, ds.data(), db.data(), accumulate); });
        write(job, "out", db);
    } else if (op == "sum_squares") {
        auto v = read<float>(job, "logits");
        unsigned grid = (unsigned) job.num("grid", 3);
        std::vector<double> partial(grid), loss(1);
        launch(grid, 64, [&] { sx_sum_squares(n, v.data(), partial.data(), status.data()); });
        std::vector<double> addend(1, 0.25);
        launch(1, 64, [&] { sx_reduce_partials((int) grid, partial.data(), 1.0, addend.data(), loss.data(), nullptr); });
        write(job, "loss", loss);
    } else {
        throw std::runtime_error("unknown op " + op);
    }
    write(job, "status", status);
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        Job job;
        job.dir = argv[i];
        std::ifstream in(job.dir + "/job.txt");
        std::string key, value;
        while (in >> key >> value) job.values[key] = value;
        try {
            run(job);
        } catch (const std::exception& e) {
            std::cerr << job.dir << ": " << e.what() << "\n";
            return 1;
        }
    }
    return 0;
}
