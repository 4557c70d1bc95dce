#!/usr/bin/env bash
# Runs every test (unit + end-to-end on ../shared) with CTest. Build first with scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --timeout 1500 "$@"
