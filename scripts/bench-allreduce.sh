#!/usr/bin/env bash
# Allreduce bus bandwidth of the TCP communicator between separate local processes.
# Usage: scripts/bench-allreduce.sh [RANKS...]   (default: 2 4); sizes 1, 16 and 64 MiB.
set -e
cd "$(dirname "$0")/.."
mvn -q -o -B test-compile
mvn -q -o -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
CP="target/classes:target/test-classes:$(cat target/bench.cp)"
for n in ${@:-2 4}; do
  java -cp "$CP" org.neox.launch.AllReduceBenchLauncher "$n" 1 16 64 | grep 'busBW'
done
# The same sizes and ranks with torch.distributed's gloo, in the same run, when torch is installed.
if /usr/bin/python3 -c 'import torch.distributed' 2>/dev/null; then
  /usr/bin/python3 scripts/bench_allreduce_gloo.py ${@:-2 4}
fi
