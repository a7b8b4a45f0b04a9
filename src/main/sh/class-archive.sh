#!/usr/bin/env bash
# Writes target/softxent.jsa, the class-data archive the launcher (target/softxent) hands the JVM:
# the classes a `train` loads (softxent's, the JDK's beyond its own archive), already parsed and
# verified, so that a command starts about 50 ms sooner on this project's 2-core machine. Run by
# the Maven build (package), after the jar: it trains once on the digits set of the test resources
# with -XX:ArchiveClassesAtExit (Java 17's dynamic archive), then checks that the JVM maps it.
#   class-archive.sh TARGET_DIR JAVA_HOME PROJECT_DIR
# Beside it, target/softxent.jsa.jvm names the java that wrote it: the archive serves only that JVM
# (another one, given it, shares no classes at all, not even its own), so the launcher hands it to
# no other. A jar rebuilt since makes the JVM go without the archive's top layer only. Where the
# archive cannot be written the build goes on without it and says so: the commands then start as
# `java -jar` does.
set -uo pipefail
target=$1
java="$2/bin/java"
project=$3
archive="$target/softxent.jsa"
rm -f "$archive" "$archive.jvm"
work=$(mktemp -d) || { echo "WARNING: no temporary folder: no class archive (commands start slower)"; exit 0; }
trap 'rm -rf "$work"' EXIT
# picocli's classes (class file version 49) cannot be archived; the JVM says so for each, unasked.
if "$java" -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$target/softxent.jar" \
    train --data "$project/src/test/resources/data/digits.csv.gz" --device cpu --out "$work/model" \
    >"$work/log" 2>&1 && [ -s "$archive" ] \
    && "$java" -Xshare:on -XX:SharedArchiveFile="$archive" -jar "$target/softxent.jar" --version >>"$work/log" 2>&1 \
    && readlink -f "$java" >"$archive.jvm"; then
  echo "wrote $archive"
else
  rm -f "$archive" "$archive.jvm"
  echo "WARNING: no class archive (commands start slower); the JVM said:"
  tail -5 "$work/log"
fi
exit 0
