#!/usr/bin/env bash
# Builds softxent's two small native libraries for linux-x86_64 into the class path (they are
# packaged in the jar): the cuBLAS 12 -> 13 bridge and the dlopen probe. Run by the Maven build
# (generate-resources). Elsewhere, or without gcc, it builds nothing and says so: the GPU engine
# then needs a real libcublas.so.12.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/target/classes/org/softxent/cuda/native/linux-x86_64"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "not linux-x86_64: no cuBLAS bridge is built"
  exit 0
fi
if ! command -v gcc >/dev/null; then
  echo "WARNING: no gcc: the cuBLAS bridge is not built"
  exit 0
fi
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
mkdir -p "$out"
cd "$root/cuda/native"
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -Wl,-soname,libcublas.so.12 -Wl,--version-script=cublas_bridge.map \
    -o "$out/libsoftxent-cublas-bridge.so" cublas_bridge.c -ldl
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -I"$java_home/include" -I"$java_home/include/linux" \
    -o "$out/libsoftxent-probe.so" native_probe.c -ldl
echo "built $out/libsoftxent-cublas-bridge.so and libsoftxent-probe.so"
