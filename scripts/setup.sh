#!/usr/bin/env bash
# Installs qdeploy's build dependencies from Debian and builds it (Release) into build/.
# Usage: scripts/setup.sh [--no-install] [--with-torch]
#   --no-install  build only, install nothing
#   --with-torch  also install Debian's python3-torch, python3-torchvision, python3-numpy, python3-pil and
#                 python3-opencv (large, ~1 GB) and OpenBLAS (PyTorch's BLAS), needed by the model-zoo tests (tests/zoo), by the reference
#                 crops of tests/data/reference (torchvision on PIL, mmcls arithmetic on OpenCV) and by
#                 tools/export_pytorch.py (PyTorch/mmcls checkpoint -> end2end.onnx) and its test
set -euo pipefail
cd "$(dirname "$0")/.."

no_install=0
with_torch=0
for arg in "$@"; do
  case "$arg" in
    --no-install) no_install=1 ;;
    --with-torch) with_torch=1 ;;
    *) echo "setup: unknown option $arg (use --no-install, --with-torch)" >&2; exit 1 ;;
  esac
done

packages=(
  build-essential cmake pkg-config clang-format
  libdnnl-dev            # oneDNN: conv / inner product / pooling kernels, fp32 and int8
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX schema and parsing
  libstb-dev fonts-dejavu-core                   # PNG/BMP decode, PNG encode, text drawing (+ its font)
  libjpeg62-turbo-dev    # JPEG decode: libjpeg-turbo as PIL uses it, pixel-exact with the reference pipeline
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libgtest-dev libbenchmark-dev libomp-dev
)

if ((with_torch)); then
  # libopenblas0-pthread: PyTorch's Linear layers call the system BLAS, netlib's reference one by default;
  # with it the zoo's brief training (tests/zoo/make_zoo.py) of VGG-11 ran 12 s per step.
  packages+=(python3-torch python3-torchvision python3-numpy python3-pil python3-opencv libopenblas0-pthread)
fi

if ((!no_install)); then
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
if ((!no_install)); then
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

# Unity builds of the unit-test programs (one translation unit per test folder): 174 instead of 347 s for the
# test programs on 2 cores (2026-12-07), most of it parsing gtest and the runtime headers once per file.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DQDEPLOY_UNITY_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/qdeploy"
