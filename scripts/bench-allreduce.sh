#!/usr/bin/env bash
# Allreduce bus bandwidth of the TCP communicator between separate local processes, side by side
# with torch.distributed's gloo (when torch is installed), in interleaved rounds so both see the
# same machine load; the summary gives per-round medians and the median of the rounds.
# Usage: ROUNDS=3 scripts/bench-allreduce.sh [RANKS...]   (default: 2 4); sizes 1, 16 and 64 MiB.
set -e
cd "$(dirname "$0")/.."
mvn -q -o -B test-compile
mvn -q -o -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
CP="target/classes:target/test-classes:$(cat target/bench.cp)"
GLOO=0
if /usr/bin/python3 -c 'import torch.distributed' 2>/dev/null; then
  GLOO=1
fi
LOG=target/bench-allreduce.log
: > "$LOG"
for round in $(seq "${ROUNDS:-3}"); do
  echo "round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"
  for n in ${@:-2 4}; do
    java -cp "$CP" org.neox.launch.AllReduceBenchLauncher "$n" 1 16 64 | grep -o 'allreduce n=.*' | tee -a "$LOG"
    if [ "$GLOO" = 1 ]; then
      /usr/bin/python3 scripts/bench_allreduce_gloo.py "$n" | tee -a "$LOG"
    fi
  done
done
python3 scripts/bench_allreduce_summary.py "$LOG"
