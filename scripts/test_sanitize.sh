#!/usr/bin/env bash
# Builds qdeploy and unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang, no UB recovery,
# leak checking) and runs them; e2e tests (full data sets) are never run here. The build directory is shared
# with fuzz/run.sh (same flags, see fuzz/configure.sh), so the libraries compile once for both.
# Needs clang: scripts/setup_fuzz.sh installs it.
# Usage: scripts/test_sanitize.sh [--all] [ctest args...]
#   default: the test programs of the modules that read outside input (core, ir, data incl. image decoding,
#            passes, the ONNX and ncnn readers, the ncnn writer) - what CI runs, sized to keep CI under 30
#            minutes;
#   --all:   every unit-test program plus tests/cli_errors on the sanitized qdeploy binary (runtime, quant,
#            eval, ... too; 376 tests, all clean on 2026-11-26, ~13 min of build on 2 cores).
# Env: BUILD_DIR (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-fuzz}"
all=0
if [[ "${1:-}" == "--all" ]]; then
  all=1
  shift
fi
bash fuzz/configure.sh "$build"
if ((all)); then
  targets=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(test_[a-z0-9_]*\).*/\1/p' | grep -v '_e2e$')
else
  targets="test_core test_ir test_data test_passes test_frontend_onnx test_frontend_ncnn test_exporters_ncnn"
fi
((all)) && targets="qdeploy $targets"
cmake --build "$build" -j"${JOBS:-2}" --target $targets
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
# Programs not built here (e2e, or outside the default set) appear as *_NOT_BUILT placeholders: skipped.
ctest --output-on-failure --timeout 900 -LE e2e -E "_NOT_BUILT$" "$@"
