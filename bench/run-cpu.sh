#!/usr/bin/env bash
# The CPU engine beside NumPy and scikit-learn, measured in one run on this machine: from the
# project root, after `mvn -B -q package -DskipTests`:
#   bench/run-cpu.sh [--quick] [OUT]
# 1. bench/numpy_baseline.py: the operations and the SGD loop with NumPy (and its BLAS);
# 2. (full run) the end-to-end data set written to OUT/data (SyntheticImages), then
#    bench/sklearn_baseline.py fitting it with scikit-learn, where a python3 has it (Debian's
#    /usr/bin/python3 with python3-sklearn is tried too); said and skipped where none has;
# 3. softxent's benchmark on the CPU, with both baselines' figures printed beside its own (median
#    ms and speed-up = the baseline's time / softxent's).
# Writes OUT (default bench/results/cpu-run)/numpy.json, sklearn.json, softxent.json and the
# printed tables (numpy.txt, sklearn.txt, bench.txt).
set -euo pipefail
quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); shift; fi
out=${1:-bench/results/cpu-run}
mkdir -p "$out"
python3 bench/numpy_baseline.py ${quick[@]+"${quick[@]}"} --json "$out/numpy.json" | tee "$out/numpy.txt"
baselines=(--baseline "$out/numpy.json")
data=()
if [ ${#quick[@]} -eq 0 ]; then
  java -cp target/softxent.jar org.softxent.bench.SyntheticImages "$out/data"
  py=python3
  python3 -c 'import sklearn' 2>/dev/null || { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sklearn' 2>/dev/null && py=/usr/bin/python3; }
  "$py" bench/sklearn_baseline.py --data "$out/data" --json "$out/sklearn.json" | tee "$out/sklearn.txt"
  baselines+=(--baseline "$out/sklearn.json")
  data=(--data-dir "$out/data")
fi
java -jar target/softxent.jar bench --device cpu ${quick[@]+"${quick[@]}"} "${baselines[@]}" \
  ${data[@]+"${data[@]}"} --json "$out/softxent.json" | tee "$out/bench.txt"
