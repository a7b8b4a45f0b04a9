#!/usr/bin/env bash
# Everything a session with the GPU machine is for, in one command (see ../shared/gpu/README.md),
# from the project root, with .gpu/, target/softxent.jar, target/classes and target/test-classes
# carried:
#   1. the machine: nvidia-smi, the cuBLAS libraries there;
#   2. the GPU test suite (--include-tag gpu) on the real driver and cuBLAS;
#   3. compute-sanitizer: memcheck over the kernel, device-resident and contract tests, racecheck
#      and synccheck over the kernel tests;
#   4. check --device gpu over every golden case;
#   5. the time from Softxent.open to the first result: cold (the driver's JIT cache emptied) and warm;
#   6. PyTorch's baseline and softxent's full benchmark, side by side, with the sweep picture.
# Each stage has a time limit, so that one that hangs does not cost the others. Everything lands in
# $OUT (bench/results/run when OUT is unset): the JSON, the picture, and the logs in one tarball.
#   bench/run-on-gpu.sh [--quick] [--skip STAGE]...
set -uo pipefail
out=${OUT:-bench/results/run}
logs=$(mktemp -d)
mkdir -p "$out"
quick=()
skip=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --skip) skip="$skip$2 "; shift ;;
  esac
  shift
done
stage() { [[ "$skip" != *" $1 "* ]]; }
java=(.gpu/run java -Xmx32g)
tests() { JAVA_TOOL_OPTIONS=-Xmx32g timeout "$1" .gpu/test "${@:2}"; }
start=$(date +%s)
say() { echo "== $(($(date +%s) - start)) s: $*" | tee -a "$logs/stages.txt"; }

say "the machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv \
  | tee "$out/nvidia-smi.csv"
nvidia-smi > "$logs/nvidia-smi.txt" 2>&1
{ ldconfig -p | grep -i cublas; ls /usr/local/cuda*/lib64 2>/dev/null | grep -i cublas; } > "$logs/cublas-libraries.txt" 2>&1

if stage tests; then
  say "the GPU test suite"
  tests 420 --include-tag gpu > "$logs/gpu-tests.txt" 2>&1
  echo "exit $?" >> "$logs/gpu-tests.txt"
  tail -25 "$logs/gpu-tests.txt"
fi

if stage sanitizers && command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck synccheck; do
    say "compute-sanitizer $tool"
    classes='org\.softxent\.cuda\.KernelsTest'
    [ "$tool" = memcheck ] && classes="$classes|org\.softxent\.DeviceResidentTest|org\.softxent\.GpuEngineTest.*"
    selection=(--include-classname "^($classes)$")
    JAVA_TOOL_OPTIONS=-Xmx16g timeout 300 compute-sanitizer --tool "$tool" --error-exitcode 99 \
      --target-processes all .gpu/test "${selection[@]}" > "$logs/sanitizer-$tool.txt" 2>&1
    echo "exit $?" >> "$logs/sanitizer-$tool.txt"
    grep -E "ERROR SUMMARY|exit " "$logs/sanitizer-$tool.txt" | tail -3
  done
fi

if stage check; then
  say "check --device gpu over every golden case"
  timeout 120 "${java[@]}" -jar target/softxent.jar check src/test/resources/golden --device gpu \
    > "$logs/check-gpu.txt" 2>&1
  echo "exit $?" >> "$logs/check-gpu.txt"
  tail -3 "$logs/check-gpu.txt"
fi

if stage jit; then
  say "open to first result, cold and warm"
  z=$(mktemp -d)
  "${java[@]}" -jar target/softxent.jar demo --seed 1 > /dev/null 2>&1  # unpacks the runtime first
  for run in cold warm; do
    [ "$run" = cold ] && rm -rf "$HOME/.nv/ComputeCache"
    t0=$(date +%s%N)
    timeout 120 "${java[@]}" -jar target/softxent.jar softmax --logits src/test/resources/golden/ce_basic/logits.npy \
      --out "$z" --device gpu > "$logs/jit-$run.txt" 2>&1
    echo "$run: $(( ($(date +%s%N) - t0) / 1000000 )) ms (the JVM's start included)" | tee -a "$logs/jit.txt"
  done
fi

if stage bench; then
  say "PyTorch's baseline"
  PYTHONUNBUFFERED=1 timeout 300 python3 bench/torch_baseline.py "${quick[@]}" --json "$out/torch.json" \
    > "$logs/torch.txt" 2>&1
  echo "exit $?" >> "$logs/torch.txt"
  say "softxent's benchmark"
  timeout 420 "${java[@]}" -jar target/softxent.jar bench "${quick[@]}" --device gpu --json "$out/softxent.json" \
    --baseline "$out/torch.json" > "$logs/softxent.txt" 2>&1
  echo "exit $?" >> "$logs/softxent.txt"
  cat "$logs/softxent.txt"
fi

say "done"
tar -C "$logs" -czf "$out/logs.tgz" .
rm -rf "$logs"
