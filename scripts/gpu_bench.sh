#!/usr/bin/env bash
# On a GPU machine (one prepared run): `neox bench` with the CUDA kernels (SGEMM on cuBLAS, found by
# scripts/cublas_env.sh; buffers resident on the GPU) against PyTorch eager on the same GPU, fp32 (TF32 off), same config, side by
# side. Needs target/gpu from scripts/gpu_bundle.sh (carried to the device). Writes $OUT/gpu_bench.txt
# when OUT is set.
set -uo pipefail
cd "$(dirname "$0")/.."
exec > >(tee "${OUT:-/tmp}/gpu_bench.txt") 2>&1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
export NEOX_BIN="$PWD/target/gpu/neox"
. scripts/cublas_env.sh
# the tiny config on the staged and the device-resident CUDA kernels (the kernels line names the GEMM;
# resident runs also report host<->device MB per step); the torch comparisons on the resident path
# whole training steps on the GPU against the CPU kernels first (first gradients and losses, 1e-4)
"$NEOX_BIN" check-kernels -d configs tiny.yml --kernels cuda-resident --baseline native --steps 5 2>&1 | tail -12
"$NEOX_BIN" check-kernels -d configs tiny.yml --kernels cuda --baseline native --steps 3 2>&1 | tail -3
# the same with rpe and sparse (local) layers: the relative-bias gathers/scatters and the score masks
"$NEOX_BIN" check-kernels -d configs tiny.yml --kernels cuda-resident --baseline native --steps 3 --set pos_emb=rpe \
  --set 'attention_config=[[["local","global"],"all"]]' --set 'sparsity_config={block: 16, num_local_blocks: 2}' 2>&1 | tail -3
"$NEOX_BIN" bench -d configs tiny.yml --kernels cuda --iters 3 2>&1 | tail -3
"$NEOX_BIN" bench -d configs tiny.yml --kernels cuda-resident --iters 3 2>&1 | tail -3
for cfg in "--layers 6 --hidden 512 --heads 8 --seq 512 --micro-batch 4" \
           "--layers 12 --hidden 768 --heads 12 --seq 1024 --micro-batch 2"; do
  timeout 200 python3 scripts/bench_vs_torch.py $cfg --vocab 50304 --iters 5 --warmup 2 \
    --device cuda --neox --neox-kernels cuda-resident 2>&1 | tail -3
done
