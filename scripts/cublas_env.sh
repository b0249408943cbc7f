# Sourced by gpu_check.sh / gpu_bench.sh: finds a libcublas for the CUDA kernels (loaded at run time, see
# src/main/native/cuda/cublas_rt.h) and exports NEOX_CUBLAS to it, printing what it found. PyTorch's pip wheels
# ship cuBLAS: nvidia/cu13/lib/libcublas.so.13 (CUDA 13), nvidia/cublas/lib/libcublas.so.12 (CUDA 12); else the
# newest libcublas.so.1N anywhere on the disk. None found: NEOX_CUBLAS stays unset (the loader's search path).
neox_locate_cublas() {
  python3 - <<'PY' 2>/dev/null && return
import glob, sys
try:
    import nvidia
except ImportError:
    sys.exit(1)
hits = [p for d in nvidia.__path__ for p in glob.glob(d + "/*/lib/libcublas.so.1[0-9]")]
if not hits:
    sys.exit(1)
print(max(hits, key=lambda p: int(p.rsplit(".", 1)[1])))
PY
  timeout 60 find / \( -path /proc -o -path /sys \) -prune -o -name 'libcublas.so.1[0-9]' -print 2>/dev/null |
    awk -F. '{print $NF " " $0}' | sort -n | tail -1 | cut -d' ' -f2-
}
NEOX_CUBLAS_FOUND="$(neox_locate_cublas)"
if [ -n "$NEOX_CUBLAS_FOUND" ]; then
  export NEOX_CUBLAS="$NEOX_CUBLAS_FOUND"
  echo "cuBLAS: NEOX_CUBLAS=$NEOX_CUBLAS"
else
  unset NEOX_CUBLAS
  echo "cuBLAS: no libcublas.so.1N found; nkc_sgemm tries the loader's search path, else runs the built-in kernel"
fi
