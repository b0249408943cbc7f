#!/usr/bin/env bash
# Packs what `neox bench` needs on a GPU machine that has no JDK into target/gpu/ (about 50 MB):
# a jlink'ed Java runtime, neox.jar (with the native CPU/CUDA kernel libraries inside) and the
# few jars the bench path loads (no ND4J/OpenBLAS: the cuda kernels do not use them).
# Usage: mvn -q -o -B -DskipTests package && scripts/gpu_bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/gpu
rm -rf "$out"
mkdir -p "$out/lib"
jlink --add-modules java.base,java.logging,java.management,jdk.unsupported,java.xml,java.naming,jdk.management \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/jre"
cp target/neox.jar "$out/"
for j in picocli snakeyaml jackson-core jackson-databind jackson-annotations slf4j-api logback-classic logback-core; do
  cp target/lib/$j-[0-9]*.jar "$out/lib/"
done
cat > "$out/neox" <<'SH'
#!/usr/bin/env bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/jre/bin/java" -XX:MaxRAMPercentage=60 -jar "$here/neox.jar" "$@"
SH
chmod +x "$out/neox"
du -sh "$out"
