#!/usr/bin/env bash
# Writes target/softxent.jsa, the class-data archive the launcher (target/softxent) hands the JVM:
# the classes a `train` loads (softxent's, the JDK's beyond its own archive), already parsed and
# verified, so that a command starts about 0.15-0.5 s sooner on a 2-core machine. Run by the Maven
# build (package), after the jar: it trains once on the digits set of the test resources with
# -XX:ArchiveClassesAtExit (Java 17's dynamic archive).
#   class-archive.sh TARGET_DIR JAVA_HOME PROJECT_DIR
# The archive serves only the JVM that wrote it and this very jar (the JVM checks both and, told
# so by the launcher, quietly goes without it otherwise). Where it cannot be written the build
# goes on without it and says so: the commands are then as fast as `java -jar`.
set -uo pipefail
target=$1
java="$2/bin/java"
project=$3
archive="$target/softxent.jsa"
rm -f "$archive"
work=$(mktemp -d) || { echo "WARNING: no temporary folder: no class archive (commands start slower)"; exit 0; }
trap 'rm -rf "$work"' EXIT
# picocli's classes (class file version 49) cannot be archived; the JVM says so for each, unasked.
if "$java" -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$target/softxent.jar" \
    train --data "$project/src/test/resources/data/digits.csv.gz" --device cpu --out "$work/model" \
    >"$work/log" 2>&1 && [ -s "$archive" ]; then
  echo "wrote $archive"
else
  rm -f "$archive"
  echo "WARNING: no class archive (commands start slower); the training it runs said:"
  tail -5 "$work/log"
fi
exit 0
