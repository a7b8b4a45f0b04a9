#!/usr/bin/env bash
# The GPU machine's two commands, from the project root, with the carry list that
# bench/gpu/preflight.sh prints (see bench/gpu/README.md; the budget: 15 minutes of device time
# for all calls together, 10 minutes a command):
#
#   bench/run-on-gpu.sh first-light   at most 6 minutes: the machine; check --device gpu over every
#                                     golden case; the start-up (open to first result, cold and warm
#                                     JIT cache); the GPU test suite; PyTorch's quick baseline and
#                                     softxent's quick benchmark beside it
#   bench/run-on-gpu.sh deeper        at most 4 minutes: compute-sanitizer memcheck (kernel and
#                                     device-resident tests), racecheck and synccheck (kernel tests);
#                                     the TF32 classifier's error, a real out-of-memory, the chunked
#                                     classifier (org.softxent.bench.FirstLight)
#
# Each stage runs under its own time limit and writes its log straight into $OUT as it runs, so a
# command stopped at its limit still brings back every stage that ended and the start of the one
# that did not. Each prints one verdict line, also appended to $OUT/stages.txt:
#   [first-light] check: PASS 28 cases: 28 passed, 0 failed (... outputs compared, 0 failed) (14 s of 60 s)
# PASS, FAIL, TIMEOUT, or SKIP (a stage that cannot run here, with the reason). The command exits 0
# when no stage failed or timed out. At most 8 files land in $OUT, what the device tool brings back.
#
# Options:
#   --simulated         rehearse here: every stage on softxent's simulated CUDA device (the test
#                       build makes it in target/simulated-device, or $SOFTXENT_SIMULATED_DEVICE),
#                       with scaled-down shapes and test selections; it proves the script, the bundle
#                       and the class path, never the GPU. Every verdict says [simulated].
#   --only S1,S2        run only these stages
#   --limit STAGE=SEC   another time limit for one stage (repeatable)
# $OUT defaults to bench/results/run-<command>.
set -uo pipefail

usage() {
  sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

command=${1:-}
case "$command" in
  first-light | deeper) shift ;;
  *) usage ;;
esac
simulated=false
only=""
declare -A limit_override=()
while [ $# -gt 0 ]; do
  case "$1" in
    --simulated) simulated=true ;;
    --only) only=",${2:?--only needs a list of stages},"; shift ;;
    --limit)
      spec=${2:?--limit needs STAGE=SECONDS}; shift
      [[ "$spec" =~ ^([a-z-]+)=([0-9]+)$ ]] || { echo "--limit $spec: expected STAGE=SECONDS" >&2; exit 2; }
      limit_override[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]} ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
  shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
export OUT=${OUT:-bench/results/run-$command}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
started=$SECONDS
failed=0
label=""

# Everything the stages need, checked before the first one: a missing piece is one clear line.
for need in .gpu/run .gpu/test .gpu/jre.tar.xz target/softxent.jar target/test-classes; do
  if [ ! -e "$need" ]; then
    echo "run-on-gpu: $need is missing: run bench/gpu/preflight.sh here and carry what it lists" >&2
    exit 2
  fi
done
if $simulated; then
  label=" [simulated]"
  sim=${SOFTXENT_SIMULATED_DEVICE:-$root/target/simulated-device}
  if [ ! -f "$sim/libcuda.so.1" ]; then
    echo "run-on-gpu --simulated: no simulated device at $sim: build it with 'mvn -B test-compile' or cuda/build-sim.sh" >&2
    exit 2
  fi
  # Every JVM the stages start (the tests' child JVMs too) computes on the simulated device, whose
  # memory is kept small so that filling it costs little.
  export JAVA_TOOL_OPTIONS="-Dsoftxent.simulatedDevice=$sim ${JAVA_TOOL_OPTIONS:-}"
  export SOFTXENT_SIM_MEMORY_MIB=${SOFTXENT_SIM_MEMORY_MIB:-512}
