#!/usr/bin/env bash
# Installs qdeploy's build dependencies from Debian and builds it (Release) into build/.
# Usage: scripts/setup.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config clang-format
  libdnnl-dev            # oneDNN: conv / inner product / pooling kernels, fp32 and int8
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX schema and parsing
  libstb-dev fonts-dejavu-core                   # image decode/encode, text drawing (+ its font)
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libgtest-dev libbenchmark-dev libomp-dev
)

if [[ "${1:-}" != "--no-install" ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""
    [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# ONNX Runtime from npm (tools/ort): only for side-by-side accuracy/speed comparisons in tests and
# bench/compare.sh; qdeploy itself never uses it. --ignore-scripts: the package ships its CPU library.
if [[ "${1:-}" != "--no-install" ]]; then
  if ! command -v npm >/dev/null; then
    sudo_cmd=""
    [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [[ ! -d tools/ort/node_modules/onnxruntime-node ]]; then
    (cd tools/ort && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/qdeploy"
