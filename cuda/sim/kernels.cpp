// softxent's kernels, compiled for the emulator, and the table the simulated driver launches them
// from. The table is generated from the source itself (build-sim.sh writes kernels.inc: each
// extern "C" kernel with its parameter names), so a new kernel needs no line here; the C++ types
// of its parameters give the sizes the driver copies and checks against the PTX.
#include "../softxent.cu"

#include <map>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sim.h"

namespace sim {
namespace {

template <class... A, size_t... I>
std::tuple<A...> decode(const std::vector<std::vector<unsigned char>>& args, std::index_sequence<I...>) {
    std::tuple<A...> values;
    ((std::memcpy(&std::get<I>(values), args[I].data(), sizeof(A))), ...);
    return values;
}

std::vector<std::string> split(const std::string& names) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= names.size()) {
        size_t comma = names.find(',', start);
        if (comma == std::string::npos) comma = names.size();
        out.push_back(names.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

template <class... A>
Kernel entry(const char* name, const char* param_names, void (*f)(A...)) {
    Kernel k;
    k.name = name;
    std::vector<std::string> names = split(param_names);
    std::vector<size_t> sizes = {sizeof(A)...};
    std::vector<bool> pointers = {std::is_pointer_v<A>...};
    for (size_t i = 0; i < sizes.size(); ++i) {
        k.params.push_back(Param{i < names.size() ? names[i] : "#" + std::to_string(i), sizes[i], pointers[i]});
    }
    k.run = [f](emu_dim::Dim grid, emu_dim::Dim block, const std::vector<std::vector<unsigned char>>& args) {
        std::tuple<A...> values = decode<A...>(args, std::index_sequence_for<A...>{});
        return emu::launch(dim3(grid.x, grid.y, grid.z), dim3(block.x, block.y, block.z),
                           [&] { std::apply(f, values); });
    };
    return k;
}

}  // namespace

const Kernel* find_kernel(const std::string& name) {
    static const std::map<std::string, Kernel> table = [] {
        std::map<std::string, Kernel> t;
#define SIM_KERNEL(kernel, names) t.emplace(#kernel, entry(#kernel, names, kernel));
#include "kernels.inc"
#undef SIM_KERNEL
        return t;
    }();
    auto it = table.find(name);
    return it == table.end() ? nullptr : &it->second;
}

}  // namespace sim
