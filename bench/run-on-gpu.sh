#!/usr/bin/env bash
# On the GPU machine (see ../shared/gpu/README.md), from the project root, with .gpu/ carried:
# the GPU test suite, then PyTorch's baseline and softxent's full benchmark side by side, all
# written under $OUT (or bench/results/run when OUT is unset).
#   bench/run-on-gpu.sh [--quick]
set -uo pipefail
out=${OUT:-bench/results/run}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/nvidia-smi.csv"
JAVA_TOOL_OPTIONS=-Xmx64g .gpu/test --include-tag gpu 2>&1 | tee "$out/gpu-tests.txt"
python3 bench/torch_baseline.py "$@" --json "$out/torch.json" 2>&1 | tee "$out/torch.txt"
.gpu/run java -Xmx32g -jar target/softxent.jar bench "$@" --json "$out/softxent.json" --baseline "$out/torch.json" \
  2>&1 | tee "$out/softxent.txt"
