#!/usr/bin/env bash
# Device call: retrain shakespeare-simplicial2 through the fused Triton kernel and through the PyTorch path, same
# preset, seed and steps, one after the other on one GPU, so their validation losses and tokens/s compare.
# Usage (GPU machine, repo root, the corpus carried in .cache/shakespeare): OUT=dir bash scripts/retrain_device.sh
set -u
export PYTHONUNBUFFERED=1 HOVIZ_CACHE=${HOVIZ_CACHE:-.cache}
OUT=${OUT:-/tmp/retrain-out}; mkdir -p "$OUT"
PRESET=${PRESET:-shakespeare-simplicial2}
for path in triton pytorch; do
  flag=1; [ "$path" = pytorch ] && flag=0
  HOVIZ_TRITON=$flag HOVIZ_CHECKPOINTS="$OUT/$path" python3 -m hoviz train --preset "$PRESET" > "$OUT/train-$path.log" 2>&1
  echo "$path rc=$?"; tail -n 2 "$OUT/train-$path.log"
done
