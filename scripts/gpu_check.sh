#!/usr/bin/env bash
# GPU check for the CUDA kernel backend, for ONE run on a device machine (H100/H200):
#   1. builds libneoxkernels.so, libneoxkernels_cuda.so (sm_80 + sm_90) and backend_check there
#      (falls back to the carried src/main/native/build when no nvcc/gcc is there);
#   2. runs backend_check twice: with cuBLAS (scripts/cublas_env.sh finds PyTorch's libcublas and
#      exports NEOX_CUBLAS) and with NEOX_CUBLAS=0 (the built-in SGEMM): every CUDA kernel against
#      the CPU backend (the reference backend, itself tested against the Java ReferenceKernels), the
#      GEMM path asked for, then device-resident SGEMM GFLOP/s;
#   3. PyTorch fp32 matmul (TF32 off) on the same GPU and shapes, for the side-by-side ratio;
#   4. where java and mvn exist, the Java CudaKernelsTest.
# Usage (from the repository root): scripts/gpu_check.sh   (writes $OUT/gpu_check.txt when OUT is set)
set -uo pipefail
cd "$(dirname "$0")/.."
LOG="${OUT:-/tmp}/gpu_check.txt"
exec > >(tee "$LOG") 2>&1
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
N=src/main/native
if command -v nvcc >/dev/null && command -v gcc >/dev/null; then
  nvcc --version | tail -1
  # the device has no JDK: build the CPU and CUDA backends and the checker, not the JNI layer
  make -s -C "$N" OUT=build-device JAVA_HOME=/nonexistent build-device/libneoxkernels_cpu.so cuda check || { echo "native build failed"; exit 1; }
  B="$N/build-device"
else
  echo "no nvcc/gcc here: using the carried $N/build"
  B="$N/build"
fi
ls -la "$B"
. scripts/cublas_env.sh
echo "=== backend_check, cuBLAS (NEOX_CUBLAS=${NEOX_CUBLAS:-unset})"
OMP_NUM_THREADS=8 timeout 240 "$B/backend_check" "$(cd "$B" && pwd)/libneoxkernels_cuda.so"
echo "backend_check exit: $?"
echo "=== backend_check, built-in SGEMM (NEOX_CUBLAS=0)"
NEOX_CUBLAS=0 OMP_NUM_THREADS=8 timeout 240 "$B/backend_check" "$(cd "$B" && pwd)/libneoxkernels_cuda.so"
echo "backend_check (NEOX_CUBLAS=0) exit: $?"
if command -v python3 >/dev/null; then
  timeout 90 python3 - <<'PY' || echo "torch comparison failed"
import time, torch
if torch.cuda.is_available():
    torch.backends.cuda.matmul.allow_tf32 = False
    for m, k, n in [(2048, 768, 2304), (2048, 3072, 768), (2048, 768, 50304), (512, 512, 512), (4096, 4096, 4096)]:
        a = torch.randn(m, k, device="cuda"); b = torch.randn(n, k, device="cuda")
        for _ in range(3): a @ b.t()
        torch.cuda.synchronize(); t = time.perf_counter()
        for _ in range(20): a @ b.t()
        torch.cuda.synchronize(); t = (time.perf_counter() - t) / 20
        print(f"torch fp32 (cuBLAS, no TF32) NT m={m} k={k} n={n}: {2*m*n*k/t/1e9:8.1f} GFLOP/s ({t*1e3:.3f} ms)")
PY
fi
if command -v java >/dev/null && command -v mvn >/dev/null; then
  timeout 200 mvn -q -o -B test -Dtest=CudaKernelsTest 2>&1 | tail -30
fi
date -u
