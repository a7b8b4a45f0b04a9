#!/usr/bin/env bash
# Writes target/softxent.jsa, the class-data archive the launcher (target/softxent) hands the JVM:
# the classes a `train` loads (the JDK's, picocli's and softxent's) and those of the JDK's own
# archive (its lib/classlist: what other commands load), already parsed and verified,
# so that a command starts sooner. Run by the Maven build (package), after the jar: it trains once
# on the digits set of the test resources with -XX:DumpLoadedClassList, dumps those classes into a
# static archive (-Xshare:dump), then checks that the JVM maps it.
#   class-archive.sh TARGET_DIR JAVA_HOME PROJECT_DIR
# Why static: Java 17's dynamic archive (-XX:ArchiveClassesAtExit) leaves out picocli's classes
# (class file version 49, "old" classes), about 180 of them, each then parsed and checked by the
# old verifier at every start; the static dump takes them.
# Beside it, target/softxent.jsa.jvm names the java that wrote it and the jar it holds (real
# paths, one per line): the archive serves only that JVM with that jar at that place (any other
# JVM, or the jar elsewhere, would share no classes at all, not even the JDK's own), so the
# launcher hands it to no other. Where the archive cannot be written the build goes on without it
# and says so: the commands then start as `java -jar` does.
set -uo pipefail
target=$1
java="$2/bin/java"
project=$3
archive="$target/softxent.jsa"
rm -f "$archive" "$archive.jvm"
work=$(mktemp -d) || { echo "WARNING: no temporary folder: no class archive (commands start slower)"; exit 0; }
trap 'rm -rf "$work"' EXIT
jar=$(readlink -f "$target/softxent.jar")
# The launcher runs `java -jar <the jar's real path>`: the archive's class path must be that string.
if "$java" -XX:DumpLoadedClassList="$work/classes.lst" -jar "$jar" \
    train --data "$project/src/test/resources/data/digits.csv.gz" --device cpu --out "$work/model" \
    >"$work/log" 2>&1 && [ -s "$work/classes.lst" ] \
    && { [ ! -f "$2/lib/classlist" ] || cat "$2/lib/classlist" >>"$work/classes.lst"; } \
    && "$java" -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" -XX:SharedArchiveFile="$archive" \
        -cp "$jar" >>"$work/log" 2>&1 && [ -s "$archive" ] \
    && "$java" -Xshare:on -XX:SharedArchiveFile="$archive" -jar "$jar" --version >>"$work/log" 2>&1 \
    && { readlink -f "$java" && echo "$jar"; } >"$archive.jvm"; then
  echo "wrote $archive"
else
  rm -f "$archive" "$archive.jvm"
  echo "WARNING: no class archive (commands start slower); the JVM said:"
  tail -5 "$work/log"
fi
exit 0
