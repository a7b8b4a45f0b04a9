#!/usr/bin/env bash
# The CPU engine beside NumPy, measured in one run on this machine: bench/numpy_baseline.py, then
# softxent's benchmark on the CPU with NumPy's figures printed beside its own (median ms and
# speed-up = NumPy's time / softxent's). From the project root, after
# `mvn -B -q package -DskipTests`:
#   bench/run-cpu.sh [--quick] [OUT]
# writes OUT (default bench/results/cpu-run)/numpy.json, softxent.json and bench.txt.
set -euo pipefail
quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); shift; fi
out=${1:-bench/results/cpu-run}
mkdir -p "$out"
python3 bench/numpy_baseline.py ${quick[@]+"${quick[@]}"} --json "$out/numpy.json" | tee "$out/numpy.txt"
java -jar target/softxent.jar bench --device cpu ${quick[@]+"${quick[@]}"} --baseline "$out/numpy.json" \
  --json "$out/softxent.json" | tee "$out/bench.txt"
