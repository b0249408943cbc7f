#!/usr/bin/env bash
# Kernel benchmark: NativeKernels vs CpuKernels vs ND4J GEMM GFLOP/s and fused-kernel medians.
# Usage: scripts/kernel_bench.sh [reps=5] [native|cuda]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o -B test-compile
CP="target/classes:target/test-classes:$(mvn -q -o -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
exec java -Xmx8g -cp "$CP" org.neox.kernel.KernelBenchmark "${1:-5}" "${2:-native}"
