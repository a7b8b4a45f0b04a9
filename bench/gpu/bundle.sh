#!/usr/bin/env bash
# Packs what the bare GPU machine (no JDK, no Maven, no network) needs to run softxent's jar and
# its JUnit tests into .gpu/ at the project root (ignored by git); the project's own copy of
# ../shared/gpu/bundle.sh, so that CI can rehearse with it:
#   .gpu/jre.tar.xz        a Java 17 runtime made by jlink with the modules the jar and the tests use
#   .gpu/jre.id            its checksum: .gpu/run unpacks it once per machine, to /tmp/softxent-jre-<id>
#   .gpu/junit-console.jar the JUnit Platform console launcher (Jupiter's API, params and engine inside)
#   .gpu/run               runs a command with that runtime first on PATH
#   .gpu/test              runs the compiled tests (target/test-classes) against target/softxent.jar
# Needs `mvn -B -q -DskipTests package` first: it makes target/softxent.jar, target/test-classes
# and target/gpu/junit-console.jar. The runtime is rebuilt only when the JDK or the module list
# changed (jlink and xz take about a minute on two cores).
#   bench/gpu/bundle.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=.gpu
for need in target/softxent.jar target/test-classes target/gpu/junit-console.jar; do
  if [ ! -e "$need" ]; then
    echo "bundle: $need is missing: run 'mvn -B -q -DskipTests package' first" >&2
    exit 1
  fi
done
mkdir -p "$out"

# java.desktop: ImageIO for the benchmark's and train's pictures; jdk.unsupported: JavaCPP and JCuda;
# java.management, java.logging, java.xml, java.sql, java.compiler, jdk.zipfs: the JUnit console
# launcher, Gson and the JDK's own logging.
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.sql,java.xml,jdk.unsupported,jdk.zipfs
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
stamp="$modules $("$jdk/bin/java" -version 2>&1 | head -1)"
if [ ! -f "$out/jre.tar.xz" ] || [ ! -f "$out/jre.id" ] || [ "$(cat "$out/jre.modules" 2>/dev/null)" != "$stamp" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Uncompressed modules: xz then packs them to about 17 MB (jlink's own zip leaves xz little, 28 MB).
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=0 \
      --output "$tmp/jre"
  tar -C "$tmp" -cf - jre | xz -6 -T0 > "$out/jre.tar.xz.tmp"
  mv "$out/jre.tar.xz.tmp" "$out/jre.tar.xz"
  sha256sum "$out/jre.tar.xz" | cut -c1-16 > "$out/jre.id"
  echo "$stamp" > "$out/jre.modules"
fi
cp target/gpu/junit-console.jar "$out/junit-console.jar"
rm -rf "$out/lib" "$out/app-jar"   # what ../shared/gpu/bundle.sh leaves, which this bundle does not use

cat > "$out/run" <<'RUN'
#!/usr/bin/env bash
# Runs "$@" with the bundled Java runtime first on PATH, unpacking it once per machine.
set -e
here=$(cd "$(dirname "$0")" && pwd)
jre=/tmp/softxent-jre-$(cat "$here/jre.id")
if [ ! -x "$jre/bin/java" ]; then
  rm -rf "$jre.partial" && mkdir -p "$jre.partial"
  if command -v xz >/dev/null; then
    tar -xJf "$here/jre.tar.xz" -C "$jre.partial"
  else # no xz: Python's lzma reads it too
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$here/jre.tar.xz" "$jre.partial"
  fi
  rm -rf "$jre" && mv "$jre.partial/jre" "$jre" && rm -rf "$jre.partial"
fi
export JAVA_HOME=$jre PATH=$jre/bin:$PATH
exec "$@"
RUN
cat > "$out/test" <<'TEST'
#!/usr/bin/env bash
# Runs the compiled tests (target/test-classes) against target/softxent.jar with the bundled
# runtime, from the project root. Extra arguments go to the JUnit console launcher, e.g.
#   .gpu/test --include-tag gpu --exclude-package org.softxent.spark
# JVM options: $SOFTXENT_TEST_JVM (e.g. -Xmx16g).
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
# shellcheck disable=SC2086
exec "$here/run" java ${SOFTXENT_TEST_JVM:-} -jar "$here/junit-console.jar" execute \
  --class-path target/test-classes:target/softxent.jar --scan-class-path target/test-classes \
  --disable-banner --details=summary --fail-if-no-tests "$@"
TEST
chmod +x "$out/run" "$out/test"
echo "bundle: $(du -sb "$out" | cut -f1) bytes in $out (runtime $(du -b "$out/jre.tar.xz" | cut -f1), launcher $(du -b "$out/junit-console.jar" | cut -f1))"
