#!/bin/sh
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