fi
export SOFTXENT_TEST_JVM="-Xmx16g"
jar=target/softxent.jar
# java ARGS...: the bundled runtime.
java() { .gpu/run java -Xmx16g "$@"; }

wanted() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

# stage NAME LIMIT LOG: runs stage_NAME under LIMIT seconds with its output appended to $OUT/LOG,
# then prints and records the verdict that verdict_NAME gives (it sets V and D); a dash in NAME is
# an underscore in the functions' names.
stage() {
  local name=$1 limit=$2 log=$3 fn=stage_${1//-/_}
  wanted "$name" || return 0
  limit=${limit_override[$name]:-$limit}
  local t0=$SECONDS
  echo "== [$command] $name: started, limit $limit s, log $log$label"
  { echo "== $name$label: $(date -u +%FT%TZ), limit $limit s"; } >> "$OUT/$log"
  # timeout runs the stage in a process group of its own and signals all of it (the JVMs too).
  timeout -k 10 "$limit" bash -c "$fn" >> "$OUT/$log" 2>&1
  local rc=$? took=$((SECONDS - t0))
  V=FAIL D="exit status $rc"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    V=TIMEOUT D="stopped at its limit; the end of $log says where"
  else
    "verdict_${name//-/_}" "$rc" "$OUT/$log"
  fi
  [ "$V" = PASS ] || [ "$V" = SKIP ] || failed=$((failed + 1))
  local line="[$command] $name: $V $D ($took s of $limit s)$label"
  echo "$line"
  echo "$line" >> "$OUT/stages.txt"
}

# The JUnit console launcher's summary: "N tests successful, F failed, S skipped, A aborted".
launcher_summary() {
  local log=$2 found ok bad skipped aborted
  found=$(grep -oE '\[ *[0-9]+ tests found' "$log" | tail -1 | grep -oE '[0-9]+')
  ok=$(grep -oE '\[ *[0-9]+ tests successful' "$log" | tail -1 | grep -oE '[0-9]+')
  bad=$(grep -oE '\[ *[0-9]+ tests failed' "$log" | tail -1 | grep -oE '[0-9]+')
  skipped=$(grep -oE '\[ *[0-9]+ tests skipped' "$log" | tail -1 | grep -oE '[0-9]+')
  aborted=$(grep -oE '\[ *[0-9]+ tests aborted' "$log" | tail -1 | grep -oE '[0-9]+')
  if [ -z "$found" ]; then
    V=FAIL D="no JUnit summary (exit status $1): the launcher did not run"
    return
  fi
  D="$found tests: $ok successful, $bad failed, $skipped skipped, ${aborted} aborted (assumptions: simulated-device-only tests)"
  if [ "$1" -eq 0 ] && [ "${bad:-1}" -eq 0 ] && [ "$found" -gt 0 ]; then V=PASS; else V=FAIL; fi
}

# ------------------------------------------------------------------------------------------------
# first-light

stage_machine() {
  if $simulated; then
    echo "softxent's simulated CUDA device at $sim: no nvidia-smi here, and no figure of this run is a GPU figure"
  else
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,compute_cap \
      --format=csv > "$OUT/nvidia-smi.csv" || return 1
    cat "$OUT/nvidia-smi.csv"
    nvidia-smi
    echo "-- cuBLAS libraries:"
    ldconfig -p | grep -i cublas
    ls /usr/local/cuda*/lib64 2>/dev/null | grep -i cublas
    echo "-- compute-sanitizer: $(command -v compute-sanitizer || echo none)"
  fi
  echo "-- Java: $(.gpu/run java -version 2>&1 | grep -v '^Picked up' | head -1); $(nproc) cores; $(free -g | awk '/^Mem/ {print $2}') GiB"
}
verdict_machine() {
  if [ "$1" -ne 0 ]; then V=FAIL D="exit status $1"; return; fi
  V=PASS
  if $simulated; then D="simulated device, $(grep -- '-- Java' "$2" | tail -1 | sed 's/^-- //')"
  else D="$(sed -n 2p "$OUT/nvidia-smi.csv")"; fi
}

stage_check() {
  java -jar "$jar" check src/test/resources/golden --device gpu
}
verdict_check() {
  local last
  last=$(grep -E '^[0-9]+ cases: ' "$2" | tail -1)
  if [ "$1" -eq 0 ] && [ -n "$last" ]; then V=PASS; else V=FAIL; fi
  D="${last:-no summary line (exit status $1)}"
}

stage_startup() {
  local run t0
  for run in cold warm; do
    # Cold: the driver's JIT cache emptied, so the PTX is compiled for this GPU again.
    [ "$run" = cold ] && rm -rf "${CUDA_CACHE_PATH:-$HOME/.nv/ComputeCache}"
    echo "-- $run"
    t0=$(date +%s%N)
    java -cp "$jar" org.softxent.bench.FirstLight startup || return 1
    echo "$run: the whole JVM, start to exit: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  done
}
verdict_startup() {
  local cold warm
  cold=$(grep -A30 -- '^-- cold' "$2" | grep -m1 '^open to first result' | grep -oE '[0-9]+ ms')
  warm=$(grep -A30 -- '^-- warm' "$2" | grep -m1 '^open to first result' | grep -oE '[0-9]+ ms')
  if [ "$1" -eq 0 ] && [ "$(grep -c '^verdict: PASS startup' "$2")" -eq 2 ]; then V=PASS; else V=FAIL; fi
  D="open to first result: cold JIT cache ${cold:-?}, warm ${warm:-?}; $(grep '^verdict:' "$2" | tail -1)"
}

stage_gpu_tests() {
  local select=()
  # Here the whole GPU suite runs in mvn -B verify already; the rehearsal proves the launcher, its
  # class path and the tag selection on a few classes (the full selection takes minutes here).
  $simulated && select=(--include-classname '^org\.softxent\.(cuda\.KernelsTest|cli\.GpuGoldenCasesTest|DeviceResidentTest)$')
  .gpu/test --include-tag gpu --exclude-package org.softxent.spark "${select[@]}"
}
verdict_gpu_tests() { launcher_summary "$@"; }

stage_torch() {
  if $simulated && ! python3 -c 'import torch' 2>/dev/null; then
    # No PyTorch here: at least the script must compile.
    python3 -m py_compile bench/torch_baseline.py bench/baseline_common.py && echo "SKIP: no PyTorch here"
    return
  fi
  PYTHONUNBUFFERED=1 python3 bench/torch_baseline.py --quick --json "$OUT/torch.json"
}
verdict_torch() {
  if [ "$1" -ne 0 ]; then V=FAIL D="exit status $1"; return; fi
  if grep -q '^SKIP: no PyTorch here' "$2"; then V=SKIP D="no PyTorch here (bench/torch_baseline.py compiles)"; return; fi
  if [ -s "$OUT/torch.json" ]; then
    V=PASS D="$(grep -c '"median_ms"' "$OUT/torch.json") figures in torch.json"
  else
    V=FAIL D="no torch.json"
  fi
}

stage_bench() {
  local baseline=()
  [ -s "$OUT/torch.json" ] && baseline=(--baseline "$OUT/torch.json")
  java -jar "$jar" bench --quick --device gpu --json "$OUT/softxent.json" "${baseline[@]}"
}
verdict_bench() {
  if [ "$1" -eq 0 ] && [ -s "$OUT/softxent.json" ]; then
    V=PASS D="$(grep -c '"median_ms"' "$OUT/softxent.json") figures in softxent.json$([ -s "$OUT/torch.json" ] && echo ', PyTorch beside them')"
  else
    V=FAIL D="exit status $1$([ -s "$OUT/softxent.json" ] || echo ', no softxent.json')"
  fi
}

# ------------------------------------------------------------------------------------------------
# deeper

kernels='^org\.softxent\.cuda\.KernelsTest$'
resident='^org\.softxent\.(cuda\.KernelsTest|DeviceResidentTest)$'

# sanitize TOOL CLASSES: the tests of CLASSES under compute-sanitizer's TOOL. Rehearsed here without
# it: the simulated device checks every access itself, which is all a rehearsal can show.
sanitize() {
  local tool=$1 classes=$2
  if $simulated; then
    echo "compute-sanitizer is not here: the same tests on the simulated device (its own access checks)"
    .gpu/test --include-tag gpu --include-classname "$classes"
    return
  fi
  compute-sanitizer --tool "$tool" --error-exitcode 99 --target-processes all --print-limit 200 \
    .gpu/test --include-tag gpu --include-classname "$classes"
}
sanitizer_verdict() {
  launcher_summary "$@"
  $simulated && return
  local errors
  errors=$(grep -oE 'ERROR SUMMARY: [0-9]+ error' "$2" | tail -1)
  if [ -z "$errors" ]; then
    V=FAIL D="no ERROR SUMMARY from compute-sanitizer; $D"
  elif [ "$errors" != "ERROR SUMMARY: 0 error" ]; then
    V=FAIL D="$errors(s); $D"
  else
    D="$errors(s); $D"
  fi
}
stage_memcheck() { sanitize memcheck "$resident"; }
stage_racecheck() { sanitize racecheck "$kernels"; }
stage_synccheck() { sanitize synccheck "$kernels"; }
verdict_memcheck() { sanitizer_verdict "$@"; }
verdict_racecheck() { sanitizer_verdict "$@"; }
verdict_synccheck() { sanitizer_verdict "$@"; }

stage_probes() {
  local trial status=0
  for trial in tf32 out-of-memory chunked; do
    echo "-- $trial"
    java -cp "$jar" org.softxent.bench.FirstLight "$trial" || status=1
  done
  return $status
}
verdict_probes() {
  if [ "$1" -eq 0 ]; then V=PASS; else V=FAIL; fi
  D="$(grep '^verdict:' "$2" | sed 's/^verdict: //' | paste -sd ';' -); TF32$(grep -m1 '^  TF32:' "$2" | sed 's/^  TF32://')"
}

# The stages run in child shells (under timeout): they see these functions and variables.
export -f $(compgen -A function | grep -E '^stage_|^sanitize$|^java$')
export simulated sim jar command kernels resident

echo "== [$command] on $(hostname) at $(date -u +%FT%TZ)$label; logs in $OUT" | tee -a "$OUT/stages.txt"
if [ "$command" = first-light ]; then
  # Limits sum to 360 s: the 6 minutes this command may take, the JVMs' starts included.
  # (torch.compile's first compiles take most of PyTorch's share.)
  stage machine 15 stages.txt
  stage check 45 check-gpu.txt
  stage startup 45 startup.txt
  stage gpu-tests 105 gpu-tests.txt
  stage torch 90 bench.txt
  stage bench 60 bench.txt
else
  # Limits sum to 240 s.
  stage memcheck 90 memcheck.txt
  stage racecheck 50 racecheck.txt
  stage synccheck 40 synccheck.txt
  stage probes 60 probes.txt
fi
# The device tool brings back at most 8 files from $OUT (the quick benchmark's sweep picture is
# drawn only on the simulated device, where it is cheap).
files=$(find "$OUT" -type f ! -name '*-sweep.png' | wc -l)
if [ "$files" -gt 8 ]; then
  echo "[$command] WARNING: $files files in $OUT; the device tool brings back 8 at most" | tee -a "$OUT/stages.txt"
  failed=$((failed + 1))
fi
total=$((SECONDS - started))
if [ $failed -eq 0 ]; then verdict="every stage passed"; else verdict="$failed stage(s) failed or timed out"; fi
echo "== [$command] $verdict in $total s$label" | tee -a "$OUT/stages.txt"
[ $failed -eq 0 ]
