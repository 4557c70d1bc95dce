#!/usr/bin/env bash
# Side-by-side speed in ONE run: ours fp32 (ONNX file), ours int8 (qdeploy-made ncnn int8 files), ONNX
# Runtime fp32 (npm onnxruntime-node, CPU) and real ncnn fp32 and int8 (../shared/ncnn-oracle/ncnn_oracle bench
# on our end2end.param/.bin and end2end_int8.param/.bin; batch 1 only, ncnn has no batch) on the shared
# resnet18/resnet20 at 1 and 2 threads, batch 1 and 32. Rounds alternate between `qdeploy bench`,
# tools/ort/bench_ort.js and ncnn (the order changes every round); each program times a model's runs back to
# back after its warm-up, as ONNX Runtime's and ncnn's benchmarks do (`qdeploy bench` in turns of --block runs,
# one turn per model and round at the default 10; until 2026-12-07 ours alternated fp32 and int8 run by run, so
# each of our runs started with the caches the other model left). Medians are over all timed runs of all
# rounds (ncnn: the median of its per-round medians, since ncnn_oracle prints medians only). The table's
# header names the CPU and the ISA oneDNN dispatched to.
#
#   bench/compare.sh [--build DIR] [--rounds 3] [--repeat 10] [--warmup 3] [--threads 1,2] [--batch 1,32]
#                    [--nets "resnet20 resnet18"] [--fresh]
#
# --nets takes the shared CIFAR models (resnet18, resnet20) and the model-zoo names of tests/zoo/models.txt
# (e.g. "mobilenet_v3_large efficientnet_b0": <build>/zoo/models/<name>_op13.onnx, 224x224, made by the zoo_export
# test or tests/zoo/make_zoo.py; calibrated on <build>/zoo/images/calib). zoo_<name> always means the zoo model
# (zoo_resnet18: torchvision's ResNet-18 at 224x224; plain resnet18 is the shared CIFAR one). Zoo models at batch 32 take long:
# pass --batch 1 for them.
#
# Needs a built qdeploy (default build/qdeploy) and node. Int8 models are made once with
# `qdeploy deploy ... --quant` into <build>/bench_compare/<net>/ (--fresh remakes them); per-round JSON and
# the final table (compare.md, compare.json) land in <build>/bench_compare/.
# On a machine busy with other work, OpenMP's default spin-waiting makes our 2-thread runs collapse (a
# barrier waits for a descheduled thread); OMP_WAIT_POLICY=passive bench/compare.sh measures without it
# (the report prints the policy used; ONNX Runtime has its own thread pool and ignores it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
ROUNDS=3
REPEAT=10
WARMUP=3
THREADS=1,2
BATCH=1,32
NETS="resnet20 resnet18"
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --nets) NETS=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;  # the comment block above
    *) echo "compare.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done

QD=$BUILD/qdeploy
SHARED=$ROOT/../shared
NCNN=$SHARED/ncnn-oracle/ncnn_oracle
WORK=$BUILD/bench_compare
[ -x "$QD" ] || { echo "compare.sh: $QD not found: build qdeploy first (or pass --build DIR)" >&2; exit 1; }
command -v node >/dev/null || { echo "compare.sh: node not found (Node.js runs ONNX Runtime)" >&2; exit 1; }
[ -x "$NCNN" ] || { echo "compare.sh: $NCNN not found (the real ncnn, part of ../shared)" >&2; exit 1; }
mkdir -p "$WORK"

# ONNX Runtime from npm (its package ships the CPU library; no install scripts needed).
if [ ! -d "$ROOT/tools/ort/node_modules/onnxruntime-node" ]; then
  echo "compare.sh: installing onnxruntime-node into tools/ort" >&2
  (cd "$ROOT/tools/ort" && npm ci --ignore-scripts)
fi

