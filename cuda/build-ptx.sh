#!/usr/bin/env bash
# Generates the committed PTX, src/main/resources/org/softxent/cuda/softxent.ptx, from
# cuda/softxent.cu. Run by the Maven build (generate-resources); a no-op when the PTX is current.
#
# nvcc 13 writes PTX ISA 9.0, which only CUDA 13 drivers load. The kernels use nothing newer than
# ISA 8.0, so the PTX is declared as ISA 8.0 and ptxas checks that claim: the one PTX then loads on
# every driver from CUDA 12.0 (R525) on, CUDA 13 included. The first line records the SHA-256 of
# the source it was made from, which the tests compare (a stale PTX fails them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/cuda/softxent.cu"
out="$root/src/main/resources/org/softxent/cuda/softxent.ptx"
isa=8.0

if command -v sha256sum >/dev/null; then
  hash=$(sha256sum "$src" | cut -d' ' -f1)
else
  hash=$(shasum -a 256 "$src" | cut -d' ' -f1)
fi
if [ -f "$out" ] && head -1 "$out" | grep -q "$hash"; then
  echo "softxent.ptx is up to date with cuda/softxent.cu"
  exit 0
fi
if ! command -v nvcc >/dev/null; then
  echo "WARNING: cuda/softxent.cu changed but nvcc is not here: softxent.ptx is stale (the tests will say so)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nvcc -ptx -arch=compute_75 -O3 -o "$tmp/nvcc.ptx" "$src"
sed "s/^\.version [0-9][0-9.]*\$/.version $isa/" "$tmp/nvcc.ptx" > "$tmp/lowered.ptx"
grep -q "^\.version $isa\$" "$tmp/lowered.ptx" || { echo "no .version line in nvcc's PTX" >&2; exit 1; }
# ptxas rejects any instruction or directive the declared ISA does not have.
ptxas -arch=sm_75 -o /dev/null "$tmp/lowered.ptx"
# The registers each kernel gets on sm_90 (an H100 or H200): they bound the threads per block, which
# the simulated device reports as the driver would (cuda/sim/driver.cpp reads these lines).
ptxas -arch=sm_90 -v -o /dev/null "$tmp/lowered.ptx" 2>&1 \
  | awk '/Compiling entry function/ { name = $0; sub(/.*function \047/, "", name); sub(/\047.*/, "", name) }
         /Used [0-9]+ registers/ { for (i = 1; i <= NF; i++) if ($i == "Used") print "// softxent-registers " name " " $(i + 1) }' \
  > "$tmp/registers.txt"
[ -s "$tmp/registers.txt" ] || { echo "ptxas -v reported no registers" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
{
  echo "// softxent-source-sha256 $hash"
  echo "// Generated from cuda/softxent.cu by cuda/build-ptx.sh with $(nvcc --version | tail -1);"
  echo "// declared PTX ISA $isa (checked by ptxas) so that CUDA 12.0+ drivers load it. Do not edit."
  echo "// Registers per thread on sm_90, from ptxas -v:"
  cat "$tmp/registers.txt"
  cat "$tmp/lowered.ptx"
} > "$out"
echo "wrote $out"
