#!/usr/bin/env bash
# Device call: GPU correctness, then the forward's split/fold variants and the default tiles' fwd+bwd at the targets.
# Usage (GPU machine, repo root): OUT=dir bash scripts/triton_variants.sh
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/triton-out}; mkdir -p "$OUT"
python3 -m hoviz.kernels.check --out "$OUT/check.json" > "$OUT/check.log" 2>&1
echo "check rc=$?"; grep -c '^ok' "$OUT/check.log"; grep -v '^ok' "$OUT/check.log"
python3 -m hoviz.bench.triton_tiles --variants --shapes grouped-d128,perhead-d128 --out "$OUT/variants.json" 2>&1 \
  | cut -c1-200
