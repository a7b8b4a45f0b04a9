#!/usr/bin/env bash
# Run here before any call to the GPU machine: builds, bundles, rehearses both commands of
# bench/run-on-gpu.sh on the simulated device, and prints the exact `carry` list and the bytes that
# will travel (the tracked files, the untracked files git does not ignore, and the carried paths),
# refusing above 60 MiB (the device tool's limit is 64 MiB). Exits 0 only when the call is ready.
#
#   bench/gpu/preflight.sh [--no-build] [--no-rehearsal] [--stage DIR]
#
#   --no-build       use target/ as it is (mvn -B -q -DskipTests package already run)
#   --no-rehearsal   skip the simulated-device run of both commands (about 3 minutes here)
#   --stage DIR      also copy exactly what would travel into DIR (a fresh folder), as the GPU
#                    machine will see it; the rehearsal then runs there, so that a path that exists
#                    only in this checkout fails here
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=true
rehearse=true
stage_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=false ;;
    --no-rehearsal) rehearse=false ;;
    --stage) stage_dir=${2:?--stage needs a folder}; shift ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done

# What travels beside the tracked files; everything else under target/ stays here.
carry=(.gpu target/softxent.jar target/test-classes)
limit=$((60 << 20))

if $build; then
  echo "preflight: mvn -B -q -DskipTests package"
  mvn -B -q -DskipTests package
fi
bash bench/gpu/bundle.sh
for f in bench/run-on-gpu.sh bench/gpu/bundle.sh .gpu/run .gpu/test; do
  bash -n "$f" || { echo "preflight: $f does not parse" >&2; exit 1; }
done

# The working tree the device tool sends: tracked files and untracked ones git does not ignore.
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
carried=$(du -cb "${carry[@]}" | tail -1 | cut -f1)
total=$((tree + carried))
awk -v t="$tree" -v c="$carried" 'BEGIN { printf "preflight: the working tree %d bytes + carried %d bytes = %d bytes (%.1f MiB; limit 60 MiB)\n", t, c, t + c, (t + c) / 1048576 }'
du -sb "${carry[@]}" | sed 's/^/  carried: /'
if [ "$total" -gt "$limit" ]; then
  echo "preflight: REFUSED: $total bytes would travel, more than 60 MiB; carry less or untrack large files" >&2
  exit 1
fi

where=$root
if [ -n "$stage_dir" ]; then
  if [ -e "$stage_dir" ] && [ -n "$(ls -A "$stage_dir" 2>/dev/null)" ]; then
    echo "preflight: --stage $stage_dir is not an empty folder" >&2
    exit 2
  fi
  mkdir -p "$stage_dir"
  git ls-files -z --cached --others --exclude-standard | xargs -0 -r cp --parents -t "$stage_dir" 2>/dev/null || true
  cp -r --parents -t "$stage_dir" "${carry[@]}"
  where=$(cd "$stage_dir" && pwd)
  echo "preflight: what travels is copied to $where"
fi

if $rehearse; then
  [ -f target/simulated-device/libcuda.so.1 ] || bash cuda/build-sim.sh
  for command in first-light deeper; do
    echo "preflight: rehearsing '$command' on the simulated device"
    rm -rf "$root/target/rehearsal/$command"
    if ! (cd "$where" && OUT="$root/target/rehearsal/$command" \
          SOFTXENT_SIMULATED_DEVICE="$root/target/simulated-device" bench/run-on-gpu.sh "$command" --simulated); then
      echo "preflight: the rehearsal of '$command' failed: see target/rehearsal/$command/" >&2
      exit 1
    fi
  done
fi

list=$(printf '"%s", ' "${carry[@]}")
echo "preflight: ready. Call the device tool's run with:"
echo "  carry: [${list%, }]"
echo "  command: bench/run-on-gpu.sh first-light   (timeout_s about 420)"
echo "  then, if time is left: bench/run-on-gpu.sh deeper   (timeout_s about 280)"
