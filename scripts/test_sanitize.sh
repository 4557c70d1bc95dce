#!/usr/bin/env bash
# Builds qdeploy and unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang, no UB recovery,
# leak checking) and runs them; e2e tests (full data sets) are never run here. The build directory is shared
# with fuzz/run.sh (same flags, see fuzz/configure.sh), so the libraries compile once for both; the test
# programs are unity builds there (one translation unit per test folder), which keeps the full set's build
# short enough for CI.
# Needs clang: scripts/setup_fuzz.sh installs it.
# Usage: scripts/test_sanitize.sh [--inputs] [ctest args...]
#   default:  every unit-test program plus tests/cli_errors on the sanitized qdeploy binary (what CI runs);
#   --inputs: only the test programs of the modules that read outside input (core, ir, data incl. image
#             decoding, passes, the ONNX and ncnn readers, the ncnn writer): a quicker local check.
#   --all:    accepted for older callers; same as the default.
# Env: BUILD_DIR (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-fuzz}"
inputs=0
case "${1:-}" in
  --inputs) inputs=1; shift ;;
  --all) shift ;;
esac
bash fuzz/configure.sh "$build"
if ((inputs)); then
  targets="test_core test_ir test_data test_passes test_frontend_onnx test_frontend_ncnn test_exporters_ncnn"
else
  targets=unit_tests  # one target, so its programs compile in parallel; qdeploy comes with tests/cli_errors
fi
cmake --build "$build" -j"${JOBS:-2}" --target $targets
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
# Programs not built here (e2e, or outside --inputs) appear as *_NOT_BUILT placeholders: skipped.
# Two tests at a time (each gtest case is its own process, in its own temporary folder).
ctest --output-on-failure --timeout 900 -j"${JOBS:-2}" -LE "e2e|zoo" -E "_NOT_BUILT$" "$@"
