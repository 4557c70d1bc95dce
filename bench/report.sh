#!/usr/bin/env bash
# Regenerates the README's accuracy and speed tables from real runs on this machine:
#   1. bench/compare.sh (deploys each net to int8 once, then ours fp32/int8, ONNX Runtime, real ncnn; --json),
#   2. `qdeploy test` of each net's fp32 ONNX and of the same int8 files on the full shared test set,
#   3. bench/render_readme.js writes both tables between the README's marker comments (date, CPU, ISA, load);
#   4. on a machine whose oneDNN ISA is above AVX2, the same speed comparison with ONEDNN_MAX_CPU_ISA=AVX2
#      (oneDNN's AVX2 kernels) into the README's speed-avx2 section: one table per ISA;
#   5. when the model zoo is exported (<build>/zoo/models, the zoo_export test), every zoo model at one
#      thread, batch 1, into docs/benchmarks.md's zoo-speed section, and (above AVX2) with ONEDNN_MAX_CPU_ISA=AVX2
#      into its zoo-speed-avx2 section.
#
#   bench/report.sh [--build DIR] [--nets "resnet20 resnet18"] [--rounds 5] [--zoo-rounds 3] [--readme README.md]
#                   [--no-zoo]
# (one zoo round of 10 runs moved single models by 20-30% between reports on the shared test VM)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
NETS="resnet20 resnet18"
ROUNDS=5
ZOO_ROUNDS=3
README=$ROOT/README.md
ZOO=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --nets) NETS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --zoo-rounds) ZOO_ROUNDS=$2; shift 2 ;;
    --readme) README=$2; shift 2 ;;
    --no-zoo) ZOO=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "report.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
QD=$BUILD/qdeploy
SHARED=$ROOT/../shared
OUT=$BUILD/report
mkdir -p "$OUT"

bash "$ROOT/bench/compare.sh" --build "$BUILD" --nets "$NETS" --rounds "$ROUNDS" --threads 1,2 --batch 1,32 \
  >"$OUT/compare.log"
cp "$BUILD/bench_compare/compare.json" "$OUT/speed.json"

# Reference top-1 from ../shared/README.md (measured there by PyTorch / ONNX Runtime / ncnn on the same files).
declare -A REF_FP32=([resnet20]="0.8651 (PyTorch, ONNX Runtime)" [resnet18]="0.9190 (PyTorch, ONNX Runtime)")
declare -A REF_INT8=([resnet20]="ncnn kl 0.8641" [resnet18]="ncnn kl 0.9194, ONNX Runtime 0.9195")
rows=()
for net in $NETS; do
  cfg=$ROOT/configs/${net}_cifar10.toml
  echo "report.sh: testing $net fp32 and int8 on the test set" >&2
  "$QD" test "$cfg" --model "$SHARED/models/${net}_cifar10.onnx" --batch 32 --out "$OUT/${net}_fp32.json" >/dev/null
  "$QD" test "$cfg" --model "$BUILD/bench_compare/$net/end2end_int8.param" --batch 32 \
    --out "$OUT/${net}_int8.json" >/dev/null
  rows+=("$net|fp32|ONNX file|$OUT/${net}_fp32.json|${REF_FP32[$net]:-}")
  rows+=("$net|int8|\`deploy --quant\` (kl, 1000 calibration images), ncnn int8 files|$OUT/${net}_int8.json|${REF_INT8[$net]:-}")
done

# accuracy.json: the machine of the speed run plus one row per `qdeploy test` result.
printf '%s\n' "${rows[@]}" | node -e '
  const fs = require("fs");
  const speed = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const rows = fs.readFileSync(0, "utf8").trim().split("\n").map((line) => {
    const [model, precision, how, file, reference] = line.split("|");
    const t = JSON.parse(fs.readFileSync(file, "utf8"));
    return {model, precision, how, top1: t.top1, top5: t.top5, images: t.images, reference};
  });
  fs.writeFileSync(process.argv[2], JSON.stringify({date: new Date().toISOString().slice(0, 16) + "Z",
                                                    machine: speed.machine, rows}, null, 1) + "\n");
' "$OUT/speed.json" "$OUT/accuracy.json"

node "$ROOT/bench/render_readme.js" --readme "$README" --accuracy "$OUT/accuracy.json" --speed "$OUT/speed.json"

# One speed table per ISA: oneDNN's AVX2 kernels on this machine too (ncnn keeps its own dispatch).
ISA=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).machine.isa)' \
  "$OUT/speed.json")
if [ "$ISA" != avx2 ]; then
  echo "report.sh: speed with ONEDNN_MAX_CPU_ISA=AVX2" >&2
  ONEDNN_MAX_CPU_ISA=AVX2 bash "$ROOT/bench/compare.sh" --build "$BUILD" --nets "$NETS" --rounds "$ROUNDS" \
    --threads 1,2 --batch 1 >"$OUT/compare_avx2.log"
  cp "$BUILD/bench_compare/compare.json" "$OUT/speed_avx2.json"
  node "$ROOT/bench/render_readme.js" --readme "$README" --speed "$OUT/speed_avx2.json" --section speed-avx2
fi

# Every zoo model (224x224), one thread, batch 1.
if [ "$ZOO" = 1 ] && [ -d "$BUILD/zoo/models" ]; then
  # zoo_<name> where a shared CIFAR model has the same name (compare.sh's resnet18 is the CIFAR one)
  ZOO_NETS=$(awk '!/^#/ && $2 == 13 {print $1}' "$ROOT/tests/zoo/models.txt" |
    while read -r m; do if [ -f "$SHARED/models/${m}_cifar10.onnx" ]; then echo "zoo_$m"; else echo "$m"; fi; done |
    tr '\n' ' ')
  echo "report.sh: zoo speed ($ZOO_NETS)" >&2
  bash "$ROOT/bench/compare.sh" --build "$BUILD" --nets "$ZOO_NETS" --rounds "$ZOO_ROUNDS" --threads 1 --batch 1 \
    >"$OUT/compare_zoo.log"
  cp "$BUILD/bench_compare/compare.json" "$OUT/speed_zoo.json"
  node "$ROOT/bench/render_readme.js" --readme "$ROOT/docs/benchmarks.md" --speed "$OUT/speed_zoo.json" \
    --section zoo-speed
  if [ "$ISA" != avx2 ]; then  # the zoo on oneDNN's AVX2 kernels too (issue 15: targets per ISA)
    echo "report.sh: zoo speed with ONEDNN_MAX_CPU_ISA=AVX2" >&2
    ONEDNN_MAX_CPU_ISA=AVX2 bash "$ROOT/bench/compare.sh" --build "$BUILD" --nets "$ZOO_NETS" --rounds "$ZOO_ROUNDS" \
      --threads 1 --batch 1 >"$OUT/compare_zoo_avx2.log"
    cp "$BUILD/bench_compare/compare.json" "$OUT/speed_zoo_avx2.json"
    node "$ROOT/bench/render_readme.js" --readme "$ROOT/docs/benchmarks.md" --speed "$OUT/speed_zoo_avx2.json" \
      --section zoo-speed-avx2
  fi
fi
echo "report.sh: tables written into $README and docs/benchmarks.md (inputs in $OUT)" >&2
