#!/usr/bin/env bash
# Builds qdeploy and its unit tests with AddressSanitizer + UndefinedBehaviorSanitizer (clang, no UB
# recovery) and runs every test except the end-to-end ones (label e2e: full data sets, too slow under
# ASan). tests/cli_errors runs the sanitized qdeploy binary on the bad-input cases of docs/errors.md.
# The build directory is shared with fuzz/run.sh (same flags, see fuzz/configure.sh), so the libraries
# compile once for both. Needs clang: scripts/setup_fuzz.sh installs it.
# Usage: scripts/test_sanitize.sh [ctest args...]   Env: BUILD_DIR (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-fuzz}"
bash fuzz/configure.sh "$build"
# Only the unit-test programs (and qdeploy for tests/cli*), not the e2e programs.
targets=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(test_[a-z0-9_]*\).*/\1/p' | grep -v '_e2e$')
cmake --build "$build" -j"${JOBS:-2}" --target qdeploy $targets
# Leak checking stays on: a leak fails the test like any other sanitizer report.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
# (the _NOT_BUILT placeholders stand for the e2e programs, which are not built here)
ctest --output-on-failure --timeout 900 -LE e2e -E "_NOT_BUILT$" "$@"
