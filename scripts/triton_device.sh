#!/usr/bin/env bash
# One device call for the fused Triton 2-simplicial kernel: GPU correctness, then the benchmark table after a tile
# sweep of the shapes named. Usage (GPU machine, repo root): OUT=dir BUDGET=s bash scripts/triton_device.sh [TUNE] [T]
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/triton-out}; mkdir -p "$OUT"
TUNE=${1:-grouped-d128,perhead-d128,zoo-512}
TS=${2:-8192,2048,16384}
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" | tee -a "$OUT/gpu.txt"
python3 -m hoviz.kernels.check --out "$OUT/check.json" 2>&1 | tee "$OUT/check.log"
echo "check rc=${PIPESTATUS[0]}"
python3 -m hoviz.bench.triton --out "$OUT/bench-cuda-triton.json" --T "$TS" --tune "$TUNE" \
  --budget-s "${BUDGET:-400}" > "$OUT/bench.log" 2>&1
echo "bench rc=$?"
grep -E "^tuned|^triton|^pytorch|^sdpa" "$OUT/bench.log" | grep -vE "T=(2048|16384) " | cut -c1-170