# A net's files: CFG (model config), ONNX (fp32 model), IMAGE (deploy's test image), CALIB (extra deploy options).
net_files() {
  if [ "${1#zoo_}" != "$1" ] && grep -q "^${1#zoo_} " "$ROOT/tests/zoo/models.txt"; then
    zoo_files "${1#zoo_}"
  elif [ -f "$SHARED/models/${1}_cifar10.onnx" ]; then
    CFG=$ROOT/configs/${1}_cifar10.toml ONNX=$SHARED/models/${1}_cifar10.onnx
    IMAGE=$SHARED/cifar10/test/airplane/0000.jpg CALIB=""
  elif grep -q "^$1 " "$ROOT/tests/zoo/models.txt"; then
    zoo_files "$1"
  else
    echo "compare.sh: unknown net '$1' (resnet18, resnet20, a name in tests/zoo/models.txt, or zoo_<name>)" >&2
    exit 1
  fi
}
zoo_files() {
  CFG=$ROOT/configs/imagenet/torchvision_224.toml ONNX=$BUILD/zoo/models/${1}_op13.onnx
  IMAGE=$BUILD/zoo/images/test/cat/0000.jpg CALIB="--quant-image-dir $BUILD/zoo/images/calib --calib-num 100"
  [ -f "$ONNX" ] || { echo "compare.sh: $ONNX missing: run the zoo_export test (ctest -R zoo_export)" >&2; exit 1; }
}

# Int8 models made by our own deploy flow (kl calibration on the shared calib set or the zoo's).
for net in $NETS; do
  net_files "$net"
  d=$WORK/$net
  if [ "$FRESH" = 1 ] || [ ! -f "$d/end2end_int8.param" ]; then
    echo "compare.sh: deploying $net to int8 in $d" >&2
    rm -rf "$d"
    # shellcheck disable=SC2086
    "$QD" deploy "$ROOT/configs/deploy/classification_ncnn-int8_static.toml" "$CFG" "$ONNX" "$IMAGE" \
      --work-dir "$d" --quant --snr-num 0 $CALIB >"$WORK/deploy_$net.log" 2>&1 ||
      { cat "$WORK/deploy_$net.log" >&2; exit 1; }
  fi
done

rm -f "$WORK"/round*_*.json
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$ROUNDS"); do
  for net in $NETS; do
    net_files "$net"
    ours() {
      "$QD" bench "$CFG" --model "$ONNX" \
        --model "$WORK/$net/end2end_int8.param" --label ours-fp32 --label ours-int8 --threads "$THREADS" \
        --batch "$BATCH" --repeat "$REPEAT" --warmup "$WARMUP" --json "$WORK/round${r}_${net}_ours.json" >/dev/null
    }
    ort() {
      node "$ROOT/tools/ort/bench_ort.js" --model "$ONNX" --label ort-fp32 \
        --threads "$THREADS" --batch "$BATCH" --repeat "$REPEAT" --warmup "$WARMUP" \
        --json "$WORK/round${r}_${net}_ort.json" >/dev/null
    }
    ncnn() {  # one JSON in bench_ort.js's shape: per (label, threads) the median of this round
      local shape results="" models="" label files out t
      shape=$(sed -n 's/^input_shape *= *\[ *[0-9]* *, *\([0-9]*\) *, *\([0-9]*\) *, *\([0-9]*\).*/\1,\2,\3/p' \
        "$CFG")
      for label in ncnn-fp32 ncnn-int8; do
        files="$WORK/$net/end2end.param $WORK/$net/end2end.bin"
        [ "$label" = ncnn-int8 ] && files="$WORK/$net/end2end_int8.param $WORK/$net/end2end_int8.bin"
        for t in ${THREADS//,/ }; do
          # shellcheck disable=SC2086
          out=$("$NCNN" bench $files --shape "$shape" --threads "$t" --loops "$REPEAT" --warmup "$WARMUP")
          results+="${results:+,}{\"model\":\"$label\",\"threads\":$t,\"batch\":1,\"samples_ms\":[$(
            echo "$out" | sed -n 's/^median \([0-9.]*\) ms.*/\1/p')]}"
        done
        models+="${models:+,}{\"label\":\"$label\",\"load_ms\":$(echo "$out" | sed -n 's/.* load \([0-9.]*\) ms.*/\1/p')}"
      done
      echo "{\"date\":\"$(date -u +%FT%TZ)\",\"models\":[$models],\"results\":[$results]}" \
        >"$WORK/round${r}_${net}_ncnn.json"
    }
    echo "compare.sh: round $r/$ROUNDS, $net" >&2
    case $((r % 3)) in
      1) ours; ort; ncnn ;;
      2) ort; ncnn; ours ;;
      0) ncnn; ours; ort ;;
    esac
  done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

node "$ROOT/bench/compare_report.js" --load-before "$LOAD_BEFORE" --load-after "$LOAD_AFTER" \
  --json "$WORK/compare.json" "$WORK"/round*_*.json | tee "$WORK/compare.md"
