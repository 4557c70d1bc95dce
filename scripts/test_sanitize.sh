#!/usr/bin/env bash
# Builds qdeploy and its unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (QDEPLOY_SANITIZE=ON)
# into build-asan/ and runs every test except the end-to-end ones (label e2e: full data sets, too slow
# under ASan). tests/cli_errors runs the sanitized qdeploy binary on the bad-input cases of docs/errors.md.
# Usage: scripts/test_sanitize.sh [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-asan}"
# -O1 -g1: fast enough to run the tests, line tables for reports, and quicker to compile than -O2.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DQDEPLOY_SANITIZE=ON -DQDEPLOY_CLI_TESTS=ON \
  -DQDEPLOY_BUILD_BENCH=OFF >/dev/null
# Only the unit-test programs (and qdeploy for tests/cli*), not the e2e programs.
targets=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(test_[a-z0-9_]*\).*/\1/p' | grep -v '_e2e$')
cmake --build "$build" -j"$(nproc)" --target qdeploy $targets
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
ctest --output-on-failure --timeout 900 -LE e2e "$@"
