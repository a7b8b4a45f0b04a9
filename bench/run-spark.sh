#!/usr/bin/env bash
# softxent's Spark estimator (precision exact and float, CPU executors) beside MLlib's
# LogisticRegression on one cached DataFrame, on a multi-process cluster (Spark's local-cluster
# master: executor JVMs started by workers in the driver's JVM; no Spark distribution needed).
# From the project root, after `mvn -B -q test-compile` (the harness is in the test sources):
#   bench/run-spark.sh [ROWS FEATURES CLASSES EXECUTORS EXECUTOR_MB ITERATIONS] [OUT]
# defaults: 1000000 256 20 2 6144 10, OUT bench/results/spark-run; prints and writes OUT/side-by-side.txt.
set -euo pipefail
args=("${1:-1000000}" "${2:-256}" "${3:-20}" "${4:-2}" "${5:-6144}" "${6:-10}")
out=${7:-bench/results/spark-run}
mkdir -p "$out"
trap 'rm -f "$out/.classpath"' EXIT
# Extra flags for the driver JVM, e.g. -Dsoftxent.bench.only=MLlib,float (only those fits) or
# -Dsoftxent.bench.executorOptions=-XX:ActiveProcessorCount=1 (one flag for the executors' JVMs).
read -ra extra <<<"${SOFTXENT_BENCH_JAVA_OPTS:-}"
mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/.classpath" >/dev/null
# The flags Spark needs opened on Java 17+, as the tests' argLine (pom.xml: spark.test.jvm.options).
opens=$(sed -n '/<spark.test.jvm.options>/,/<\/spark.test.jvm.options>/p' pom.xml \
  | sed -e 's/<[^>]*>//g' | tr -s ' \n' ' ')
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"\
       "git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo '+changes'); bench/run-spark.sh ${args[*]}"
  # shellcheck disable=SC2086
  java -Xmx3g $opens ${extra[@]+"${extra[@]}"} -cp "target/test-classes:target/classes:$(cat "$out/.classpath")" \
    org.softxent.spark.SparkSideBySide "${args[@]}" 2>&1 | { grep -v -e ' WARN ' -e ' INFO ' -e 'LBFGS: Failure' || true; }
} | tee "$out/side-by-side.txt"
