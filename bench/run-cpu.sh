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
# Writes OUT (default bench/results/cpu-run)/numpy.json, sklearn.json, softxent.json, numpy-after.json
# (NumPy again after softxent, as the VM drifts; numpy-before-after.txt sets both beside softxent) and the
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
# NumPy once more, after softxent's run: a VM's speed moves within minutes, and the speed-ups
# above compare softxent with a NumPy run made before it. Both NumPy runs beside softxent's:
python3 bench/numpy_baseline.py ${quick[@]+"${quick[@]}"} --json "$out/numpy-after.json" > "$out/numpy-after.txt"
python3 - "$out" <<'PY' | tee "$out/numpy-before-after.txt"
import json, sys
out = sys.argv[1]
def load(name):
    return {(r["workload"], r["shape"], r.get("variant", "")): r["median_ms"]
            for r in json.load(open(f"{out}/{name}"))["results"]}
before, after, sx = load("numpy.json"), load("numpy-after.json"), load("softxent.json")
print("NumPy before and after softxent's run (median ms), and softxent's speed-up against each:")
for key in before:
    if key in after and key in sx:
        b, a, s = before[key], after[key], sx[key]
        print(f"  {key[0]:<24} {key[1]:<20} {key[2]:<5} {b:9.2f} {a:9.2f}   softxent {s:9.2f}   "
              f"{b / s:5.2f}x / {a / s:5.2f}x")
PY
