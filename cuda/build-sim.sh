#!/usr/bin/env bash
# Builds the simulated CUDA device for the tests (see cuda/sim/README.md) into
# target/simulated-device: libcuda.so.1 (the driver, running softxent's kernels through cuda/emu)
# and libcublas.so.13 (cuBLAS). Run by the Maven build (process-test-classes) unless tests are
# skipped; not part of the runnable jar. A no-op when the libraries are newer than their sources.
# Needs g++ (C++20) and a JDK's jni.h on linux-x86_64; elsewhere it builds nothing and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/simulated-device"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "not linux-x86_64: no simulated device is built (the GPU tests will skip)"
  exit 0
fi
if ! command -v g++ >/dev/null; then
  echo "WARNING: no g++: the simulated device is not built (the GPU tests will skip)"
  exit 0
fi
sources=("$root/cuda/softxent.cu" "$root"/cuda/emu/cuda_emu.* "$root"/cuda/sim/* "$0")
if [ -f "$out/libcublas.so.13" ] && [ -z "$(find "${sources[@]}" -newer "$out/libcublas.so.13" 2>/dev/null)" ]; then
  echo "the simulated device is up to date"
  exit 0
fi
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
mkdir -p "$out/gen"
rm -f "$out/libcuda.so.1" "$out/libcublas.so.13"

# The kernel table: every extern "C" kernel of softxent.cu with its parameter names, read from
# the preprocessed source (macros expanded), one SIM_KERNEL(name, "p0,p1,...") per kernel.
g++ -std=c++20 -x c++ -E -P -I "$root/cuda" "$root/cuda/softxent.cu" | tr '\n' ' ' \
  | grep -oE 'extern "C" +void +sx_[A-Za-z0-9_]+ *\([^)]*\)' \
  | awk '{
      name = $0; sub(/^extern "C" +void +/, "", name); sub(/ *\(.*/, "", name);
      params = $0; sub(/^[^(]*\(/, "", params); sub(/\)$/, "", params);
      n = split(params, parts, ",");
      list = "";
      for (i = 1; i <= n; i++) { p = parts[i]; gsub(/^ +| +$/, "", p); sub(/.*[ *]/, "", p); list = list (i > 1 ? "," : "") p }
      printf "SIM_KERNEL(%s, \"%s\")\n", name, list
    }' > "$out/gen/kernels.inc.tmp"
[ -s "$out/gen/kernels.inc.tmp" ] || { echo "no kernels found in cuda/softxent.cu" >&2; exit 1; }
mv "$out/gen/kernels.inc.tmp" "$out/gen/kernels.inc"

flags=(-std=c++20 -O2 -g -fPIC -pthread -Wall -Wextra -Wno-unknown-pragmas -Wno-unused-parameter -fvisibility=default
       -I "$root/cuda" -I "$root/cuda/sim" -I "$out/gen" -I "$java_home/include" -I "$java_home/include/linux")
cd "$out"
g++ "${flags[@]}" -c "$root/cuda/sim/kernels.cpp" -o kernels.o &
g++ "${flags[@]}" -c "$root/cuda/emu/cuda_emu.cpp" -o cuda_emu.o &
g++ "${flags[@]}" -c "$root/cuda/sim/driver.cpp" -o driver.o &
g++ "${flags[@]}" -c "$root/cuda/sim/cublas.cpp" -o cublas.o &
for job in $(jobs -p); do wait "$job"; done
g++ -shared -pthread -Wl,-soname,libcuda.so.1 -Wl,--no-undefined -o libcuda.so.1 driver.o kernels.o cuda_emu.o -ldl
g++ -shared -pthread -Wl,-soname,libcublas.so.13 -Wl,--no-undefined -Wl,-rpath,'$ORIGIN' -o libcublas.so.13 cublas.o \
    "$out/libcuda.so.1"
rm -f ./*.o
echo "built $out/libcuda.so.1 and libcublas.so.13"
