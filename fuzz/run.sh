#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for N seconds on
# seed corpora made now from ../shared and fuzz_make_seeds (nothing from ../shared is committed).
# Usage: fuzz/run.sh [seconds per target, default 30] [target names...]
#   targets: ncnn_param ncnn_bin ncnn_table onnx_import image_decode (default: all)
# Env: BUILD_DIR (default build-fuzz), SHARED (default ../shared), NICE (default 10), JOBS (default 2: parallel
# build jobs and targets fuzzed at once).
# Exits non-zero when a target finds a crash; the input is saved under $BUILD_DIR/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(ncnn_param ncnn_bin ncnn_table onnx_import image_decode)
build="${BUILD_DIR:-build-fuzz}"
shared="$(cd "${SHARED:-../shared}" && pwd)"
nice_level="${NICE:-10}"

bash fuzz/configure.sh "$build"
fuzz_bins=()
for t in "${targets[@]}"; do fuzz_bins+=("${t}_fuzz"); done
nice -n "$nice_level" cmake --build "$build" -j"${JOBS:-2}" --target fuzz_make_seeds "${fuzz_bins[@]}"

# Seed corpora: generated files plus copies of the shared models, tables and a few CIFAR images.
seeds="$build/seeds"
rm -rf "$seeds"
"$build/fuzz_make_seeds" "$seeds"
mkdir -p "$seeds/ncnn_bin" "$seeds/ncnn_table"
cp "$shared"/ncnn-reference/*.param "$seeds/ncnn_param/"
cp "$shared/ncnn-reference/resnet20-kl-int8.bin" "$seeds/ncnn_bin/"
cp "$shared/ncnn-reference/resnet20-kl.table" "$seeds/ncnn_table/"
head -n 3 "$shared/ncnn-reference/resnet20-kl.table" >"$seeds/ncnn_table/head3.table"
printf '# comment\n\n/fc/Gemm_param_0 1.5\n' >"$seeds/ncnn_table/bad_count.table"
cp "$shared/models/resnet20_cifar10.onnx" "$seeds/onnx_import/"
for c in airplane cat ship; do cp "$shared/cifar10/test/$c/0000.jpg" "$seeds/image_decode/$c.jpg"; done

declare -A max_len=([ncnn_param]=65536 [ncnn_bin]=300000 [ncnn_table]=16384 [onnx_import]=1200000
                    [image_decode]=65536)
# One target for $seconds; writes its result to $build/<target>.status (0 ok, 1 finding).
run_target() {
  local t=$1 corpus="$build/corpus/$1" artifacts="$build/artifacts/$1" log="$build/$1.log"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $t for ${seconds}s (corpus $corpus, log $log)"
  # A 1 GiB memory budget: qdeploy refuses bigger tensors itself, before libFuzzer's 3 GiB RSS limit trips.
  if QDEPLOY_SHARED_DIR="$shared" QDEPLOY_MEMORY_LIMIT=1G UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    nice -n "$nice_level" "$build/${t}_fuzz" "$corpus" "$seeds/$t" -max_total_time="$seconds" \
    -max_len="${max_len[$t]}" -timeout=60 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $t ok, ${execs:-?} execs"
    echo 0 >"$build/$t.status"
  else
    echo "fuzz: $t FAILED (see $log):" >&2
    grep -E 'ERROR|SUMMARY|internal error|Test unit written' "$log" | head -20 >&2
    echo 1 >"$build/$t.status"
  fi
}

# Targets run $JOBS at a time (each libFuzzer process uses one core), so CI spends ceil(5/2) x N seconds.
for t in "${targets[@]}"; do
  rm -f "$build/$t.status"
  while (($(jobs -rp | wc -l) >= ${JOBS:-2})); do wait -n || true; done
  run_target "$t" &
done
wait
status=0
for t in "${targets[@]}"; do
  [ "$(cat "$build/$t.status" 2>/dev/null)" = 0 ] || { echo "fuzz: $t did not finish cleanly" >&2; status=1; }
done
exit $status
