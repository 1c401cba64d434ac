#!/usr/bin/env bash
# One device call for the fused Triton 2-simplicial kernel: GPU correctness, a tile sweep, the benchmark table.
# Usage (on the GPU machine, repo root): OUT=dir bash scripts/triton_device.sh [sweep shapes] [bench T list]
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/triton-out}; mkdir -p "$OUT"
SHAPES=${1:-grouped-d128,perhead-d128}
TS=${2:-2048,8192,16384}
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" | tee -a "$OUT/gpu.txt"
python3 -m hoviz.kernels.check --out "$OUT/check.json" 2>&1 | tee "$OUT/check.log"
echo "check rc=${PIPESTATUS[0]}"
if [ "$SHAPES" != none ]; then
  python3 -m hoviz.bench.triton_tiles --out "$OUT/tiles.json" --shapes "$SHAPES" 2>&1 | tee "$OUT/tiles.log" | grep -v '^\[' | tail -5
  python3 - "$OUT/tiles.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
for shape in dict.fromkeys(r["shape"] for r in rows):
    for p in ("forward", "forward+backward"):
        rs = sorted((r for r in rows if r["shape"] == shape and r["passes"] == p and r["ms"]), key=lambda r: r["ms"])
        for r in rs[:3]:
            print(shape, p, r["ms"], "ms", r["tflops"], "TFLOP/s", r["tiles"])
PY
fi
if [ "$TS" != none ]; then
  python3 -m hoviz.bench.triton --out "$OUT/bench-cuda-triton.json" --T "$TS" --budget-s "${BUDGET:-400}" > "$OUT/bench.log" 2>&1
  echo "bench rc=$?"; grep -E "grouped|per-head" "$OUT/bench.log" | grep -E "T=8192|T=128 |T=512 " | head -60
fi
