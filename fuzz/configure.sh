#!/usr/bin/env bash
# Configures the clang build shared by fuzz/run.sh and scripts/test_sanitize.sh: every library with ASan +
# UBSan (no recovery) and libFuzzer coverage instrumentation, so CI compiles the libraries once for both the
# fuzz targets and the sanitized unit tests. -O1 -g1: libFuzzer's usual level, line tables for stack traces,
# and quick to compile; unity builds of the libraries and test programs (QDEPLOY_UNITY), tests and qdeploy's
# own sources at -O0 (QDEPLOY_QUICK_TEST_BUILD). Usage: fuzz/configure.sh <build dir>
set -euo pipefail
cd "$(dirname "$0")/.."
build="$1"
if ! command -v clang++ >/dev/null || [[ ! -e "$(clang++ -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]]; then
  echo "clang++ with libFuzzer is missing (scripts/setup_fuzz.sh installs it)" >&2
  exit 1
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DCMAKE_CXX_COMPILER=clang++ \
  -DQDEPLOY_FUZZ=ON -DQDEPLOY_UNITY=ON -DQDEPLOY_QUICK_TEST_BUILD=ON -DQDEPLOY_BUILD_TESTS=ON -DQDEPLOY_CLI_TESTS=ON \
  -DQDEPLOY_BUILD_BENCH=OFF >/dev/null
