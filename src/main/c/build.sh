#!/usr/bin/env bash
# Builds the CPU engine's native code (skinny_products.c: products; row_softmax.c: the row softmax and its backward;
# scale_rows.c: the standardisation of training rows; blas_in_place.c: OpenBLAS on Java arrays in place)
# for linux-x86_64 into the class path (packaged in the jar). Run by the Maven build
# (process-resources). Elsewhere, or without gcc, it builds nothing and says so: the CPU engine
# then computes every product with OpenBLAS and every softmax in Java.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/target/classes/org/softxent/cpu/native/linux-x86_64"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "not linux-x86_64: the CPU engine's native products are not built (OpenBLAS computes them)"
  exit 0
fi
if ! command -v gcc >/dev/null; then
  echo "WARNING: no gcc: the CPU engine's native products are not built (OpenBLAS computes them)"
  exit 0
fi
# The JDK's headers: $JAVA_HOME, else the JDK running Maven (its java.home, the first argument).
java_home=${JAVA_HOME:-${1:-}}
if [ ! -f "$java_home/include/jni.h" ]; then
  rm -f "$out/libsoftxent-cpu.so"
  echo "WARNING: no jni.h under '$java_home' (set JAVA_HOME to a JDK): the CPU engine's native products are not built"
  exit 0
fi
mkdir -p "$out"
cd "$root/src/main/c"
# -O3: the tiles' loops over their constant rows and classes must unroll for the accumulators to
# stay in registers. The instruction sets are chosen per function (target pragmas), at run time.
# -Werror keeps the code clean with the gcc this project builds with; where another gcc refuses it,
# the build goes on without the kernels (and the CPU tests say so).
if ! gcc -shared -fPIC -O3 -Wall -Wextra -Werror -I"$java_home/include" -I"$java_home/include/linux" \
    -o "$out/libsoftxent-cpu.so" skinny_products.c row_softmax.c scale_rows.c blas_in_place.c -lm -ldl; then
  rm -f "$out/libsoftxent-cpu.so"
  echo "WARNING: gcc could not build src/main/c: the CPU engine's native products are not built"
  exit 0
fi
echo "built $out/libsoftxent-cpu.so"
